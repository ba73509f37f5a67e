"""HTTP helpers for the tests that talk to the sandbox with plain httpx (no client of ours).

`v1`/`v2` clients are kept in `OPEN` and closed after each test by the autouse
fixture in conftest, so no connection outlives its test.
"""

from __future__ import annotations

import base64
import io
import time

import httpx
import numpy as np
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from PIL import Image

from napari_youcam.sandbox import FakeClock, Sandbox

#: the httpx clients `v1`/`v2` made during the running test
OPEN: list[httpx.Client] = []


def close_clients() -> None:
    while OPEN:
        OPEN.pop().close()


def png_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def jpg_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def gradient(h: int, w: int) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([(x * 255 // max(1, w - 1)), (y * 255 // max(1, h - 1)), np.full_like(x, 90)], -1).astype(np.uint8)


def id_token(client_id: str, secret: str, ts_ms: int | None = None) -> str:
    key = serialization.load_der_public_key(base64.b64decode(secret))
    ts = int(time.time() * 1000) if ts_ms is None else ts_ms
    return base64.b64encode(key.encrypt(f"client_id={client_id}&timestamp={ts}".encode(), padding.PKCS1v15())).decode()


def v2(sb: Sandbox) -> httpx.Client:
    OPEN.append(httpx.Client(base_url=sb.base_url, headers={"Authorization": f"Bearer {sb.api_key}"}, timeout=10))
    return OPEN[-1]


def v1(sb: Sandbox) -> httpx.Client:
    r = httpx.post(
        sb.base_url + "/s2s/v1.0/client/auth",
        json={"client_id": sb.client_id, "id_token": id_token(sb.client_id, sb.client_secret)},
    )
    assert r.status_code == 200, r.text
    tok = r.json()["result"]["access_token"]
    OPEN.append(httpx.Client(base_url=sb.base_url, headers={"Authorization": f"Bearer {tok}"}, timeout=10))
    return OPEN[-1]


def upload(
    c: httpx.Client, data: bytes, *, ctype: str = "image/png", path: str = "/s2s/v2.0/file", put: bool = True
) -> str:
    r = c.post(path, json={"files": [{"content_type": ctype, "file_name": "x", "file_size": len(data)}]})
    assert r.status_code == 200, r.text
    env = "data" if "/v2." in path else "result"
    f = r.json()[env]["files"][0]
    if put:
        req = f["requests"][0]
        assert req["method"] == "PUT"
        p = httpx.put(req["url"], headers=req["headers"], content=data)  # no Authorization
        assert p.status_code == 200, p.text
    return f["file_id"]


# The sandboxes of these tests run on this clock: waiting for a task moves it by the
# polling interval the sandbox announces instead of sleeping.
CLOCK = FakeClock()


def clock_now() -> FakeClock:
    """`CLOCK`, caught up with the real time: v1 id_tokens carry the real timestamp."""
    CLOCK.advance(max(0.0, time.time() - CLOCK.time()))
    return CLOCK


def wait_v2(c: httpx.Client, task_path: str, task_id: str, polls: int = 100) -> dict:
    for _ in range(polls):
        r = c.get(f"{task_path}/{task_id}")
        assert r.status_code == 200, r.text
        d = r.json()["data"]
        if d["task_status"] != "running":
            return d
        CLOCK.advance(d.get("polling_interval", 50) / 1000)
    raise AssertionError("task did not finish")


def wait_v1(c: httpx.Client, task_path: str, task_id: str, polls: int = 100) -> dict:
    for _ in range(polls):
        r = c.get(task_path, params={"task_id": task_id})
        assert r.status_code == 200, r.text
        d = r.json()["result"]
        if d["status"] != "running":
            return d
        CLOCK.advance(d["polling_interval"] / 1000)
    raise AssertionError("task did not finish")


def fetch_image(url: str) -> np.ndarray:
    r = httpx.get(url)
    assert r.status_code == 200
    return np.asarray(Image.open(io.BytesIO(r.content)))


def run_v2(sb: Sandbox, path: str, body: dict) -> dict:
    c = v2(sb)
    r = c.post(path, json=body)
    assert r.status_code == 200, r.text
    return wait_v2(c, path, r.json()["data"]["task_id"])
