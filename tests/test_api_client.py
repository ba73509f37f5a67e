"""Client pieces: auth token, retry/backoff, rate limiter, errors, result quirks,
credentials/config, session, templates/units/pre-process against the sandbox."""

from __future__ import annotations

import base64
import contextlib
import email.utils
import gc
import os
import stat
import threading
import time
import warnings

import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from napari_youcam import workflow
from napari_youcam.api import (
    ENGINE_ERRORS,
    Client,
    Credentials,
    InputError,
    RateLimiter,
    RetryPolicy,
    friendly_engine_error,
    make_id_token,
    parse_rate_limit,
)
from napari_youcam.api.auth import TokenAuth
from napari_youcam.api.credentials import load_config, save_config
from napari_youcam.api.errors import (
    AuthenticationError,
    InsufficientUnitsError,
    InvalidParametersError,
    RateLimitError,
    ServerError,
    TaskExpiredError,
    TaskFailedError,
    error_from_response,
)
from napari_youcam.api.results import extract, parse_status
from napari_youcam.api.retry import parse_retry_after
from napari_youcam.connect import default_client, sandbox_client
from napari_youcam.sandbox import Sandbox

FAST = RetryPolicy(attempts=3, base=0.01, ceiling=0.05)


@pytest.fixture(scope="module")
def sb():
    with Sandbox(processing_seconds=0.02, units=500) as s:
        yield s


# ---------------------------------------------------------------------- auth
@pytest.fixture(scope="module")
def keypair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, base64.b64encode(der).decode()


def test_id_token_is_pkcs1v15_of_client_id_and_ms_timestamp(keypair):
    key, secret = keypair
    tok = make_id_token("my-client", secret, timestamp_ms=1700000000123)
    plain = key.decrypt(base64.b64decode(tok), padding.PKCS1v15()).decode()
    assert plain == "client_id=my-client&timestamp=1700000000123"
    now_ms = int(time.time() * 1000)
    plain = key.decrypt(base64.b64decode(make_id_token("c", secret)), padding.PKCS1v15()).decode()
    assert abs(int(plain.split("timestamp=")[1]) - now_ms) < 5000


def test_id_token_accepts_pem_wrapped_secret(keypair):
    key, secret = keypair
    pem = (
        "-----BEGIN PUBLIC KEY-----\n"
        + "\n".join(secret[i : i + 64] for i in range(0, len(secret), 64))
        + "\n-----END PUBLIC KEY-----\n"
    )
    plain = key.decrypt(base64.b64decode(make_id_token("x", pem, timestamp_ms=5)), padding.PKCS1v15())
    assert plain == b"client_id=x&timestamp=5"
    with pytest.raises(InputError) as ei:
        make_id_token("x", "garbage-secret-value")
    assert "garbage-secret-value" not in str(ei.value)


