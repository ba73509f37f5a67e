"""Analyzer results over many images: `youcam run --json` rows and `youcam analysis table` (sandbox)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cli_helpers import one_line_error
from napari_youcam.cli import main
from napari_youcam.features.analysis import analysis_columns


def _photos(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:720, 0:720]
    out = []
    for i in range(n):
        p = folder / f"person{i}.png"
        Image.fromarray(np.stack([(xx + 9 * i) % 256, yy % 256, (xx + yy) % 256], -1).astype(np.uint8)).save(p)
        out.append(p)
    return out


def test_analyzer_rows_in_run_json_and_one_csv_over_a_results_folder(env, sb, tmp_path, capsys):
    res = tmp_path / "results"
    photos = _photos(tmp_path / "in", 2)
    assert main(["run", "hair-length-detection", str(photos[0]), "--no-face-check", "--json", "--out", str(res)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [row[0] for row in shown["table"]] == analysis_columns("hair-length-detection")
    assert shown["table"][0][1]  # the sandbox answers a length term
    assert main(["batch", "hair-length-detection", str(photos[1]), "--no-face-check", "--out", str(res)]) == 0
    assert main(["run", "enhance", str(photos[0]), "--set", "scale=2", "--out", str(res)]) == 0  # not an analyzer
    capsys.readouterr()
    before = len(sb.requests)
    assert main(["analysis", "table", str(res), "-o", str(tmp_path / "analysis.csv")]) == 0
    assert "2 rows" in capsys.readouterr().out
    assert len(sb.requests) == before  # read from the job folders only
    with open(tmp_path / "analysis.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["feature"] for r in rows] == ["hair-length-detection"] * 2
    assert rows[0]["Hair length"] == shown["table"][0][1]
    assert rows[1]["source"].endswith("person1.png")  # the batch's note of its source file
    assert all(r["job_id"] and r["Hair length"] for r in rows)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p / "missing", "not a job folder nor a results folder"),
        (lambda p: p, "no analyzer jobs in"),
    ],
)
def test_analysis_table_refuses_with_one_line(make, words, tmp_path, capsys):
    assert main(["analysis", "table", str(make(tmp_path)), "-o", str(tmp_path / "a.csv")]) == 2
    assert words in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "a.csv").exists()


def test_an_analyzer_batch_writes_its_attribute_table_beside_its_csv(env, sb, tmp_path, capsys):
    res = tmp_path / "results"
    photos = _photos(tmp_path / "in", 3)
    rc = main(["batch", "hair-length-detection", *map(str, photos), "--no-face-check", "--out", str(res)])
    err = capsys.readouterr().err
    assert rc == 0, err
    (table,) = res.glob("batch-*-attributes.csv")
    assert f"table: {table}" in err
    with open(table, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames is not None and set(analysis_columns("hair-length-detection")) <= set(reader.fieldnames)
    assert sorted(Path(r["source"]).name for r in rows) == ["person0.png", "person1.png", "person2.png"]
    assert all(r["Hair length"] for r in rows)


def test_a_batch_of_a_feature_without_a_table_writes_none(env, sb, tmp_path, capsys):
    res = tmp_path / "results"
    photos = _photos(tmp_path / "in", 1)
    assert main(["batch", "enhance", str(photos[0]), "--set", "scale=2", "--out", str(res)]) == 0
    assert "table:" not in capsys.readouterr().err
    assert len(list(res.glob("*.csv"))) == 1  # the batch CSV and no table
