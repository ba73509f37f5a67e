"""Which service a new user talks to: the real YouCam API or the bundled sandbox.

This module sits above both `api` (the client, which knows nothing of its
stand-in) and `sandbox` (the local server): it is the only place that joins them.
With credentials (environment first, then the settings panel's config file)
`default_client` returns a real `Client`. Without, it starts the bundled local
`Sandbox` once per process (daemon thread, loopback only) and returns a
`SandboxClient` for it (``is_sandbox = True``), so the CLI and the plugin can say
plainly that the results are synthetic while every step of the real flow still runs.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from napari_youcam.api.client import Client, RateLimitSetting
from napari_youcam.api.credentials import Credentials, config_path, load_config
from napari_youcam.api.retry import RetryPolicy
from napari_youcam.errors import InputError
from napari_youcam.sandbox import Sandbox

log = logging.getLogger("napari_youcam.api")

SANDBOX_NOTICE = "SANDBOX: no credentials configured, results are synthetic"

_lock = threading.Lock()
_sandbox: Sandbox | None = None


class SandboxClient(Client):
    """A `Client` for a local `Sandbox`; ``sandbox`` is the server it talks to."""

    is_sandbox = True

    def __init__(
        self,
        credentials: Credentials,
        sandbox: Sandbox,
        *,
        timeout: float = 30.0,
        rate_limit: RateLimitSetting = False,
        retry: RetryPolicy | None = None,
        file_endpoint: str = "auto",
        poll_interval: float | None = None,
        max_poll_gap: float = 8.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        interval = sandbox.polling_interval_ms / 1000 if poll_interval is None else poll_interval
        super().__init__(
            credentials,
            base_url=sandbox.base_url,
            timeout=timeout,
            rate_limit=rate_limit,
            retry=retry or RetryPolicy(attempts=4, base=0.05, ceiling=1.0),
            file_endpoint=file_endpoint,
            poll_interval=interval,
            max_poll_gap=max_poll_gap,
            transport=transport,
            sleep=sleep,
        )
        self.sandbox = sandbox


def shared_sandbox() -> Sandbox:
    """The process-wide local sandbox, started on first use and stopped at exit."""
    global _sandbox
    with _lock:
        if _sandbox is None:
            sb = Sandbox(port=0)
            sb.start()
            atexit.register(_stop_sandbox)
            _sandbox = sb
            log.info("started the local sandbox at %s", sb.base_url)
        return _sandbox


def _stop_sandbox() -> None:
    global _sandbox
    with _lock:
        sb, _sandbox = _sandbox, None
    if sb is not None:
        try:
            sb.stop()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            log.debug("the shared sandbox did not stop cleanly", exc_info=True)


def sandbox_client(
    sandbox: Sandbox | None = None,
    *,
    api: str = "v2",
    timeout: float = 30.0,
    rate_limit: RateLimitSetting = False,
    retry: RetryPolicy | None = None,
    file_endpoint: str = "auto",
    poll_interval: float | None = None,
    max_poll_gap: float = 8.0,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SandboxClient:
    """A client for a (given or the shared) sandbox, with ``is_sandbox = True``.

    Defaults suit a local server: no rate limit (no budget to protect), the poll
    interval its polls will announce, and short retry backoffs.
    """
    sb = sandbox if sandbox is not None else shared_sandbox()
    if api == "v1":
        creds = Credentials(client_id=sb.client_id, client_secret=sb.client_secret, base_url=sb.base_url)
    else:
        creds = Credentials(api_key=sb.api_key, base_url=sb.base_url)
    return SandboxClient(
        creds,
        sb,
        timeout=timeout,
        rate_limit=rate_limit,
        retry=retry,
        file_endpoint=file_endpoint,
        poll_interval=poll_interval,
        max_poll_gap=max_poll_gap,
        transport=transport,
        sleep=sleep,
    )


def find_credentials(*, config: Path | None = None) -> Credentials | None:
    """Environment first, then the config file; None when neither has credentials."""
    creds = Credentials.try_from_env()
    if creds is not None:
        return creds
    return Credentials.from_config(config)


def default_client(
    *,
    api: str | None = None,
    base_url: str | None = None,
    config: Path | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
) -> Client:
    """A real client when credentials exist, else a client for the local sandbox.

    ``api`` forces a generation: with both an API key and v1 credentials configured,
    ``api="v1"`` uses the client id/secret. ``base_url`` overrides the configured host.
    """
    creds = find_credentials(config=config)
    if creds is None:
        return sandbox_client(api=api or "v2", timeout=timeout, retry=retry)
    if api == "v1" and creds.api == "v2":
        if not creds.has_v1:
            raise InputError("--api v1 needs YOUCAM_CLIENT_ID and YOUCAM_CLIENT_SECRET")
        creds = Credentials(client_id=creds.client_id, client_secret=creds.client_secret, base_url=creds.base_url)
    elif api == "v2" and creds.api == "v1":
        raise InputError("--api v2 needs YOUCAM_API_KEY")
    base = base_url or creds.base_url or os.environ.get("YOUCAM_BASE_URL") or load_config(config).get("base_url")
    return Client(creds, base_url=base, timeout=timeout, retry=retry)


__all__ = [
    "default_client",
    "sandbox_client",
    "shared_sandbox",
    "find_credentials",
    "SandboxClient",
    "SANDBOX_NOTICE",
    "config_path",
]
