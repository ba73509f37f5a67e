"""The api layer's boundaries: it never imports the sandbox, and `Client` is a `ServiceClient`."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import httpx

from napari_youcam import api
from napari_youcam.api import Client, Credentials, ServiceClient
from napari_youcam.connect import SandboxClient, sandbox_client

API_DIR = Path(api.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    """Every module a source file imports (absolute names; relative ones resolved inside api)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "napari_youcam.api" if node.level else ""
            names.add(f"{base}.{node.module}" if base and node.module else node.module or base)
    return names


def test_api_imports_nothing_of_the_sandbox_or_the_layers_above():
    offenders = {}
    for path in sorted(API_DIR.glob("*.py")):
        bad = {
            m
            for m in _imported_modules(path)
            if m.startswith(
                (
                    "napari_youcam.sandbox",
                    "napari_youcam.connect",
                    "napari_youcam.workflow",
                    "napari_youcam.cli",
                    "napari_youcam._napari",
                )
            )
        }
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}
    assert len(list(API_DIR.glob("*.py"))) >= 9  # the glob really found the package


def test_client_implements_every_member_of_the_service_protocol_with_the_same_signature():
    members = [n for n in vars(ServiceClient) if not n.startswith("_")]
    assert {"upload", "create_task", "wait", "download", "credits", "api", "is_sandbox"} <= set(members)
    for name in members:
        proto = inspect.getattr_static(ServiceClient, name)
        if isinstance(proto, property):
            continue
        assert inspect.signature(getattr(Client, name)) == inspect.signature(proto), name


def test_real_and_sandbox_clients_are_service_clients(sb):
    real = Client(Credentials(api_key="k" * 24), base_url="https://api.example", rate_limit=False)
    local = sandbox_client(sb)
    try:
        assert isinstance(real, ServiceClient) and isinstance(local, ServiceClient)
        assert (real.is_sandbox, local.is_sandbox) == (False, True)
        assert isinstance(local, SandboxClient) and local.sandbox is sb and local.base_url == sb.base_url
    finally:
        real.close()
        local.close()


def test_an_injected_httpx_transport_carries_every_request():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return httpx.Response(200, json={"status": 200, "result": {"results": [{"amount_dec": 7.5}]}})

    client = Client(
        Credentials(api_key="k" * 24),
        base_url="https://api.example",
        rate_limit=False,
        transport=httpx.MockTransport(handler),
    )
    with client:
        assert client.credits() == 7.5
    assert seen == ["GET /s2s/v1.0/client/credit"]
