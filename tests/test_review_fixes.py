"""Regression tests for the final review: each failed before its fix."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import httpx
import pytest

from napari_youcam.api import Client, Credentials, RetryPolicy
from napari_youcam.api.errors import ConnectionFailedError, ServerError
from napari_youcam.api.results import TaskResult
from napari_youcam.api.transport import Transport
from napari_youcam.errors import YouCamError
from napari_youcam.workflow.run import _download_step, _Progress
from napari_youcam.workflow.sidecar import SIDECAR_NAME, Sidecar

FAST = RetryPolicy(attempts=2, base=0.0, ceiling=0.0, jitter=0.0)


class _NoAuth:
    def header(self) -> dict[str, str]:
        return {}

    def invalidate(self, used=None) -> bool:
        return False


def _transport(handler) -> Transport:
    return Transport("https://api.example", _NoAuth(), retry=FAST, transport=httpx.MockTransport(handler),
                     sleep=lambda s: None)


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


def _job(tmp_path: Path) -> Sidecar:
    side = Sidecar(tmp_path / SIDECAR_NAME, {"feature": "face-attr-analysis", "status": "succeeded",
                                             "task_id": "t1", "files": []})
    side.update()
    return side


def test_disk_full_while_saving_a_paid_result_names_the_resume_command(tmp_path):
    class Full:
        def download(self, url, dest):
            raise OSError(errno.ENOSPC, "No space left on device", str(dest))

    side = _job(tmp_path)
    res = TaskResult(task_id="t1", status="success", kind="image", urls=["https://h/r.png"])
    with pytest.raises(YouCamError) as ei:
        _download_step(Full(), res, key="sod", sidecar=side, times={}, report=_Progress(None))
    assert "youcam resume" in str(ei.value) and "t1" in str(ei.value)
    rec = json.loads(side.path.read_text())
    assert rec["status"] == "download_failed" and rec["resumable"] is True


def test_json_data_does_not_overwrite_a_downloaded_file_of_the_same_name(tmp_path):
    class Writes:
        def download(self, url, dest):
            Path(dest).write_bytes(b"\x89PNG downloaded result")
            return Path(dest)

    side = _job(tmp_path)
    res = TaskResult(task_id="t1", status="success", kind="json", urls=["https://h/result"],
                     data={"age": 30})
    saved = _download_step(Writes(), res, key="face-attr-analysis", sidecar=side, times={},
                           report=_Progress(None))
    assert len(set(saved)) == len(saved) == 2
    contents = sorted(p.read_bytes() for p in saved)
    assert b"\x89PNG downloaded result" in contents
    assert json.loads(next(c for c in contents if c.startswith(b"{"))) == {"age": 30}


def test_registration_reply_without_upload_url_is_a_server_error():
    reply = {"data": {"files": [{"file_id": "f1", "requests": [{}]}]}}
    client = Client(Credentials(api_key="k" * 20), base_url="https://api.example", rate_limit=False,
                    transport=httpx.MockTransport(lambda req: httpx.Response(200, json=reply)))
    with pytest.raises(ServerError):
        client.upload(b"\x89PNG....", content_type="image/png", file_name="a.png")


def test_cli_other_os_errors_are_one_line_not_a_traceback(monkeypatch, capsys):
    from cli_helpers import one_line_error

    from napari_youcam import cli
    from napari_youcam.cli import service

    def boom(args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(service, "cmd_features", boom)
    assert cli.main(["features"]) == 1
    assert "No space left on device" in one_line_error(capsys.readouterr().err)