def test_token_auth_is_shared_by_threads_and_renews_on_expiry(keypair):
    _, secret = keypair
    calls = []
    clock = [0.0]

    def fetch(body):
        calls.append(body)
        time.sleep(0.05)
        return {"status": 200, "result": {"access_token": f"tok{len(calls)}"}}

    auth = TokenAuth("cid", secret, fetch, clock=lambda: clock[0])
    headers = []
    threads = [threading.Thread(target=lambda: headers.append(auth.header())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and all(h == {"Authorization": "Bearer tok1"} for h in headers)
    clock[0] = 2 * 3600  # past the 2 h life
    assert auth.header() == {"Authorization": "Bearer tok2"}
    auth.invalidate({"Authorization": "Bearer tok2"})
    assert auth.header() == {"Authorization": "Bearer tok3"}
    assert "tok3" not in repr(auth) and "cid" not in repr(auth)


# ---------------------------------------------------------------------- retry / rate limit
def test_backoff_is_exponential_jittered_and_capped():
    p = RetryPolicy(base=1.0, ceiling=5.0, jitter=0.25)
    for retry, nominal in ((1, 1.0), (2, 2.0), (3, 4.0)):
        for _ in range(20):
            d = p.delay(retry)
            assert nominal * 0.75 <= d <= nominal * 1.25
    assert p.delay(10) == 5.0
    assert p.delay(1, retry_after=3.0) == 3.0
    assert p.delay(1, retry_after=60.0) == 5.0  # Retry-After bounded by the ceiling
    assert p.delay(1, retry_after=60.0, cap=2.0) == 2.0


def test_parse_retry_after_seconds_and_http_date():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after(date) <= 31


def test_rate_limiter_never_exceeds_limit_in_any_window():
    clock = [0.0]
    lim = RateLimiter(250, 300.0, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    stamps = []
    for _ in range(800):
        lim.acquire()
        stamps.append(clock[0])
    j = 0
    for i, t in enumerate(stamps):  # sliding window of 300 s
        while stamps[j] <= t - 300.0:
            j += 1
        assert i - j + 1 <= 250
    assert stamps[-1] > 600  # it did throttle


def test_rate_limiter_keeps_a_burst_under_the_sandbox_limit():
    with Sandbox(rate_limit=(12, 1.0)) as s:
        c = sandbox_client(s, retry=RetryPolicy(attempts=1), rate_limit=RateLimiter(12, 1.0))
        n0 = len(s.requests)
        for _ in range(20):
            c.credits()
        statuses = [r["status"] for r in s.requests[n0:]]
        assert statuses.count(200) == 20 and 429 not in statuses
        c2 = sandbox_client(s, retry=RetryPolicy(attempts=1), rate_limit=False)
        with pytest.raises(RateLimitError):  # without the limiter the service says 429
            for _ in range(30):
                c2.credits()


class FakeClock:
    """A clock and a sleep for the limiter: sleeping advances time, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.now += s


def fake_limiter(limit: int, period: float, **kw) -> tuple[RateLimiter, FakeClock]:
    """A limiter on a fake clock; no pacing unless ``burst`` is given."""
    clock = FakeClock()
    kw.setdefault("burst", limit)
    return RateLimiter(limit, period, clock=clock, sleep=clock.sleep, slack=0.0, **kw), clock


def test_sends_are_paced_after_a_burst():
    lim, clock = fake_limiter(60, 30.0, burst=6)  # one per 0.5 s after six back to back
    stamps = []
    for _ in range(10):
        lim.acquire()
        stamps.append(clock.now)
    assert stamps == pytest.approx([0.0] * 6 + [0.5, 1.0, 1.5, 2.0])


def test_a_create_waits_while_too_many_tasks_run():
    lim, clock = fake_limiter(60, 30.0, gap=6.0, burst=6)  # 0.5 s apart: 6 / (0.5 × 1.5) = 8 tasks
    assert lim.max_running == 8
    running = contextlib.ExitStack()
    for _ in range(8):
        running.enter_context(lim.polling())
    with pytest.raises(RateLimitError):
        lim.acquire(deadline=5.0, kind="create")  # a 9th task could not be polled in time: it waits
    lim.acquire(kind="poll")
    lim.acquire()  # polls and other requests still go
    assert lim.count == 2
    running.close()
    for _ in range(8):
        lim.acquire(kind="create")  # each counts as running until its task is polled...
    with pytest.raises(RateLimitError):
        lim.acquire(deadline=clock.now + 5.0, kind="create")
    with lim.polling(), pytest.raises(RateLimitError):  # ...and is not counted twice once it is
        lim.acquire(deadline=clock.now + 5.0, kind="create")
    clock.now += 31.0  # creates whose task never started polling (they failed) stop counting
    lim.acquire(kind="create")
    assert lim.count == 11


def test_a_full_window_holds_even_polls():
    lim, clock = fake_limiter(20, 10.0)
    for _ in range(20):
        lim.acquire()
    assert clock.now == 0.0 and lim.in_window == 20
    lim.acquire(kind="poll")
    assert clock.now == pytest.approx(10.0)


def test_new_work_waits_while_a_poll_waits():
    lim = RateLimiter(2, 0.4, slack=0.0)
    lim.acquire()
    lim.acquire()
    order: list[str] = []
    poll = threading.Thread(target=lambda: (lim.acquire(kind="poll"), order.append("poll")))
    poll.start()
    while lim.polls_waiting == 0 and poll.is_alive():
        time.sleep(0.005)
    other = threading.Thread(target=lambda: (lim.acquire(), order.append("other")))
    other.start()
    poll.join(5)
    other.join(5)
    assert order == ["poll", "other"]


def test_poll_spacing_stretches_under_load_but_stays_inside_the_gap():
    lim, _ = fake_limiter(60, 30.0, gap=6.0)
    assert lim.poll_spacing(1.0) == 1.0  # one task: the service's interval
    with contextlib.ExitStack() as running:
        for _ in range(4):
            running.enter_context(lim.polling())
        assert lim.poll_spacing(1.0) == pytest.approx(3.0)  # 4 tasks: 4 × 0.5 s × 1.5
        for _ in range(10):
            running.enter_context(lim.polling())
        assert lim.poll_spacing(1.0) == 6.0  # never beyond the gap


@pytest.mark.parametrize("text,expected", [("250/300", (250, 300.0)), (" 60/30 ", (60, 30.0)), ("5/0.5", (5, 0.5))])
def test_parse_rate_limit(text, expected):
    assert parse_rate_limit(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "250",
        "250/",
        "/300",
        "0/300",
        "-5/300",
        "2.5/300",
        "250/0",
        "250/-1",
        "a/b",
        "250/300/1",
        "250/inf",
        "250/nan",
    ],
)
def test_bad_rate_limit_is_one_line_with_the_form(text):
    with pytest.raises(InputError) as ei:
        parse_rate_limit(text)
    assert "N/SECONDS" in str(ei.value) and "\n" not in str(ei.value)


def test_client_reads_youcam_rate_limit(monkeypatch):
    monkeypatch.setenv("YOUCAM_RATE_LIMIT", "60/30")
    c = Client(Credentials(api_key="k" * 20), base_url="https://rl.example")
    assert (c.limiter.limit, c.limiter.period) == (60, 30.0)
    monkeypatch.setenv("YOUCAM_RATE_LIMIT", "lots")
    with pytest.raises(InputError, match="N/SECONDS"):
        Client(Credentials(api_key="k" * 20), base_url="https://rl.example")


def test_first_poll_waits_one_polling_interval(tmp_path):
    with Sandbox(processing_seconds=0.3) as s:
        c = sandbox_client(s, poll_interval=0.5)
        res = workflow.run("sod", np.zeros((64, 64, 3), np.uint8), client=c, out_dir=tmp_path)
        polls = [r for r in s.requests if r["method"] == "GET" and r["path"].endswith(res.task_id)]
        assert len(polls) == 1  # polled once, after the task had finished


def test_tasks_under_a_binding_limit_see_no_429_and_never_expire(tmp_path):
    """8 tasks from 4 threads, a budget of 12 requests per 3 s and a 1.5 s poll window."""
    from concurrent.futures import ThreadPoolExecutor

    with Sandbox(processing_seconds=0.8, poll_window_seconds=1.5, rate_limit=(12, 3.0)) as s:
        lim = RateLimiter(12, 3.0, gap=1.0)
        c = sandbox_client(s, rate_limit=lim, max_poll_gap=1.3, poll_interval=0.5, retry=RetryPolicy(attempts=1))
        img = np.zeros((64, 64, 3), np.uint8)
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda i: workflow.run("sod", img, client=c, out_dir=tmp_path / str(i)), range(8)))
        assert len({r.task_id for r in results}) == 8 and len(s.ledger) == 8
        assert all(r["status"] != 429 for r in s.requests) and not any(t.expired for t in s.tasks.values())


# ---------------------------------------------------------------------- errors
DOCUMENTED_ENGINE_CODES = [
    "error_exceed_max_image_size",
    "exceed_max_filesize",
    "invalid_parameter",
    "error_download_image",
    "error_download_mask",
    "error_decode_image",
    "error_decode_mask",
    "error_nsfw_content_detected",
    "error_no_face",
    "error_pose",
    "error_face_parsing",
    "error_inference",
    "exceed_nsfw_retry_limits",
    "error_upload",
    "unknown_internal_error",
    "error_download_video",
    "error_decode_video",
    "error_unsupported_video",
    "error_multiple_people",
    "error_no_shoulder",
    "error_large_face_angle",
    "error_hair_too_short",
    "error_bald_image",
    "error_unsupport_ratio",
    "error_unexpected_video_duration",
    "error_insufficient_landmarks",
    "error_face_pose",
    "error_below_min_image_size",
    "error_src_face_too_small",
    "error_src_face_out_of_bound",
    "error_lighting_dark",
    "error_invalid_params",
    "error_face_position_invalid",
    "error_face_position_too_small",
    "error_face_position_out_of_boundary",
    "error_face_not_forward_facing",
    "error_face_angle_upward",
    "error_face_angle_downward",
    "error_face_angle_leftward",
    "error_face_angle_rightward",
    "error_face_angle_left_tilt",
    "error_face_angle_right_tilt",
    "error_src_no_face",
    "error_ref_no_face",
    "error_ref_face_too_small",
    "error_src_large_face_angle",
    "error_ref_large_face_angle",
    "error_src_eye_closed",
    "error_ref_eye_closed",
    "error_src_eye_occluded",
    "error_ref_eye_occluded",
    "error_src_lip_occluded",
    "error_ref_lip_occluded",
    "error_inappropriate_ref_case01",
    "error_inappropriate_ref_case02",
    "error_invalid_ref",
    "error_invalid_src",
    "error_apply_region_mismatch",
    "error_apply_region_not_detected",
    "error_editing_failed",
    "size_mismatch_on_input_image_and_mask",
    "RUNTIME_ERROR",
    "PHOTO_DETECTION_FAIL",
    "OBJECT_DETECTION_FAIL",
    "PHOTO_CHECK_INVALID",
    "INPUT_ERROR",
    "INPUT_MAIN_IMAGE_EMPTY",
]


def test_every_documented_engine_code_has_friendly_text():
    for code in DOCUMENTED_ENGINE_CODES:
        assert code in ENGINE_ERRORS, code
        text = friendly_engine_error(code)
        assert text.endswith(".") and "reported" not in text
    assert "error_brand_new" in friendly_engine_error("error_brand_new")  # an undocumented code is still shown
    err = TaskFailedError.from_engine("error_no_face", "detail from service", task_id="t1")
    assert err.code == "error_no_face" and err.friendly == ENGINE_ERRORS["error_no_face"]
    assert "detail from service" in str(err) and err.task_id == "t1"


@pytest.mark.parametrize(
    "status,body,cls,code",
    [
        (401, {"status": 401, "error": "Invalid API key"}, AuthenticationError, None),
        (401, {"status": 401, "error_code": "ExpiredApiKey"}, AuthenticationError, "ExpiredApiKey"),
        (429, {}, RateLimitError, "TooManyRequests"),
        (429, None, RateLimitError, "TooManyRequests"),
        (
            400,
            {"status": 400, "error_code": "CreditInsufficiency", "error": "x"},
            InsufficientUnitsError,
            "CreditInsufficiency",
        ),
        (400, {"status": 400, "error": "Invalid task ID"}, TaskExpiredError, "InvalidTaskId"),
        (400, {"status": 400, "error_code": "InvalidTaskId"}, TaskExpiredError, "InvalidTaskId"),
        (400, {"status": 400, "error_code": "InvalidStyle"}, InvalidParametersError, "InvalidStyle"),
        (500, {"status": 500, "error": "Task execution timed out"}, TaskFailedError, "TaskTimeout"),
        (502, {"status": 502}, ServerError, None),
    ],
)
def test_error_mapping(status, body, cls, code):
    err = error_from_response(status, body, what="op")
    assert type(err) is cls and err.code == code and err.status == status
    assert "\n" not in str(err)


def test_error_text_is_redacted():
    err = error_from_response(
        400, {"error": "bad header Authorization: Bearer abc.def-SECRET"}, secrets=("my-api-key-123",)
    )
    assert "SECRET" not in str(err)
    err = error_from_response(400, {"error": "key my-api-key-123 unknown"}, secrets=("my-api-key-123",))
    assert "my-api-key-123" not in str(err)


# ---------------------------------------------------------------------- result quirks
def test_parse_status_both_generations():
    v2 = parse_status("v2", {"status": 200, "data": {"task_status": "running"}})
    assert v2.state == "running" and v2.polling_interval_s is None
    v1 = parse_status("v1", {"result": {"status": "error", "error": "error_pose", "polling_interval": 1500}})
    assert v1.state == "error" and v1.error == "error_pose" and v1.polling_interval_s == 1.5


def test_extract_result_shapes():
    # the skin ZIP example: the result is a bare URL string
    assert extract("v2", "zip", "https://h/r.zip") == (["https://h/r.zip"], None, [])
    assert extract("v2", "image", {"url": "https://h/a.png"})[0] == ["https://h/a.png"]
    urls, _, _ = extract("v2", "images", {"output": [{"url": "https://h/1"}, {"url": "https://h/2"}]})
    assert urls == ["https://h/1", "https://h/2"]
    urls, data, dst = extract("v1", "image", [{"id": 0, "data": [{"url": "https://h/x", "dst_id": "D1"}]}])
    assert urls == ["https://h/x"] and dst == ["D1"]
    _, data, _ = extract("v1", "json", [{"id": 0, "data": [{"analysis_result": {"faceshape": "Oval"}}]}])
    assert data == {"faceshape": "Oval"}  # v1 analyzers: results[].data[].analysis_result
    _, data, _ = extract("v2", "json", {"faceshape": "Oval"})
    assert data == {"faceshape": "Oval"}
    urls, data, _ = extract("v2", "zip", {"output": [{"type": "wrinkle", "ui_score": 70, "mask_urls": ["u"]}]})
    assert urls == [] and data["output"][0]["ui_score"] == 70
    # face-lift: timings beside the URL
    urls, data, _ = extract("v2", "image", {"url": "https://h/f.png", "timed": 1.2, "timed_apply": 0.4})
    assert urls == ["https://h/f.png"] and data == {"timed": 1.2, "timed_apply": 0.4}


# ---------------------------------------------------------------------- credentials / session
def test_credentials_from_env_and_repr():
    c = Credentials.from_env({"YOUCAM_API_KEY": "k-123456789", "YOUCAM_BASE_URL": "http://x"})
    assert c.api == "v2" and c.base_url == "http://x" and "k-123456789" not in repr(c)
    c = Credentials.from_env({"YOUCAM_CLIENT_ID": "cid-9999", "YOUCAM_CLIENT_SECRET": "sec-88888"})
    assert c.api == "v1" and "sec-88888" not in repr(c) and "cid-9999" not in str(c)
    with pytest.raises(InputError):
        Credentials.from_env({})


def test_config_file_is_0600_and_read_back(tmp_path):
    p = tmp_path / "cfg" / "config.json"
    save_config({"api_key": "abc-1234", "results_dir": "/tmp/r", "junk": "x"}, p)
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert load_config(p) == {"api_key": "abc-1234", "results_dir": "/tmp/r"}
    os.chmod(p, 0o644)
    load_config(p)
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert Credentials.from_config(p).api_key == "abc-1234"


def test_default_client_uses_env_then_config_then_sandbox(tmp_path, monkeypatch, sb):
    for k in ("YOUCAM_API_KEY", "YOUCAM_CLIENT_ID", "YOUCAM_CLIENT_SECRET", "YOUCAM_BASE_URL"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("YOUCAM_API_KEY", sb.api_key)
    monkeypatch.setenv("YOUCAM_BASE_URL", sb.base_url)
    c = default_client(config=tmp_path / "none.json")
    assert not c.is_sandbox and c.base_url == sb.base_url and c.credits() == sb.balance
    monkeypatch.delenv("YOUCAM_API_KEY")
    monkeypatch.delenv("YOUCAM_BASE_URL")
    cfg = tmp_path / "config.json"
    save_config({"client_id": sb.client_id, "client_secret": sb.client_secret, "base_url": sb.base_url}, cfg)
    c = default_client(config=cfg)
    assert c.api == "v1" and not c.is_sandbox and c.credits() == sb.balance
    c = default_client(config=tmp_path / "none.json")
    assert c.is_sandbox and c.base_url.startswith("http://127.0.0.1:") and c.credits() > 0


# ---------------------------------------------------------------------- service endpoints
@pytest.mark.parametrize("api", ["v2", "v1"])
def test_templates_units_and_history(sb, api):
    c = sandbox_client(sb, api=api, retry=FAST)
    tpl = c.templates("hair-bang")
    assert tpl and all(t.id for t in tpl)
    if api == "v1":
        assert all(t.group_id is not None for t in tpl)
        assert set(tpl[0].params("v1")) == {"style_group_id", "style_ids"}
    else:
        assert tpl[0].params() == {"template_id": tpl[0].id}
    assert c.credits() == pytest.approx(sb.balance)
    hist = c.credit_history(page_size=5)
    assert "history" in hist
    with pytest.raises(InputError):
        c.templates("sod")  # no template list


def test_feature_costs_and_delete(sb, tmp_path):
    c = sandbox_client(sb, retry=FAST)
    skus = c.feature_costs()
    assert skus and {"description", "amount"} <= set(skus[0])
    res = workflow.run("sod", np.full((100, 120, 3), 128, np.uint8), client=c, out_dir=tmp_path)
    c.delete_task(res.task_id)
    with pytest.raises(TaskExpiredError):
        c.poll("sod", res.task_id)


@pytest.mark.parametrize("api", ["v2", "v1"])
def test_find_faces_returns_source_frame_boxes(sb, api):
    c = sandbox_client(sb, api=api, retry=FAST)
    img = np.random.default_rng(0).integers(0, 255, (500, 800, 3), dtype=np.uint8)
    boxes = workflow.find_faces("face-swap", img, client=c)
    assert boxes, "the sandbox reports at least one face"
    for b in boxes:
        assert 0 <= b["x"] < 800 and 0 <= b["y"] < 500 and b["width"] > 0 and b["height"] > 0
    if api == "v2":
        boxes = workflow.find_faces("face-lift", np.zeros((2400, 1200, 3), np.uint8), client=c)
        assert boxes and max(b["y"] + b["height"] for b in boxes) <= 2400 + 1


def test_file_endpoint_fallback_on_404(sb):
    """Universal /s2s/v2.0/file first; per-feature form only when the host says 404 (the documents show both)."""
    c = sandbox_client(sb, retry=FAST, file_endpoint="per-feature")
    n0 = len(sb.requests)
    fid = c.upload(b"\x89PNG" + bytes(64), content_type="image/png", file_name="a.png", feature="sod")
    assert fid and sb.requests[n0]["path"] == "/s2s/v2.0/file/sod"
    c = sandbox_client(sb, retry=FAST)
    sb.inject("status", path="/s2s/v2.0/file", method="POST", status=404, times=1)
    n0 = len(sb.requests)
    assert c.upload(b"\x89PNG" + bytes(64), content_type="image/png", file_name="a.png", feature="sod")
    paths = [r["path"] for r in sb.requests[n0:] if r["method"] == "POST"]
    assert paths == ["/s2s/v2.0/file", "/s2s/v2.0/file/sod"]


def test_a_client_dropped_without_close_closes_its_connections(sb):
    c = sandbox_client(sb)
    assert c.credits() >= 0  # leaves a keep-alive connection open in the pool
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        del c
        gc.collect()
    leaked = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaked == []


def test_close_is_idempotent_and_the_client_refuses_afterwards(sb):
    c = sandbox_client(sb)
    c.close()
    c.close()
    with pytest.raises(RuntimeError):
        c.credits()
