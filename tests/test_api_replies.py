"""Hostile service replies at the transport and client (`api.transport.Transport`,
`Client.upload`): each becomes a typed error, and a create that reached the server is not repeated."""

from __future__ import annotations

import httpx
import pytest

from napari_youcam.api import Client, Credentials, RetryPolicy
from napari_youcam.api.errors import ConnectionFailedError, ServerError
from napari_youcam.api.transport import Transport
from napari_youcam.errors import YouCamError

FAST = RetryPolicy(attempts=2, base=0.0, ceiling=0.0, jitter=0.0)


class _NoAuth:
    def header(self) -> dict[str, str]:
        return {}

    def invalidate(self, used=None) -> bool:
        return False


def _transport(handler) -> Transport:
    return Transport(
        "https://api.example", _NoAuth(), retry=FAST, transport=httpx.MockTransport(handler), sleep=lambda s: None
    )


def test_result_host_redirect_loop_is_a_typed_error_not_an_httpx_traceback(tmp_path):
    t = _transport(lambda req: httpx.Response(302, headers={"Location": str(req.url)}))
    with pytest.raises(YouCamError):
        t.download("https://storage.example/r.png", tmp_path / "r.png")
    assert not list(tmp_path.glob("r.png*"))  # no result and no temp file left behind


def test_undecodable_create_reply_is_a_typed_error_that_warns_about_billing():
    calls = []

    def handler(req):
        calls.append(req)
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"not gzip at all")

    t = _transport(handler)
    with pytest.raises(ConnectionFailedError) as ei:
        t.call("POST", "/s2s/v2.0/task/sod", json={}, kind="create")
    assert len(calls) == 1  # a create that reached the server is never repeated
    assert "may have received" in str(ei.value)


def test_registration_reply_without_upload_url_is_a_server_error():
    reply = {"data": {"files": [{"file_id": "f1", "requests": [{}]}]}}
    client = Client(
        Credentials(api_key="k" * 20),
        base_url="https://api.example",
        rate_limit=False,
        transport=httpx.MockTransport(lambda req: httpx.Response(200, json=reply)),
    )
    with pytest.raises(ServerError):
        client.upload(b"\x89PNG....", content_type="image/png", file_name="a.png")
