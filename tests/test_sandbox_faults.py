"""Each injectable fault, as a client sees it over real HTTP; plus rate limiting."""

from __future__ import annotations

import httpx
import pytest

from napari_youcam.sandbox import Sandbox
from sandbox_helpers import clock_now, gradient, png_bytes, upload, v1, v2, wait_v2


@pytest.fixture
def sb():
    with Sandbox(processing_seconds=0.05, clock=clock_now()) as s:
        yield s


def test_status_fault_with_retry_after_then_normal(sb: Sandbox) -> None:
    sb.inject("status", path="/s2s/v2.0/task/template/*", method="GET", times=2, status=503, retry_after=2)
    c = v2(sb)
    for _ in range(2):
        r = c.get("/s2s/v2.0/task/template/headshot")
        assert r.status_code == 503 and r.headers["Retry-After"] == "2"
        assert r.json() == {"status": 503, "error": "Service unavailable"}
    # Other paths and methods were never affected; the third call is normal.
    assert c.post("/s2s/v2.0/file", json={"files": []}).status_code == 400
    assert c.get("/s2s/v2.0/task/template/headshot").status_code == 200
    sb.inject("status", path="/s2s/v2.0/file", status=429)
    r = c.post("/s2s/v2.0/file", json={"files": []})
    assert r.status_code == 429 and r.json() == {"status": 429, "error": "Too many requests"}


def test_reset_drops_connection(sb: Sandbox) -> None:
    c = v2(sb)
    sb.inject("reset", path="/s2s/v2.0/task/template/*")
    with pytest.raises(httpx.TransportError):
        c.get("/s2s/v2.0/task/template/headshot")
    assert c.get("/s2s/v2.0/task/template/headshot").status_code == 200


def test_reset_on_put_after_body_stores_nothing(sb: Sandbox) -> None:
    c = v2(sb)
    data = png_bytes(gradient(30, 30))
    r = c.post(
        "/s2s/v2.0/file", json={"files": [{"content_type": "image/png", "file_name": "a", "file_size": len(data)}]}
    )
    f = r.json()["data"]["files"][0]
    req = f["requests"][0]
    sb.inject("reset", path="/_upload/*", method="PUT")
    with pytest.raises(httpx.TransportError):
        httpx.put(req["url"], headers=req["headers"], content=data)
    put = [e for e in sb.requests if e["method"] == "PUT"]
    assert put[-1]["bytes"] == len(data)  # the body was read before the reset
    assert f["file_id"] not in sb.uploads
    assert httpx.put(req["url"], headers=req["headers"], content=data).status_code == 200  # retry works
    assert f["file_id"] in sb.uploads


def test_delay_fault(sb: Sandbox) -> None:
    c = v2(sb)
    fault = sb.inject("delay", path="/s2s/v2.0/task/template/*", delay=0.4)
    assert c.get("/s2s/v2.0/task/template/headshot").status_code == 200  # late, but answered
    assert fault.times == 0  # the delay was applied to that request
    with pytest.raises(httpx.ReadTimeout):
        sb.inject("delay", path="/s2s/v2.0/task/template/*", delay=0.5)
        c.get("/s2s/v2.0/task/template/headshot", timeout=0.2)


def test_expire_token_fault(sb: Sandbox) -> None:
    c = v1(sb)
    assert c.get("/s2s/v1.0/client/credit").status_code == 200
    sb.inject("expire_token")
    r = c.get("/s2s/v1.0/client/credit")
    assert r.status_code == 401 and r.json()["error_code"] == "InvalidAccessToken"
    c2 = v1(sb)  # re-authenticating gives a working token again
    assert c2.get("/s2s/v1.0/client/credit").status_code == 200


def test_drop_body_fault_creates_task_but_hides_reply(sb: Sandbox) -> None:
    c = v2(sb)
    sid = upload(c, png_bytes(gradient(40, 40)))
    sb.inject("drop_body", path="/s2s/v2.0/task/enhance", method="POST")
    r = c.post("/s2s/v2.0/task/enhance", json={"src_file_id": sid, "scale": 2})
    assert r.status_code == 200 and r.content == b""
    with pytest.raises(ValueError):
        r.json()
    assert len(sb.tasks) == 1  # the side effect happened: a blind retry would create (and bill) a second task
    (tid,) = sb.tasks
    assert wait_v2(c, "/s2s/v2.0/task/enhance", tid)["task_status"] == "success"


def test_fail_next_task_only_for_named_feature(sb: Sandbox) -> None:
    c = v2(sb)
    sid = upload(c, png_bytes(gradient(40, 40)))
    sb.fail_next_task("error_inference", feature="sod")
    t1 = c.post("/s2s/v2.0/task/enhance", json={"src_file_id": sid, "scale": 1}).json()["data"]["task_id"]
    t2 = c.post("/s2s/v2.0/task/sod", json={"src_file_id": sid}).json()["data"]["task_id"]
    assert wait_v2(c, "/s2s/v2.0/task/enhance", t1)["task_status"] == "success"
    d = wait_v2(c, "/s2s/v2.0/task/sod", t2)
    assert d["task_status"] == "error" and d["error"] == "error_inference"


def test_rate_limit_per_token() -> None:
    with Sandbox(rate_limit=(3, 60.0)) as sb:
        c = v2(sb)
        codes = [c.get("/s2s/v2.0/task/template/headshot").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = c.get("/s2s/v2.0/task/template/headshot")
        assert r.json() == {"status": 429, "error": "Too many requests"}
        # Another credential has its own budget.
        other = httpx.get(sb.base_url + "/s2s/v2.0/task/template/headshot", headers={"Authorization": "Bearer x"})
        assert other.status_code == 401


def test_unknown_fault_kind_rejected(sb: Sandbox) -> None:
    with pytest.raises(ValueError):
        sb.inject("explode")


@pytest.mark.parametrize(
    "body,raw,ctype",
    [
        (None, b"", "application/json"),
        ({}, b"{}", "application/json"),
        ([1, "a"], b'[1, "a"]', "application/json"),
        ("<html>bad gateway</html>", b"<html>bad gateway</html>", "text/html"),
        (b"\xff\xfe", b"\xff\xfe", "application/octet-stream"),
    ],
    ids=["empty", "empty-object", "list", "html", "bytes"],
)
def test_reply_fault_sends_exactly_the_body(sb: Sandbox, body, raw, ctype) -> None:
    sb.inject("reply", path="/s2s/v2.0/file", method="POST", status=429, body=body, content_type=ctype)
    c = v2(sb)
    r = c.post("/s2s/v2.0/file", json={"files": []})
    assert r.status_code == 429 and r.content == raw and "Retry-After" not in r.headers
    assert r.headers["Content-Type"] == ctype
    assert c.post("/s2s/v2.0/file", json={"files": []}).status_code == 400  # used up: normal again
