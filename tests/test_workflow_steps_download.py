"""`workflow.steps.download_step`: saving a paid result never loses it: a full disk names
the resume command, and JSON data never overwrites a downloaded file."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from napari_youcam.api.results import TaskResult
from napari_youcam.errors import YouCamError
from napari_youcam.workflow.sidecar import SIDECAR_NAME, Sidecar
from napari_youcam.workflow.steps import Progress, download_step


def _job(tmp_path: Path) -> Sidecar:
    side = Sidecar(
        tmp_path / SIDECAR_NAME, {"feature": "face-attr-analysis", "status": "succeeded", "task_id": "t1", "files": []}
    )
    side.update()
    return side


def test_disk_full_while_saving_a_paid_result_names_the_resume_command(tmp_path):
    class Full:
        def download(self, url, dest):
            raise OSError(errno.ENOSPC, "No space left on device", str(dest))

    side = _job(tmp_path)
    res = TaskResult(task_id="t1", status="success", kind="image", urls=["https://h/r.png"])
    with pytest.raises(YouCamError) as ei:
        download_step(Full(), res, key="sod", sidecar=side, times={}, report=Progress(None))
    assert "youcam resume" in str(ei.value) and "t1" in str(ei.value)
    rec = json.loads(side.path.read_text())
    assert rec["status"] == "download_failed" and rec["resumable"] is True


def test_json_data_does_not_overwrite_a_downloaded_file_of_the_same_name(tmp_path):
    class Writes:
        def download(self, url, dest):
            Path(dest).write_bytes(b"\x89PNG downloaded result")
            return Path(dest)

    side = _job(tmp_path)
    res = TaskResult(task_id="t1", status="success", kind="json", urls=["https://h/result"], data={"age": 30})
    saved = download_step(Writes(), res, key="face-attr-analysis", sidecar=side, times={}, report=Progress(None))
    assert len(set(saved)) == len(saved) == 2
    contents = sorted(p.read_bytes() for p in saved)
    assert b"\x89PNG downloaded result" in contents
    assert json.loads(next(c for c in contents if c.startswith(b"{"))) == {"age": 30}
