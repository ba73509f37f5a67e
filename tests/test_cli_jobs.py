"""`youcam history | show | costs` over a results folder filled by real runs on the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cli_helpers import one_line_error
from napari_youcam.cli import main
from napari_youcam.workflow.tables import list_jobs


def _image(path: Path, seed: int, size: tuple[int, int] = (320, 240)) -> Path:
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    arr = np.stack([(xx + seed) % 256, yy % 256, (xx * seed + yy) % 256], -1).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)
    return path


@pytest.fixture
def filled(env, sb, tmp_path, capsys):
    """Two background removals (batch), one enhance (run) and one failed task, all real."""
    out = tmp_path / "results"
    _image(tmp_path / "in" / "a.png", 1)
    _image(tmp_path / "in" / "b.png", 2)
    assert main(["batch", "sod", str(tmp_path / "in"), "--out", str(out)]) == 0
    assert main(["run", "enhance", str(_image(tmp_path / "c.png", 3)), "--set", "scale=2", "--out", str(out)]) == 0
    sb.fail_next_task("error_unexpected", feature="bg-blur")
    assert main(["run", "bg-blur", str(_image(tmp_path / "d.png", 4)), "--out", str(out)]) == 1
    capsys.readouterr()
    return out


def test_history_lists_every_job_and_filters(filled, capsys):
    assert main(["history", "--out", str(filled)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    assert sum("sod" in ln and "done" in ln for ln in lines) == 2
    assert any("a.png" in ln for ln in lines) and any("b.png" in ln for ln in lines)
    assert any("bg-blur" in ln and "failed" in ln for ln in lines)

    assert main(["history", "--out", str(filled), "--feature", "sod", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["feature"] for r in rows] == ["sod", "sod"]
    assert all(Path(r["job_dir"], "youcam-job.json").is_file() and r["task_id"] for r in rows)

    assert main(["history", "--out", str(filled), "--status", "failed", "--json"]) == 0
    assert [r["feature"] for r in json.loads(capsys.readouterr().out)] == ["bg-blur"]
    assert main(["history", "--out", str(filled), "--since", "2999-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_history_refuses_a_date_it_cannot_read(filled, capsys):
    assert main(["history", "--out", str(filled), "--since", "last tuesday"]) == 2
    assert "YYYY-MM-DD" in one_line_error(capsys.readouterr().err)


def test_history_is_the_same_from_the_store_the_folders_and_a_rebuild(filled, capsys):
    from napari_youcam.workflow.store import STORE_NAME

    assert (filled / STORE_NAME).is_file()  # the runs indexed themselves
    assert main(["history", "--out", str(filled), "--json"]) == 0
    from_store = json.loads(capsys.readouterr().out)
    (filled / STORE_NAME).unlink()
    assert main(["history", "--out", str(filled), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == from_store  # read from the job folders
    damaged = filled / "20200101-000000_sod"
    damaged.mkdir()
    (damaged / "youcam-job.json").write_text('{"feature": "sod", "status": 7}')
    assert main(["history", "--out", str(filled), "--rebuild", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "4 jobs" in err and f"skipped: {damaged}" in err
    assert json.loads(out) == from_store


def test_show_by_id_folder_or_task_id(filled, sb, capsys):
    job = list_jobs(filled, feature="enhance")[0]
    for ref in (job.job_id, str(job.job_dir), job.task_id):
        assert main(["show", ref, "--out", str(filled)]) == 0
        text = capsys.readouterr().out
        assert f"job      {job.job_id}" in text and "enhance" in text and '"scale": 2' in text
    assert main(["show", job.job_id, "--out", str(filled), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task_id"] in sb.tasks and data["status"] == "done" and data["units"] > 0
    for f in data["files"]:
        assert (Path(data["job_dir"]) / f).is_file()
    assert main(["show", "no-such-job", "--out", str(filled)]) == 2
    assert "youcam history" in one_line_error(capsys.readouterr().err)


def test_costs_sum_the_units_the_sandbox_charged(filled, sb, capsys):
    charged = {e["task_id"]: e["units"] for e in sb.ledger}
    jobs = list_jobs(filled)
    paid = sum(charged[j.task_id] for j in jobs if j.status == "done")
    assert main(["costs", "--out", str(filled), "--by", "feature", "--csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "feature,jobs,units,kind"
    rows = {ln.split(",")[0]: ln.split(",") for ln in lines[1:]}
    assert set(rows) == {"sod", "enhance"}  # the failed task cost nothing
    assert rows["sod"][1] == "2"
    assert sum(float(r[2]) for r in rows.values()) == pytest.approx(paid)
    assert main(["costs", "--out", str(filled)]) == 0
    text = capsys.readouterr().out
    assert f"total: {paid:g} units" in text


def test_costs_label_sandbox_units(tmp_path, capsys):
    """Without credentials the bundled sandbox runs the jobs: its units are never shown as real."""
    out = tmp_path / "results"
    assert main(["run", "sod", str(_image(tmp_path / "s.png", 5)), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["costs", "--out", str(out), "--csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[1].endswith(",sod,1,1,sandbox units")
    assert main(["costs", "--out", str(out)]) == 0
    assert "total: 0 units (+ 1 sandbox units)" in capsys.readouterr().out
