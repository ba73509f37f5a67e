"""`youcam run` inputs: the results folder, the deadline, `--set` values and videos are
checked before anything is sent or paid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import one_line_error, task_creates
from napari_youcam import cli
from napari_youcam.cli.service import parse_sets, text_params


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
    assert sb.requests[n:] == [] and len(sb.ledger) == ledger


def test_results_folder_created_when_missing(env, sb, tmp_path, photo, capsys):
    out = tmp_path / "not" / "yet" / "there"
    assert cli.main(["run", "sod", str(photo), "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["sidecar"].startswith(str(out))


@pytest.mark.parametrize("timeout", ["0", "-5", "nan"])
def test_non_positive_timeout_refused_before_anything_is_paid(env, sb, photo, capsys, timeout):
    n, ledger = len(sb.requests), len(sb.ledger)
    assert cli.main(["run", "sod", str(photo), "--timeout", timeout]) == 2
    assert "deadline" in one_line_error(capsys.readouterr().err)
    assert task_creates(sb, n) == [] and len(sb.ledger) == ledger


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
    assert "prompt" in text_params("text-to-image") and "size" in text_params("text-to-image")
    assert "scale" not in text_params("enhance")  # enum of numbers
    assert parse_sets(["prompt=12", "steps=12"], text={"prompt"}) == {"prompt": "12", "steps": 12}


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
    assert sb.requests[n:] == []
