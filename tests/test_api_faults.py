"""Fault matrix: each injected fault ends in success or a typed error, never a hang,
never a double charge, never a lost paid result, never a secret in logs.

Real loopback HTTP against the sandbox; faults are armed with `Sandbox.inject`.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import threading
import time

import numpy as np
import pytest
from PIL import Image

from napari_youcam import features as F
from napari_youcam import workflow
from napari_youcam.api import (
    ENGINE_ERRORS,
    AuthenticationError,
    Client,
    ConnectionFailedError,
    Credentials,
    DeadlineExceededError,
    InsufficientUnitsError,
    MalformedReplyError,
    RateLimitError,
    ResultUrlExpiredError,
    RetryPolicy,
    ServerError,
    TaskExpiredError,
    TaskFailedError,
    YouCamError,
)
from napari_youcam.connect import sandbox_client
from napari_youcam.sandbox import FakeClock, Sandbox
from napari_youcam.workflow import CancelledError

FAST = RetryPolicy(attempts=4, base=0.01, ceiling=0.3, jitter=0.0)
IMG = np.dstack([np.tile(np.arange(160, dtype=np.uint8), (120, 1))] * 3)


@pytest.fixture(scope="module")
def sb():
    # a request budget far above the documented one: this module sends well over 250 requests
    with Sandbox(processing_seconds=0.05, units=1e6, rate_limit=(100_000, 300.0)) as s:
        yield s


_MADE: list = []  # the clients `client_for` made during the running test


@pytest.fixture(autouse=True)
def _clean(sb):
    sb.clear_faults()
    sb.processing_seconds = 0.05
    yield
    sb.clear_faults()
    while _MADE:
        _MADE.pop().close()


def client_for(sb, api="v2", **kw):
    kw.setdefault("retry", FAST)
    kw.setdefault("timeout", 5.0)
    _MADE.append(sandbox_client(sb, api=api, **kw))
    return _MADE[-1]


def charges(sb, before, task_id=None):
    new = sb.ledger[before:]
    return [c for c in new if task_id is None or c["task_id"] == task_id]


def posts(sb, path, since):
    return [r for r in sb.requests[since:] if r["method"] == "POST" and r["path"] == path]


def run_sod(sb, client, tmp_path, **kw):
    return workflow.run("sod", IMG, client=client, out_dir=tmp_path, **kw)


# ---------------------------------------------------------------------- 429 / 5xx
def test_429_retry_after_on_create_is_honoured_and_charged_once(sb, tmp_path):
    slept, sleep = recording_sleep()
    c = client_for(sb, sleep=sleep)
    sb.inject("status", path="/s2s/v2.0/task/sod", method="POST", status=429, retry_after=0.25)
    n0, l0 = len(sb.requests), len(sb.ledger)
    res = run_sod(sb, c, tmp_path)
    assert 0.25 in slept  # waited Retry-After before repeating the POST
    assert len(posts(sb, "/s2s/v2.0/task/sod", n0)) == 2
    assert len(charges(sb, l0)) == 1 and charges(sb, l0)[0]["task_id"] == res.task_id


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_on_poll(sb, tmp_path, status):
    c = client_for(sb)
    sb.inject("status", path="/s2s/v2.0/task/sod/*", method="GET", status=status, times=2)
    l0 = len(sb.ledger)
    if status == 500:
        # the sandbox's 500 carries the documented TaskTimeout body: the task is gone,
        # which is a typed failure, not something to poll forever
        with pytest.raises(TaskFailedError) as ei:
            run_sod(sb, c, tmp_path)
        assert ei.value.code == "TaskTimeout" and ei.value.friendly
        assert not charges(sb, l0)
        side = json.loads(next(tmp_path.rglob("youcam-job.json")).read_text())
        assert side["status"] == "failed" and side["task_id"]
    else:
        res = run_sod(sb, c, tmp_path)
        assert res.files[0].is_file()
        assert len(charges(sb, l0)) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_on_put_and_download(sb, tmp_path, status):
    c = client_for(sb)
    sb.inject("status", path="/_upload/*", method="PUT", status=status, times=2)
    sb.inject("status", path="/_download/*", method="GET", status=status, times=2)
    n0, l0 = len(sb.requests), len(sb.ledger)
    res = run_sod(sb, c, tmp_path)
    assert res.files[0].stat().st_size > 0 and res.arrays
    puts = [r for r in sb.requests[n0:] if r["method"] == "PUT"]
    assert len(puts) == 3 and puts[-1]["status"] == 200
    assert len(charges(sb, l0)) == 1


def test_server_errors_exhaust_into_typed_error(sb):
    c = client_for(sb)
    sb.inject("status", path="/s2s/v1.0/client/credit", status=503, times=None)
    n0 = len(sb.requests)
    with pytest.raises(ServerError) as ei:
        c.credits()
    asked = [r for r in sb.requests[n0:] if r["path"] == "/s2s/v1.0/client/credit"]
    assert ei.value.status == 503 and len(asked) == FAST.attempts  # gave up after its retries


# ---------------------------------------------------------------------- resets / timeouts
def test_reset_during_put_is_retried(sb, tmp_path):
    c = client_for(sb)
    sb.inject("reset", path="/_upload/*", method="PUT", times=1)
    l0 = len(sb.ledger)
    res = run_sod(sb, c, tmp_path)
    assert res.arrays and len(charges(sb, l0)) == 1


def test_reset_on_v2_create_is_not_retried(sb, tmp_path):
    """No idempotency key in v2: a POST that may have arrived is never repeated."""
    c = client_for(sb)
    sb.inject("reset", path="/s2s/v2.0/task/sod", method="POST", times=1)
    n0, l0 = len(sb.requests), len(sb.ledger)
    with pytest.raises(ConnectionFailedError) as ei:
        run_sod(sb, c, tmp_path)
    assert "may have received" in str(ei.value)
    assert len(posts(sb, "/s2s/v2.0/task/sod", n0)) == 1
    assert not charges(sb, l0)


def test_reset_on_v1_create_retries_with_same_request_id(sb, tmp_path):
    c = client_for(sb, api="v1")
    sb.inject("reset", path="/s2s/v1.0/task/sod", method="POST", times=1)
    n0, l0 = len(sb.requests), len(sb.ledger)
    res = run_sod(sb, c, tmp_path)
    assert len(posts(sb, "/s2s/v1.0/task/sod", n0)) == 2
    ch = charges(sb, l0)
    assert len(ch) == 1 and ch[0]["task_id"] == res.task_id
    assert ch[0]["request_id"] == json.loads(res.sidecar.read_text())["request_id"]


def test_slow_poll_beyond_timeout_is_retried(sb, tmp_path):
    c = client_for(sb, timeout=0.3)
    sb.inject("delay", path="/s2s/v2.0/task/sod/*", method="GET", delay=0.8, times=1)
    l0 = len(sb.requests), len(sb.ledger)
    res = bounded(run_sod, sb, c, tmp_path)
    polls = [r for r in sb.requests[l0[0] :] if r["method"] == "GET" and r["path"].startswith("/s2s/v2.0/task/sod/")]
    assert res.arrays and len(polls) >= 2  # the slow poll timed out and was repeated
    assert len(charges(sb, l0[1])) == 1


def test_slow_create_beyond_timeout_is_a_typed_error_without_double_post(sb, tmp_path):
    c = client_for(sb, timeout=0.3)
    sb.inject("delay", path="/s2s/v2.0/task/sod", method="POST", delay=0.8, times=1)
    n0, l0 = len(sb.requests), len(sb.ledger)
    with pytest.raises(ConnectionFailedError) as ei:
        run_sod(sb, c, tmp_path)
    assert "timed out" in str(ei.value)
    time.sleep(0.6)  # let the delayed request finish server-side
    assert len(posts(sb, "/s2s/v2.0/task/sod", n0)) == 1
    assert not charges(sb, l0)


def test_drop_body_on_poll_and_download_is_retried(sb, tmp_path):
    c = client_for(sb)
    sb.inject("drop_body", path="/s2s/v2.0/task/sod/*", method="GET", times=1)
    sb.inject("drop_body", path="/_download/*", method="GET", times=1)
    l0 = len(sb.ledger)
    res = run_sod(sb, c, tmp_path)
    assert res.arrays and res.files[0].stat().st_size > 0
    assert len(charges(sb, l0)) == 1


# ---------------------------------------------------------------------- auth
def test_v1_token_expiry_mid_run_renews_once(sb, tmp_path):
    c = client_for(sb, api="v1")
    c.credits()  # obtain a token first
    assert c.token_renewals == 1
    sb.inject("expire_token", path="/s2s/v1.0/task/sod", method="GET", times=1)
    l0 = len(sb.ledger)
    res = run_sod(sb, c, tmp_path)
    assert res.arrays and len(charges(sb, l0)) == 1
    assert c.token_renewals == 2


def test_bad_api_key_is_authentication_error_without_the_key(sb, caplog):
    caplog.set_level(logging.DEBUG)
    key = "fake-live-THIS-IS-SECRET-123456"
    c = Client(Credentials(api_key=key), base_url=sb.base_url, retry=FAST, rate_limit=False)
    with pytest.raises(AuthenticationError) as ei:
        c.upload(b"\xff\xd8" + bytes(100), content_type="image/jpeg", file_name="a.jpg", feature="sod")
    assert ei.value.exit_code == 1 and key not in str(ei.value)
    assert key not in caplog.text and key not in repr(c) and key not in repr(c.credentials)


def test_bad_v1_secret_is_input_error_not_echoed(sb):
    secret = "not-a-key-SECRET-VALUE"
    c = Client(
        Credentials(client_id=sb.client_id, client_secret=secret), base_url=sb.base_url, retry=FAST, rate_limit=False
    )
    with pytest.raises(YouCamError) as ei:
        c.credits()
    assert secret not in str(ei.value)


def test_no_secret_in_logs_or_storage_requests(sb, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    n0 = len(sb.requests)
    for api in ("v2", "v1"):
        c = client_for(sb, api=api)
        sb.inject("status", path="/_upload/*", method="PUT", status=503, times=1)
        run_sod(sb, c, tmp_path / api)
        token = c._token_auth.token if c._token_auth else None
        for secret in (sb.api_key, sb.client_secret, token):
            if secret:
                assert secret not in caplog.text
    storage = [r for r in sb.requests[n0:] if r["path"].startswith(("/_upload/", "/_download/"))]
    assert len(storage) >= 4
    assert not any(r["had_authorization"] for r in storage)
    api_calls = [r for r in sb.requests[n0:] if r["path"].startswith("/s2s/") and "auth" not in r["path"]]
    assert api_calls and all(r["had_authorization"] for r in api_calls)


# ---------------------------------------------------------------------- task outcomes
def test_engine_error_is_task_failed_with_friendly_text(sb, tmp_path):
    c = client_for(sb)
    sb.fail_next_task("error_no_face", feature="sod")
    l0 = len(sb.ledger)
    with pytest.raises(TaskFailedError) as ei:
        run_sod(sb, c, tmp_path)
    assert ei.value.code == "error_no_face" and "face" in ei.value.friendly.lower()
    assert ei.value.exit_code == 1 and not charges(sb, l0)


def test_unknown_task_id_is_task_expired(sb):
    c = client_for(sb)
    with pytest.raises(TaskExpiredError) as ei:
        c.wait("sod", "no+such/task=", deadline=5)
    assert ei.value.code == "InvalidTaskId"


def test_insufficient_units(sb, tmp_path):
    c = client_for(sb)
    old = sb.balance
    sb.balance = 0.5
    try:
        with pytest.raises(InsufficientUnitsError) as ei:
            run_sod(sb, c, tmp_path)
        assert ei.value.code == "CreditInsufficiency"
    finally:
        sb.balance = old


def test_deadline_bounds_the_wait(sb, tmp_path):
    c = client_for(sb)
    sb.processing_seconds = 30
    with pytest.raises(DeadlineExceededError) as ei:
        run_sod(sb, c, tmp_path, deadline=0.6)
    assert ei.value.task_id and sb.tasks[ei.value.task_id].status == "running"  # the wait ended, not the task
    side = json.loads(next(tmp_path.rglob("youcam-job.json")).read_text())
    assert side["task_id"] == ei.value.task_id and side["status"] == "failed"


def test_polls_stay_inside_the_window():
    """Huge polling_interval from the server is capped; the sandbox window is never missed."""
    with Sandbox(processing_seconds=1.2, poll_window_seconds=1.0, polling_interval_ms=60000) as s:
        c = sandbox_client(s, retry=FAST, max_poll_gap=0.8)
        n0 = len(s.requests)
        fid = c.upload(b"\x89PNG" + bytes(50), content_type="image/png", file_name="x.png", feature="sod")
        ep = F.get("sod").endpoint("v2")
        tid = c.create_task(ep, F.build_body(ep, {"src": fid}, {}))
        with contextlib.suppress(TaskFailedError):  # the sandbox may refuse 54 bytes; the point is polling
            c.wait(ep, tid, deadline=10)
        polls = [r["time"] for r in s.requests[n0:] if r["method"] == "GET" and "/task/sod/" in r["path"]]
        gaps = [b - a for a, b in zip(polls, polls[1:], strict=False)]
        assert polls and max(gaps, default=0) < 1.0


# ---------------------------------------------------------------------- local checks
def test_oversized_inputs_fail_before_any_request(sb, tmp_path):
    c = client_for(sb)
    n0 = len(sb.requests)
    with pytest.raises(YouCamError) as ei:
        c.upload(bytes(10 * 1024 * 1024), content_type="image/jpeg", file_name="big.jpg", feature="sod")
    assert ei.value.exit_code == 2
    big = tmp_path / "big.mp4"
    with open(big, "wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    with pytest.raises(YouCamError) as ei:
        c.upload(big, content_type="video/mp4", feature="video-sr")
    assert ei.value.exit_code == 2
    assert len(sb.requests) == n0


# ---------------------------------------------------------------------- cancellation
def test_cancel_before_create_costs_nothing(sb, tmp_path):
    c = client_for(sb)
    cancel = threading.Event()

    def progress(stage, frac):
        if stage == "uploading":
            cancel.set()

    n0, l0 = len(sb.requests), len(sb.ledger)
    with pytest.raises(CancelledError):
        run_sod(sb, c, tmp_path, progress=progress, cancel=cancel)
    assert not posts(sb, "/s2s/v2.0/task/sod", n0) and not charges(sb, l0)
    assert not list(tmp_path.rglob("youcam-job.json"))


def test_cancel_after_create_keeps_the_paid_result(sb, tmp_path):
    c = client_for(sb)
    cancel = threading.Event()

    def progress(stage, frac):
        if stage == "waiting":
            cancel.set()

    l0 = len(sb.ledger)
    res = run_sod(sb, c, tmp_path, progress=progress, cancel=cancel)
    assert res.cancel_requested and res.files[0].is_file() and res.arrays
    assert any("cancel" in n for n in res.notes)
    assert json.loads(res.sidecar.read_text())["cancel_requested"] is True
    assert len(charges(sb, l0)) == 1


def test_download_failure_keeps_the_task_record(sb, tmp_path):
    c = client_for(sb)
    sb.inject("status", path="/_download/*", method="GET", status=404, times=None)
    l0 = len(sb.ledger)
    with pytest.raises(ServerError) as ei:
        run_sod(sb, c, tmp_path)
    side_path = next(tmp_path.rglob("youcam-job.json"))
    side = json.loads(side_path.read_text())
    assert side["status"] == "download_failed" and side["task_id"] in str(ei.value)
    assert len(charges(sb, l0)) == 1  # paid: the record says where to fetch it again


# ---------------------------------------------------------------------- documented replies (issue 12)
SOD = "/s2s/v2.0/task/sod"
PNG = np.zeros((64, 64, 3), np.uint8)


def bounded(fn, *args, limit: float = 30.0, **kw):
    """Run ``fn`` in a thread; fail (not hang) if it has not ended after ``limit`` s."""
    out: dict = {}

    def target():
        try:
            out["value"] = fn(*args, **kw)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(limit)
    assert not t.is_alive(), f"{fn.__name__} did not end within {limit} s"
    if "error" in out:
        raise out["error"]
    return out["value"]


def recording_sleep():
    """A backoff sleep for `Client(sleep=)` that records each wait (still sleeping it)."""
    slept: list[float] = []

    def sleep(s):
        slept.append(s)
        time.sleep(s)

    return slept, sleep


def sod_task(sb, c):
    """Upload a real PNG and start one sod task (client level); returns (endpoint, task id)."""

    buf = io.BytesIO()
    Image.fromarray(IMG).save(buf, format="PNG")
    fid = c.upload(buf.getvalue(), content_type="image/png", file_name="x.png", feature="sod")
    ep = F.get("sod").endpoint("v2")
    return ep, c.create_task(ep, F.build_body(ep, {"src": fid}, {}))


@pytest.mark.parametrize(
    "body", [{}, None, {"status": 429, "error": "Too many requests"}], ids=["empty-object", "no-body", "documented"]
)
@pytest.mark.parametrize(
    "method,path", [("POST", SOD), ("GET", SOD + "/*"), ("POST", "/s2s/v2.0/file")], ids=["create", "poll", "register"]
)
def test_429_without_retry_after_backs_off_and_charges_once(sb, tmp_path, body, method, path):
    slept, sleep = recording_sleep()
    c = client_for(sb, sleep=sleep)
    sb.inject("reply", path=path, method=method, status=429, body=body, times=2)
    n0, l0 = len(sb.requests), len(sb.ledger)
    res = bounded(run_sod, sb, c, tmp_path)
    hits = [r for r in sb.requests[n0:] if r["status"] == 429]
    assert len(hits) == 2 and len(slept) >= 2 and all(s > 0 for s in slept[:2])  # backed off twice
    assert [x["task_id"] for x in charges(sb, l0)] == [res.task_id]  # one task, charged once
    assert len(posts(sb, SOD, n0)) == (3 if method == "POST" and path == SOD else 1)


def test_429_storm_on_create_ends_in_rate_limit_error_uncharged(sb, tmp_path):

    c = client_for(sb)
    sb.inject("reply", path=SOD, method="POST", status=429, body={}, times=None)
    l0 = len(sb.ledger)
    with pytest.raises(RateLimitError) as ei:
        bounded(run_sod, sb, c, tmp_path)
    assert ei.value.status == 429 and not charges(sb, l0)


ADVICE = {
    "error_no_face": "face",
    "error_unsupport_ratio": "crop",
    "error_decode_mask": "mask",
    "size_mismatch_on_input_image_and_mask": "mask",
    "error_src_face_too_small": "face",
}


@pytest.mark.parametrize("code", sorted(ENGINE_ERRORS))
def test_every_engine_error_is_typed_friendly_and_uncharged(sb, code):

    c = client_for(sb)
    sb.fail_next_task(code, f"engine said {code}", feature="sod")
    l0 = len(sb.ledger)
    ep, tid = sod_task(sb, c)
    with pytest.raises(TaskFailedError) as ei:
        bounded(c.wait, ep, tid, deadline=10)
    err = ei.value
    assert err.code == code and err.task_id == tid and err.friendly == ENGINE_ERRORS[code]
    assert err.friendly in str(err) and "\n" not in str(err)
    assert ADVICE.get(code, "") in err.friendly.lower()
    assert not charges(sb, l0)


@pytest.mark.parametrize("status", [403, 404])
def test_download_of_expired_url_is_typed_with_its_status(sb, tmp_path, status):

    c = client_for(sb)
    ep, tid = sod_task(sb, c)
    res = c.wait(ep, tid, deadline=10)
    sb.inject("status", path="/_download/*", method="GET", status=status)
    with pytest.raises(ResultUrlExpiredError) as ei:
        bounded(c.download, res.urls[0], tmp_path / "out.jpg")
    assert ei.value.status == status and "query the task again" in str(ei.value)
    assert not list(tmp_path.glob("out.jpg*"))  # no half-written file
    # polling the finished task again gives a fresh URL that downloads (what the workflow does)
    fresh = c.wait(ep, tid, deadline=10)
    assert c.download(fresh.urls[0], tmp_path / "out.jpg").stat().st_size > 0


def test_url_past_its_lifetime_is_result_url_expired(tmp_path):

    clock = FakeClock()
    with Sandbox(processing_seconds=0.0, url_ttl_seconds=0.5, clock=clock) as s:
        c = client_for(s)
        ep, tid = sod_task(s, c)
        res = c.wait(ep, tid, deadline=10)
        clock.advance(0.6)  # the result URL's lifetime passes (2 h on the real service)
        with pytest.raises(ResultUrlExpiredError) as ei:
            bounded(c.download, res.urls[0], tmp_path / "out.jpg")
        assert ei.value.status == 403 and len(s.ledger) == 1


def test_task_expired_because_polling_stopped_says_how_to_find_it():
    with Sandbox(processing_seconds=2.0, poll_window_seconds=0.1) as s:
        c = client_for(s, poll_interval=0.4)  # first poll comes after the window closed
        ep, tid = sod_task(s, c)
        with pytest.raises(TaskExpiredError) as ei:
            bounded(c.wait, ep, tid, deadline=10)
        msg = str(ei.value)
        assert ei.value.task_id == tid and ei.value.code == "InvalidTaskId"
        assert tid in msg and "may have been charged" in msg and "youcam history" in msg
        assert s.ledger == []


# replies that are not JSON, or JSON of another shape: (method, path glob, body, request named)
SHAPES = [
    ("POST", "/s2s/v2.0/file", b"<html>502 from a proxy</html>", "POST /s2s/v2.0/file"),
    ("POST", "/s2s/v2.0/file", [], "POST /s2s/v2.0/file"),
    ("POST", "/s2s/v2.0/file", {"status": 200}, "POST /s2s/v2.0/file"),
    ("POST", "/s2s/v2.0/file", {"data": {"files": "x.png"}}, "POST /s2s/v2.0/file"),
    ("POST", "/s2s/v2.0/file", {"data": {"files": [{"file_id": {"id": 1}}]}}, "POST /s2s/v2.0/file"),
    (
        "POST",
        "/s2s/v2.0/file",
        {"data": {"files": [{"file_id": "f", "requests": [{"url": 7}]}]}},
        "POST /s2s/v2.0/file",
    ),
    ("POST", SOD, b"", f"POST {SOD}"),
    ("POST", SOD, {"data": {"task_id": ["a"]}}, f"POST {SOD}"),
    ("POST", SOD, {"data": {"task_id": True}}, f"POST {SOD}"),
    ("POST", SOD, "[" * 100000 + "]" * 100000, f"POST {SOD}"),
    ("GET", SOD + "/*", {"data": {"task_status": 5}}, f"GET {SOD}/"),
    ("GET", SOD + "/*", {"data": ["running"]}, f"GET {SOD}/"),
]


@pytest.mark.parametrize(
    "method,path,body,request_named", SHAPES, ids=[f"{m}-{i}" for i, (m, *_rest) in enumerate(SHAPES)]
)
def test_unreadable_reply_is_typed_and_names_the_request(sb, tmp_path, method, path, body, request_named):

    c = client_for(sb)
    sb.inject("reply", path=path, method=method, status=200, body=body, times=None)
    l0 = len(sb.ledger)
    with pytest.raises(MalformedReplyError) as ei:
        bounded(run_sod, sb, c, tmp_path)
    msg = str(ei.value)
    assert ei.value.request.startswith(request_named) and request_named in msg
    assert sb.api_key not in msg and "\n" not in msg and not charges(sb, l0)
    if method == "POST" and path == SOD:
        assert "a task may have been created" in msg  # the user is told to check before re-running


def test_one_unreadable_poll_is_retried_and_succeeds(sb, tmp_path):
    c = client_for(sb)
    sb.inject("reply", path=SOD + "/*", method="GET", status=200, body=b"<html>oops</html>", times=1)
    l0 = len(sb.ledger)
    res = bounded(run_sod, sb, c, tmp_path)
    assert [x["task_id"] for x in charges(sb, l0)] == [res.task_id]


def test_v1_unreadable_poll_names_the_path_not_the_query(sb, tmp_path):

    c = client_for(sb, api="v1")
    sb.inject("reply", path="/s2s/v1.0/task/*", method="GET", status=200, body=b"nope", times=None)
    with pytest.raises(MalformedReplyError) as ei:
        bounded(run_sod, sb, c, tmp_path)
    assert ei.value.request.startswith("GET /s2s/v1.0/task/") and "task_id=" not in str(ei.value)
    assert sb.client_secret not in str(ei.value)


# ---------------------------------------------------------------------- the key stays home
@pytest.mark.parametrize(
    "make_path",
    [
        lambda other: other.base_url + SOD,
        lambda other: "//" + other.base_url.split("//", 1)[1] + SOD,
        lambda other: SOD + "/../../../x",
        lambda other: "\\\\evil.example" + SOD,
        lambda other: "s2s/v2.0/task/sod",
    ],
    ids=["absolute", "scheme-relative", "dot-dot", "backslash", "relative"],
)
def test_client_never_sends_a_task_path_off_the_base_url(sb, make_path):

    with Sandbox() as other:
        c = client_for(sb)
        bad = make_path(other)
        n0 = len(sb.requests)
        ep = F.get("sod").endpoint("v2")
        for call in (
            lambda: c.poll(ep, "t1", path=bad),
            lambda: c.wait(ep, "t1", path=bad, deadline=5),
            lambda: c.create_task(ep, {"src_file_id": "f"}, path=bad),
        ):
            with pytest.raises(YouCamError) as ei:
                call()
            assert ei.value.exit_code == 2 and "must stay on" in str(ei.value)
        assert other.requests == [] and sb.requests[n0:] == []


def test_undecodable_text_from_library_callers_is_input_error_before_sending(sb, tmp_path):
    """Callers that skip validation still get a one-line InputError, and nothing is sent."""

    c = client_for(sb)
    n0 = len(sb.requests)
    ep = F.get("sod").endpoint("v2")
    with pytest.raises(YouCamError) as ei:
        c.create_task(ep, {"src_file_id": "f\udcff"})
    assert ei.value.exit_code == 2 and "UTF-8" in str(ei.value) and sb.requests[n0:] == []
    odd = tmp_path / "ph\udcffoto.png"  # a file name with bytes the file system could not decode

    buf = io.BytesIO()
    Image.fromarray(IMG).save(buf, format="PNG")
    odd.write_bytes(buf.getvalue())
    assert c.upload(odd, feature="sod")  # registered under a name the service can read
