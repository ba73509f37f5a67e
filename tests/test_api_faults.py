"""Fault matrix: each injected fault ends in success or a typed error, never a hang,
never a double charge, never a lost paid result, never a secret in logs.

Real loopback HTTP against the sandbox; faults are armed with `Sandbox.inject`.
"""

from __future__ import annotations

import json
import logging
import threading
import time

import numpy as np
import pytest

from napari_youcam import workflow
from napari_youcam.api import (
    AuthenticationError,
    Client,
    ConnectionFailedError,
    Credentials,
    DeadlineExceededError,
    InsufficientUnitsError,
    RetryPolicy,
    ServerError,
    TaskExpiredError,
    TaskFailedError,
    YouCamError,
)
from napari_youcam.api.session import sandbox_client
from napari_youcam.sandbox import Sandbox
from napari_youcam.workflow import CancelledError

FAST = RetryPolicy(attempts=4, base=0.01, ceiling=0.3, jitter=0.0)
IMG = np.dstack([np.tile(np.arange(160, dtype=np.uint8), (120, 1))] * 3)


@pytest.fixture(scope="module")
def sb():
    with Sandbox(processing_seconds=0.05, units=1e6) as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(sb):
    sb.clear_faults()
    sb.processing_seconds = 0.05
    yield
    sb.clear_faults()


def client_for(sb, api="v2", **kw):
    kw.setdefault("retry", FAST)
    kw.setdefault("timeout", 5.0)
    return sandbox_client(sb, api=api, **kw)


def charges(sb, before, task_id=None):
    new = sb.ledger[before:]
    return [c for c in new if task_id is None or c["task_id"] == task_id]


def posts(sb, path, since):
    return [r for r in sb.requests[since:] if r["method"] == "POST" and r["path"] == path]


def run_sod(sb, client, tmp_path, **kw):
    return workflow.run("sod", IMG, client=client, out_dir=tmp_path, **kw)


# ---------------------------------------------------------------------- 429 / 5xx
def test_429_retry_after_on_create_is_honoured_and_charged_once(sb, tmp_path):
    c = client_for(sb)
    sb.inject("status", path="/s2s/v2.0/task/sod", method="POST", status=429, retry_after=0.25)
    n0, l0 = len(sb.requests), len(sb.ledger)
    t0 = time.monotonic()
    res = run_sod(sb, c, tmp_path)
    assert time.monotonic() - t0 >= 0.25  # waited Retry-After before repeating the POST
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
    t0 = time.monotonic()
    with pytest.raises(ServerError) as ei:
        c.credits()
    assert ei.value.status == 503 and time.monotonic() - t0 < 3


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
    t0 = time.monotonic()
    res = run_sod(sb, c, tmp_path)
    assert res.arrays and time.monotonic() - t0 < 5
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
    assert c._token_auth.renewals == 1
    sb.inject("expire_token", path="/s2s/v1.0/task/sod", method="GET", times=1)
    l0 = len(sb.ledger)
    res = run_sod(sb, c, tmp_path)
    assert res.arrays and len(charges(sb, l0)) == 1
    assert c._token_auth.renewals == 2


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
    c = Client(Credentials(client_id=sb.client_id, client_secret=secret), base_url=sb.base_url,
               retry=FAST, rate_limit=False)
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
    t0 = time.monotonic()
    with pytest.raises(DeadlineExceededError) as ei:
        run_sod(sb, c, tmp_path, deadline=0.6)
    assert time.monotonic() - t0 < 3 and ei.value.task_id
    side = json.loads(next(tmp_path.rglob("youcam-job.json")).read_text())
    assert side["task_id"] == ei.value.task_id and side["status"] == "failed"


def test_polls_stay_inside_the_window():
    """Huge polling_interval from the server is capped; the sandbox window is never missed."""
    with Sandbox(processing_seconds=1.2, poll_window_seconds=1.0, polling_interval_ms=60000) as s:
        c = sandbox_client(s, retry=FAST, max_poll_gap=0.8)
        n0 = len(s.requests)
        fid = c.upload(b"\x89PNG" + bytes(50), content_type="image/png", file_name="x.png", feature="sod")
        from napari_youcam import features as F

        ep = F.get("sod").endpoint("v2")
        tid = c.create_task(ep, F.build_body(ep, {"src": fid}, {}))
        try:
            c.wait(ep, tid, deadline=10)
        except TaskFailedError:
            pass  # the sandbox may refuse to decode 54 bytes; the point is the polling
        polls = [r["time"] for r in s.requests[n0:] if r["method"] == "GET" and "/task/sod/" in r["path"]]
        gaps = [b - a for a, b in zip(polls, polls[1:])]
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
