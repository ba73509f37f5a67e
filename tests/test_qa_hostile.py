"""Regression tests from the QA pass: hostile and newcomer inputs to the library and CLI.

Each test pins one defect that was found and fixed: what the user did, and what
must (not) happen — above all that bad input is refused before any request is
made, and that a paid task always has a place on disk.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import struct
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
from cli_helpers import one_line_error
from PIL import Image, ImageOps

from napari_youcam import cli, workflow
from napari_youcam.api import Client, Credentials
from napari_youcam.connect import sandbox_client
from napari_youcam.errors import InputError, YouCamError
from napari_youcam.imaging import apply_orientation, read_image_file
from napari_youcam.sandbox import Sandbox


def _creates(sb: Sandbox, since: int) -> list[dict]:
    return [r for r in sb.requests[since:] if r["method"] == "POST" and "/task/" in r["path"]]


def _sent(sb: Sandbox, since: int) -> list[dict]:
    return sb.requests[since:]


# ---------------------------------------------------------------- image files


def _bomb(path):
    """A ~1 MB PNG that declares 30000×30000 pixels (Pillow's limit ×5)."""
    Image.new("L", (30000, 30000)).save(path, optimize=True)
    return path


def test_decompression_bomb_is_input_error_before_any_request(env, sb, tmp_path, capsys):
    bomb = _bomb(tmp_path / "bomb.png")
    n = len(sb.requests)
    assert cli.main(["run", "sod", str(bomb)]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "bomb.png" in line and "smaller image" in line
    assert _sent(sb, n) == []
    # the imaging commands read files the same way (OpenCV alone ignored the limit)
    assert cli.main(["prepare", "sod", str(bomb), "-o", str(tmp_path / "x.jpg")]) == 2
    assert "smaller image" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("content", [b"", b"hello, I am text\n", "truncated"], ids=["empty", "text", "truncated"])
def test_unreadable_files_are_one_line_exit_2(env, sb, tmp_path, photo, capsys, content):
    bad = tmp_path / "bad.png"
    bad.write_bytes(photo.read_bytes()[: len(photo.read_bytes()) // 2] if content == "truncated" else content)
    n = len(sb.requests)
    for argv in (["run", "sod", str(bad)], ["prepare", "sod", str(bad), "-o", str(tmp_path / "o.jpg")],
                 ["face-check", "face-reshape", str(bad)]):
        assert cli.main(argv) == 2, argv
        assert "bad.png" in one_line_error(capsys.readouterr().err)
    assert _sent(sb, n) == []


def test_exif_orientation_is_honoured(env, sb, tmp_path, capsys):
    """A phone photo stored sideways with orientation=6 is sent the way viewers show it."""
    upright = np.zeros((120, 200, 3), np.uint8)
    upright[:20, :, 0] = 255  # red band along the top edge
    stored = Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90)  # 120 wide × 200 tall
    exif = Image.Exif()
    exif[0x0112] = 6
    p = tmp_path / "phone.jpg"
    stored.save(p, exif=exif.tobytes(), quality=95)
    arr = read_image_file(p)
    assert arr.shape[:2] == (120, 200)
    assert arr[5, 100, 0] > 200 and arr[100, 100, 0] < 60  # red band back on top

    n = len(sb.requests)
    assert cli.main(["run", "sod", str(p), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    side = json.loads(Path(res["sidecar"]).read_text())
    assert side["source_shape"][:2] == [120, 200]
    up = [r for r in sb.requests[n:] if r["method"] == "PUT"]
    assert up
    fid = list(sb.uploads)[-1]
    with Image.open(io.BytesIO(sb.uploads[fid])) as im:
        assert im.size == (200, 120)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_apply_orientation_matches_pillow(orientation):
    a = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    im = Image.fromarray(a)
    exif = im.getexif()
    exif[0x0112] = orientation
    im.info["exif"] = exif.tobytes()
    expected = np.asarray(ImageOps.exif_transpose(im))
    np.testing.assert_array_equal(apply_orientation(a, orientation), expected)


def test_image_modes_read(tmp_path):
    src = np.random.default_rng(0).integers(0, 65535, (30, 40, 3), dtype=np.uint16)
    import cv2

    cv2.imwrite(str(tmp_path / "rgb16.png"), src[..., ::-1])
    a = read_image_file(tmp_path / "rgb16.png")
    assert a.dtype == np.uint16 and a.shape == (30, 40, 3)
    np.testing.assert_array_equal(a, src)
    Image.fromarray(src[..., 0]).save(tmp_path / "g16.png")
    assert read_image_file(tmp_path / "g16.png").dtype == np.uint16
    Image.fromarray(src[..., :3].astype(np.uint8)).convert("CMYK").save(tmp_path / "cmyk.jpg")
    assert read_image_file(tmp_path / "cmyk.jpg").shape == (30, 40, 3)
    Image.fromarray(src[..., 0].astype(np.uint8)).convert("LA").save(tmp_path / "la.png")
    assert read_image_file(tmp_path / "la.png").shape[:2] == (30, 40)
    with pytest.raises(InputError, match="no such file"):
        read_image_file(tmp_path / "missing.png", what="source")


# ---------------------------------------------------------------- results folder


@pytest.mark.parametrize("where", ["file", "under_a_file"])
def test_unusable_results_folder_refused_before_any_request(env, sb, tmp_path, photo, capsys, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    out = blocker if where == "file" else blocker / "sub"
    n = len(sb.requests)
    ledger = len(sb.ledger)
    assert cli.main(["run", "sod", str(photo), "--out", str(out)]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "results folder" in line and "--out" in line
    assert _sent(sb, n) == [] and len(sb.ledger) == ledger


def test_results_folder_created_when_missing(env, sb, tmp_path, photo, capsys):
    out = tmp_path / "not" / "yet" / "there"
    assert cli.main(["run", "sod", str(photo), "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["sidecar"].startswith(str(out))


def test_job_record_exists_before_the_create_request(sb, tmp_path, photo):
    """The sidecar is on disk when the create request is made, then gets the task id."""
    client = sandbox_client(sb)
    seen = {}
    real_create = client.create_task

    def create(endpoint, body, **kw):
        recs = list((tmp_path / "out").glob("*/youcam-job.json"))
        seen["records"] = [json.loads(p.read_text()) for p in recs]
        return real_create(endpoint, body, **kw)

    client.create_task = create  # type: ignore[method-assign]
    res = workflow.run("sod", photo, client=client, out_dir=tmp_path / "out")
    assert len(seen["records"]) == 1 and seen["records"][0]["status"] == "creating"
    side = json.loads(res.sidecar.read_text())
    assert side["task_id"] == res.task_id and side["status"] == "done"


def test_refused_create_leaves_no_job_folder(sb, tmp_path, photo):
    client = sandbox_client(sb)
    sb.inject("status", path="/s2s/v2.0/task/sod", method="POST", status=400)
    with pytest.raises(YouCamError):
        workflow.run("sod", photo, client=client, out_dir=tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_uncertain_create_keeps_the_record(sb, tmp_path, photo):
    client = sandbox_client(sb)
    sb.inject("reset", path="/s2s/v2.0/task/sod", method="POST")
    with pytest.raises(Exception, match="may have received"):
        workflow.run("sod", photo, client=client, out_dir=tmp_path / "out")
    recs = list((tmp_path / "out").glob("*/youcam-job.json"))
    assert len(recs) == 1 and json.loads(recs[0].read_text())["status"] == "create_uncertain"


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_error_on_create_keeps_the_record(sb, tmp_path, photo, status):
    """A proxy can answer 502/504 after the service already took (and will bill) the
    task: the job record must stay, marked uncertain, and the POST is not repeated."""
    client = sandbox_client(sb)
    n = len(sb.requests)
    sb.inject("status", path="/s2s/v2.0/task/sod", method="POST", status=status)
    with pytest.raises(YouCamError):
        workflow.run("sod", photo, client=client, out_dir=tmp_path / "out")
    recs = list((tmp_path / "out").glob("*/youcam-job.json"))
    assert len(recs) == 1 and json.loads(recs[0].read_text())["status"] == "create_uncertain"
    assert len(_creates(sb, n)) == 1


# ---------------------------------------------------------------- deadline


@pytest.mark.parametrize("timeout", ["0", "-5", "nan"])
def test_non_positive_timeout_refused_before_anything_is_paid(env, sb, photo, capsys, timeout):
    n, ledger = len(sb.requests), len(sb.ledger)
    assert cli.main(["run", "sod", str(photo), "--timeout", timeout]) == 2
    assert "deadline" in one_line_error(capsys.readouterr().err)
    assert _creates(sb, n) == [] and len(sb.ledger) == ledger


# ---------------------------------------------------------------- --set


@pytest.mark.parametrize("value", ["1984", "null", "true", "[1, 2]"])
def test_text_params_keep_what_was_typed(env, sb, capsys, value):
    assert cli.main(["run", "text-to-image", "--variant", "youcam", "--set", f"prompt={value}", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    side = json.loads(Path(res["sidecar"]).read_text())
    assert side["params"]["prompt"] == value


def test_numeric_params_still_parsed(env, sb, photo, capsys):
    assert cli.main(["run", "bg-blur", str(photo), "--set", "intensity=30", "--json"]) == 0
    side = json.loads(Path(json.loads(capsys.readouterr().out)["sidecar"]).read_text())
    assert side["params"]["intensity"] == 30


def test_parse_sets_text_names():
    from napari_youcam.cli.service import parse_sets, text_params

    assert "prompt" in text_params("text-to-image") and "size" in text_params("text-to-image")
    assert "scale" not in text_params("enhance")  # enum of numbers
    assert parse_sets(["prompt=12", "steps=12"], text={"prompt"}) == {"prompt": "12", "steps": 12}


# ---------------------------------------------------------------- base URL


@pytest.mark.parametrize("url", ["127.0.0.1:9", "not a url", "ftp://example.com", "http://h:99999"])
def test_malformed_base_url_is_bad_input(env, sb, photo, capsys, url):
    n = len(sb.requests)
    assert cli.main(["run", "sod", str(photo), "--base-url", url]) == 2
    assert "--base-url" in one_line_error(capsys.readouterr().err)
    assert cli.main(["credits", "--base-url", url]) == 2
    capsys.readouterr()
    assert _sent(sb, n) == []
    with pytest.raises(InputError):
        Client(Credentials(api_key="k" * 20), base_url=url)


def test_unreachable_base_url_names_the_host(env, photo, capsys):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    assert cli.main(["credits", "--base-url", url]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert url in line and "--base-url" in line


def test_url_with_password_is_refused_without_showing_it():
    with pytest.raises(InputError) as ei:
        Client(Credentials(api_key="k" * 20), base_url="http://user:hunter22@127.0.0.1:9", rate_limit=False)
    assert "hunter22" not in str(ei.value) and "user:" not in str(ei.value)


# ---------------------------------------------------------------- youcam sandbox


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_sandbox_bad_port_is_one_line(capsys, port):
    assert cli.main(["sandbox", "--port", port]) == 2
    assert "0..65535" in one_line_error(capsys.readouterr().err)


# ---------------------------------------------------------------- sandbox server


def _raw(sb: Sandbox, payload: bytes, *, reset: bool = True) -> bytes:
    u = urlsplit(sb.base_url)
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(payload)
    data = b""
    if not reset:
        s.settimeout(2)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
    else:
        time.sleep(0.1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return data


def test_sandbox_client_disconnects_are_quiet(capfd, caplog):
    with Sandbox() as s:
        caplog.set_level(logging.DEBUG, logger="napari_youcam.sandbox")
        _raw(s, b"PUT /_upload/x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000)
        _raw(s, b"GET /_download/x HTTP/1.1\r\nHost: a\r\n")
        time.sleep(0.3)
        # the server still works after the drops
        r = httpx.get(s.base_url + "/s2s/v1.0/client/credit")
        assert r.status_code == 401
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_sandbox_bad_content_length_gets_400(capfd):
    with Sandbox() as s:
        reply = _raw(s, b"POST /s2s/v2.0/task/sod HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer "
                     + s.api_key.encode() + b"\r\nContent-Length: abc\r\n\r\n", reset=False)
    assert reply.startswith(b"HTTP/1.1 400")
    assert b"Content-Length" in reply
    assert "Traceback" not in capfd.readouterr().err


# ---------------------------------------------------------------- videos


def test_fake_video_refused_before_upload(env, sb, tmp_path, capsys):
    fake = tmp_path / "clip.mp4"
    fake.write_text("not a video at all, just text\n")
    n = len(sb.requests)
    assert cli.main(["run", "video-sr", str(fake), "--set", "dst_duration=5"]) == 2
    assert "MP4" in one_line_error(capsys.readouterr().err)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert cli.main(["run", "video-sr", str(empty), "--set", "dst_duration=5"]) == 2
    assert "empty" in one_line_error(capsys.readouterr().err)
    assert _sent(sb, n) == []


# ---------------------------------------------------------------- credentials


def test_pasted_key_with_newline_is_stripped(tmp_path, sb, monkeypatch):
    from napari_youcam.api.credentials import save_config
    from napari_youcam.connect import default_client

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    save_config({"api_key": sb.api_key + "\n", "base_url": sb.base_url})
    client = default_client()
    assert not client.is_sandbox and client.credentials.api_key == sb.api_key
    assert client.credits() > 0


@pytest.mark.parametrize("bad", ["sk-SECRET\u00e9KEY", "sk-SECRET\x01KEY", "sk SECRET KEY"])
def test_malformed_key_is_input_error_not_sandbox_or_traceback(env, capsys, bad):
    env.setenv("YOUCAM_API_KEY", bad)
    assert cli.main(["credits"]) == 2
    err = capsys.readouterr().err
    line = one_line_error(err)
    assert "YOUCAM_API_KEY" in line and "SANDBOX" not in err
    assert bad not in err and "SECRET" not in err


def test_no_credentials_still_means_sandbox(monkeypatch, capsys):
    # conftest's autouse fixture already removed every YOUCAM_* credential
    assert cli.main(["credits", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sandbox"] is True


# ---------------------------------------------------------------- imaging command outputs


def test_mask_bad_label_list_is_one_line(tmp_path, capsys):
    lab = np.zeros((20, 20), np.uint8)
    lab[5:10, 5:10] = 1
    Image.fromarray(lab).save(tmp_path / "lab.png")
    assert cli.main(["mask", str(tmp_path / "lab.png"), "-o", str(tmp_path / "m.png"), "--labels", "a,b"]) == 2
    assert "--labels" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("where", ["under_a_file", "a_folder"])
def test_unwritable_output_paths_are_one_line(tmp_path, photo, capsys, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    out = blocker / "x.png" if where == "under_a_file" else tmp_path
    lab = np.zeros((240, 320), np.uint8)
    lab[5:10, 5:10] = 1
    Image.fromarray(lab).save(tmp_path / "lab.png")
    for argv in (["mask", str(tmp_path / "lab.png"), "-o", str(out)],
                 ["prepare", "sod", str(photo), "-o", str(out)]):
        assert cli.main(argv) == 2, argv
        assert str(out) in one_line_error(capsys.readouterr().err)
