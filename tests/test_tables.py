"""`youcam skin table` over job folders, ZIPs and a results folder; the job list's reading of records."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cli_helpers import one_line_error
from napari_youcam.cli import main
from napari_youcam.imaging import read_skin_zip
from napari_youcam.workflow.tables import SKIN_COLUMNS, costs, list_jobs, scan_jobs


def _image(path: Path, seed: int) -> Path:
    yy, xx = np.mgrid[0:640, 0:640]
    arr = np.stack([(xx + seed) % 256, yy % 256, (xx * seed + yy) % 256], -1).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)
    return path


@pytest.fixture
def skin_jobs(env, tmp_path, capsys):
    """Three skin-analysis job folders: two from a batch (source known), one from `youcam run`."""
    out = tmp_path / "results"
    _image(tmp_path / "cohort" / "p01.png", 1)
    _image(tmp_path / "cohort" / "p02.png", 2)
    sets = ["--set", 'dst_actions=["wrinkle","pore","acne"]']
    assert main(["batch", "skin-analysis", str(tmp_path / "cohort"), "--out", str(out), "--no-face-check", *sets]) == 0
    assert (
        main(
            ["run", "skin-analysis", str(_image(tmp_path / "p03.png", 3)), "--out", str(out), "--no-face-check", *sets]
        )
        == 0
    )
    capsys.readouterr()
    dirs = sorted(d for d in out.iterdir() if d.is_dir())
    assert len(dirs) == 3
    return out, dirs


def _read(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_skin_table_over_three_job_folders(skin_jobs, tmp_path, capsys):
    out, dirs = skin_jobs
    table = tmp_path / "scores.csv"
    assert main(["skin", "table", *map(str, dirs), "-o", str(table)]) == 0
    assert "9 rows" in capsys.readouterr().out
    rows = _read(table)
    assert tuple(rows[0]) == SKIN_COLUMNS
    assert len(rows) == 9 and {r["job_id"] for r in rows} == {d.name for d in dirs}
    for d in dirs:
        skin = read_skin_zip(d / "skin-analysis.zip")
        mine = {r["concern"]: r for r in rows if r["job_id"] == d.name}
        assert set(mine) == set(skin.scores) == {"wrinkle", "pore", "acne"}
        for name, r in mine.items():
            assert float(r["raw_score"]) == pytest.approx(skin.scores[name].raw_score, rel=1e-5)
            assert float(r["ui_score"]) == pytest.approx(skin.scores[name].ui_score, rel=1e-5)
            m = skin.masks[name]
            alpha = m if m.ndim == 2 else (m[..., 3] if m.shape[2] == 4 else m.max(axis=2))
            assert float(r["mask_area_pct"]) == pytest.approx(100 * np.count_nonzero(alpha) / alpha.size, rel=1e-4)
            assert 0 < float(r["mean_mask_intensity"]) <= 1
            assert r["mode"] == "SD"
            assert float(r["skin_age"]) == pytest.approx(skin.skin_age)
            assert float(r["overall_score"]) == pytest.approx(skin.overall)
    sources = {Path(r["source"]).name for r in rows if r["source"]}
    # a batch records each source file; `youcam run` records its file name once the job store does
    assert {"p01.png", "p02.png"} <= sources <= {"p01.png", "p02.png", "p03.png"}


def test_skin_table_over_a_results_folder_and_a_bare_zip(skin_jobs, tmp_path, capsys):
    out, dirs = skin_jobs
    table = tmp_path / "all.csv"
    assert main(["skin", "table", str(out), "-o", str(table)]) == 0
    assert len(_read(table)) == 9
    bare = tmp_path / "copy.zip"
    bare.write_bytes((dirs[0] / "skin-analysis.zip").read_bytes())
    assert main(["skin", "table", str(bare), "-o", str(table)]) == 0
    rows = _read(table)
    assert len(rows) == 3 and {r["source"] for r in rows} == {str(bare)} and {r["job_id"] for r in rows} == {""}


def test_skin_table_refuses_what_is_not_a_result(tmp_path, capsys):
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"x")
    assert main(["skin", "table", str(photo), "-o", str(tmp_path / "t.csv")]) == 2
    assert "result ZIP" in one_line_error(capsys.readouterr().err)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../score_info.json", "{}")
    assert main(["skin", "table", str(evil), "-o", str(tmp_path / "t.csv")]) == 2
    assert "evil.zip" in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "t.csv").exists()


def test_a_damaged_record_is_skipped_and_the_rest_listed(tmp_path):
    good = tmp_path / "20260101-000000_sod"
    good.mkdir()
    (good / "youcam-job.json").write_text(
        json.dumps(
            {
                "feature": "sod",
                "status": "done",
                "task_id": "t1",
                "unit_cost_estimate": 1,
                "sandbox": False,
                "times": {"started": "2026-01-01T00:00:00.000+00:00"},
                "files": ["sod.png"],
            }
        )
    )
    bad = tmp_path / "20260101-000001_sod"
    bad.mkdir()
    (bad / "youcam-job.json").write_text("{not json")
    odd = tmp_path / "20260101-000002_sod"
    odd.mkdir()
    (odd / "youcam-job.json").write_text(
        json.dumps(
            {"feature": "sod", "status": "running", "task_id": "t2", "unit_cost_estimate": 1, "source_shape": "huge"}
        )
    )
    running = tmp_path / "20260101-000003_sod"
    running.mkdir()
    (running / "youcam-job.json").write_text(
        json.dumps({"feature": "sod", "status": "running", "task_id": "t3", "unit_cost_estimate": 1})
    )
    rows = scan_jobs(tmp_path)
    assert [r.job_id for r in rows] == [good.name, running.name]  # the wrongly typed record is skipped too
    assert rows[1].units == 0.0  # running: not charged yet
    assert [(c.feature, c.jobs, c.units) for c in costs(list_jobs(tmp_path), by="feature")] == [("sod", 1, 1.0)]


def test_skin_commands_read_a_format_json_job_folder_like_the_zip(env, tmp_path, capsys):
    """scores / blend / table read a `format=json` run's folder (JSON + downloaded masks) as they read the ZIP."""
    photo = _image(tmp_path / "p.png", 5)
    sets = ["--set", 'dst_actions=["wrinkle","pore","acne"]', "--no-face-check"]
    assert main(["run", "skin-analysis", str(photo), "--out", str(tmp_path / "zip"), *sets]) == 0
    assert (
        main(["run", "skin-analysis", str(photo), "--out", str(tmp_path / "json"), *sets, "--set", "format=json"]) == 0
    )
    (zip_dir,) = [d for d in (tmp_path / "zip").iterdir() if d.is_dir()]
    (json_dir,) = [d for d in (tmp_path / "json").iterdir() if d.is_dir()]
    record = json.loads((json_dir / "youcam-job.json").read_text())
    assert record["mask_files"] and not [f for f in record["files"] if f.endswith(".zip")]
    capsys.readouterr()
    shown = []
    for d in (zip_dir, json_dir):
        assert main(["skin", "scores", "--json", str(d)]) == 0
        shown.append(json.loads(capsys.readouterr().out))
    assert shown[0]["skin_age"] == shown[1]["skin_age"] and shown[0]["overall"] == shown[1]["overall"]
    assert {s["name"]: s["raw_score"] for s in shown[0]["scores"]} == {
        s["name"]: s["raw_score"] for s in shown[1]["scores"]
    }
    assert main(["skin", "blend", str(json_dir), str(photo), "-o", str(tmp_path / "b.png"), "--concern", "acne"]) == 0
    assert "1 mask(s): acne" in capsys.readouterr().out
    assert main(["skin", "table", str(json_dir), str(zip_dir), "-o", str(tmp_path / "t.csv")]) == 0
    rows = _read(tmp_path / "t.csv")
    assert len(rows) == 6 and all(float(r["mask_area_pct"]) > 0 for r in rows)
    by_job = {
        d.name: {r["concern"]: r["raw_score"] for r in rows if r["job_id"] == d.name} for d in (zip_dir, json_dir)
    }
    assert by_job[zip_dir.name] == by_job[json_dir.name]
