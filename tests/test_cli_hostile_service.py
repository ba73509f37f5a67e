"""Hostile input to the service side of `youcam`, through `cli.main` against the sandbox.

Base URLs that would leak or misroute the key, bad ``YOUCAM_RATE_LIMIT`` values,
text the shell could not decode, and the replies the vendor documents (429 without
Retry-After, engine errors, expired tasks and result URLs, unreadable replies).
Each case checks the exit code, one error line, no traceback, no secret on screen
or on disk, and — from the sandbox's books — nothing created or charged where the
input was refused (`cli_helpers.assert_refused`).
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cli_helpers import assert_no_secret, assert_refused, mark
from napari_youcam import cli
from napari_youcam.sandbox import Sandbox

SOD = "/s2s/v2.0/task/sod"


@pytest.fixture(scope="module")
def sb():
    with Sandbox(processing_seconds=0.05, units=1e5, rate_limit=(10_000, 300.0)) as s:
        yield s


@pytest.fixture(autouse=True)
def _reset(sb):
    sb.clear_faults()
    yield
    sb.clear_faults()
    sb.processing_seconds, sb.poll_window_seconds = 0.05, 10.0


@pytest.fixture
def mask(tmp_path):
    a = np.zeros((240, 320), np.uint8)
    a[60:140, 80:200] = 255
    p = tmp_path / "mask.png"
    Image.fromarray(a).save(p)
    return p


def secrets_of(sb):
    return (sb.api_key, sb.client_secret)


def run(argv, capsys):
    rc = cli.main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


# ---------------------------------------------------------------------- base URLs
BAD_URLS = {
    "user-password": ("http://alice:hunter22@{host}", "carries a user name"),
    "password-only": ("http://:hunter22@{host}", "carries a user name"),
    "slash-in-password": ("http://alice:hun/ter22@{host}", "carries a user name"),
    "ftp": ("ftp://{host}", "not an http(s) URL"),
    "file": ("file:///etc/passwd", "not an http(s) URL"),
    "javascript": ("javascript:alert(1)", "not an http(s) URL"),
    "no-host": ("http://", "not an http(s) URL"),
    "bad-port": ("http://127.0.0.1:99999", "not an http(s) URL"),
    "query": ("http://{host}/?api_key=hunter22", "query or fragment"),
    "fragment": ("http://{host}/#x", "query or fragment"),
    "space": ("http://exa mple.com", "spaces or control"),
}


@pytest.mark.parametrize("how", ["flag", "env"])
@pytest.mark.parametrize("name", sorted(BAD_URLS))
def test_bad_base_url_is_refused_before_any_request(env, sb, tmp_path, photo, capsys, name, how):
    template, words = BAD_URLS[name]
    url = template.format(host=sb.base_url.split("//", 1)[1])
    argv = ["run", "sod", str(photo)]
    if how == "flag":
        argv += ["--base-url", url]
    else:
        env.setenv("YOUCAM_BASE_URL", url)
    since = mark(sb)
    rc, out, err = run(argv, capsys)
    line = assert_refused(
        rc,
        out,
        err,
        exit_code=2,
        sb=sb,
        since=since,
        folder=tmp_path,
        secrets=(*secrets_of(sb), "hunter22", "hun/ter22"),
    )
    assert words in line and "alice" not in line


def test_key_as_url_password_never_echoed(env, sb, tmp_path, capsys):
    since = mark(sb)
    url = f"http://me:{sb.api_key}@{sb.base_url.split('//', 1)[1]}"
    rc, out, err = run(["credits", "--base-url", url], capsys)
    assert_refused(rc, out, err, exit_code=2, sb=sb, since=since, folder=tmp_path, secrets=secrets_of(sb))


# ---------------------------------------------------------------------- YOUCAM_RATE_LIMIT
@pytest.mark.parametrize("value", ["fast", "0/300", "250", "250/0", "-1/5", "250/300/5", "1e3/300", "250/nan"])
def test_bad_rate_limit_is_refused_before_any_request(env, sb, tmp_path, photo, capsys, value):
    env.setenv("YOUCAM_RATE_LIMIT", value)
    since = mark(sb)
    rc, out, err = run(["run", "sod", str(photo)], capsys)
    line = assert_refused(rc, out, err, exit_code=2, sb=sb, since=since, folder=tmp_path, secrets=secrets_of(sb))
    assert "YOUCAM_RATE_LIMIT" in line and "N/SECONDS" in line


def test_good_rate_limit_runs(env, sb, tmp_path, photo, capsys):
    env.setenv("YOUCAM_RATE_LIMIT", "100/60")
    since = mark(sb)
    rc, out, err = run(["run", "sod", str(photo)], capsys)
    assert rc == 0, err
    assert len(sb.ledger) == since.ledger + 1
    assert_no_secret(secrets_of(sb), out, err, folder=tmp_path)


# ---------------------------------------------------------------------- undecodable text
@pytest.mark.parametrize(
    "item,named",
    [
        ("prompt=a red \udcff chair", "prompt"),
        ("prompt=\udce9t\udce9", "prompt"),
        ("pr\udcffompt=a chair", "pr"),
    ],
    ids=["inside", "latin1-bytes", "in-the-name"],
)
def test_undecodable_text_is_refused_before_any_request(env, sb, tmp_path, photo, mask, capsys, item, named):
    since = mark(sb)
    rc, out, err = run(["run", "obj-replace", str(photo), "--mask", str(mask), "--set", item], capsys)
    line = assert_refused(rc, out, err, exit_code=2, sb=sb, since=since, folder=tmp_path, secrets=secrets_of(sb))
    assert named in line


def test_undecodable_list_item_is_refused(env, sb, tmp_path, photo, capsys):
    since = mark(sb)
    rc, out, err = run(["run", "skin-analysis", str(photo), "--set", 'dst_actions=["wrinkle", "\udcff"]'], capsys)
    assert_refused(rc, out, err, exit_code=2, sb=sb, since=since, folder=tmp_path, secrets=secrets_of(sb))


# ---------------------------------------------------------------------- documented replies
def test_429_without_retry_after_backs_off_and_charges_once(env, sb, tmp_path, photo, capsys):
    sb.inject("reply", path=SOD, method="POST", status=429, body={}, times=2)
    since = mark(sb)
    rc, out, err = run(["run", "sod", str(photo)], capsys)
    assert rc == 0, err
    assert len(sb.ledger) == since.ledger + 1 and len(sb.tasks) == since.tasks + 1
    assert_no_secret(secrets_of(sb), out, err, folder=tmp_path)


def test_engine_error_is_one_line_with_advice_and_uncharged(env, sb, tmp_path, photo, capsys):
    sb.fail_next_task("error_no_face", feature="sod")
    since = mark(sb)
    rc, out, err = run(["run", "sod", str(photo)], capsys)
    line = assert_refused(
        rc, out, err, exit_code=1, sb=sb, since=since, folder=tmp_path, secrets=secrets_of(sb), sent=True, created=True
    )
    assert "error_no_face" in line and "one clearly visible face" in line


def test_expired_task_says_charged_maybe_and_where_to_look(env, sb, tmp_path, photo, capsys):
    sb.processing_seconds, sb.poll_window_seconds = 5.0, 0.2  # the first poll (after 1 s) is too late
    since = mark(sb)
    rc, out, err = run(["run", "sod", str(photo)], capsys)
    line = assert_refused(
        rc, out, err, exit_code=1, sb=sb, since=since, folder=tmp_path, secrets=secrets_of(sb), sent=True, created=True
    )
    assert "may have been charged" in line and "youcam history" in line


@pytest.mark.parametrize(
    "body,request_named",
    [
        (b"<html>proxy error</html>", "POST /s2s/v2.0/file"),
        ({"files": []}, "POST /s2s/v2.0/file"),
        ([{"file_id": "f1"}], "POST /s2s/v2.0/file"),
    ],
    ids=["html", "no-data", "list"],
)
def test_unreadable_registration_reply_names_the_request(env, sb, tmp_path, photo, capsys, body, request_named):
    sb.inject("reply", path="/s2s/v2.0/file", method="POST", status=200, body=body, times=None)
    since = mark(sb)
    rc, out, err = run(["run", "sod", str(photo)], capsys)
    line = assert_refused(
        rc, out, err, exit_code=1, sb=sb, since=since, folder=tmp_path, secrets=secrets_of(sb), sent=True
    )
    assert request_named in line


def test_unreadable_create_reply_warns_a_task_may_exist(env, sb, tmp_path, photo, capsys):
    sb.inject("reply", path=SOD, method="POST", status=200, body={"data": {"task_id": {"id": 1}}})
    since = mark(sb)
    rc, out, err = run(["run", "sod", str(photo)], capsys)
    line = assert_refused(
        rc, out, err, exit_code=1, sb=sb, since=since, folder=tmp_path, secrets=secrets_of(sb), sent=True
    )
    assert f"POST {SOD}" in line and "a task may have been created" in line


def test_expired_result_url_is_one_line_and_charged_once(env, sb, tmp_path, photo, capsys):
    sb.inject("status", path="/_download/*", method="GET", status=403, times=None)
    since = mark(sb)
    rc, out, err = run(["run", "sod", str(photo)], capsys)
    assert rc == 1
    line = assert_refused(rc, out, err, exit_code=1, folder=tmp_path, secrets=secrets_of(sb))
    assert "403" in line
    assert len(sb.ledger) == since.ledger + 1  # paid once, never twice
