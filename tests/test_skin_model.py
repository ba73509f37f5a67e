"""skin_model: one group per job, and where a result ZIP's masks go."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

from napari_youcam._napari.skin_model import (
    SKIN_KEY,
    Candidate,
    group_key,
    group_label,
    group_layers,
    job_record,
    match_source,
    visibility_for,
)
from napari_youcam.workflow.sidecar import SIDECAR_NAME, sha256_of


def _layer(concern: str, task: str, concerns: list[str]) -> SimpleNamespace:
    key = group_key(task, None, "photo")
    return SimpleNamespace(
        metadata={SKIN_KEY: {"concern": concern, "group": key, "group_label": group_label("photo", concerns)}},
        visible=True,
    )


def test_runs_on_one_photo_never_share_a_group_and_rows_never_double():
    sd = [_layer(c, "t1", ["wrinkle", "pore"]) for c in ("wrinkle", "pore")]
    hd = [_layer(c, "t2", ["hd_pore"]) for c in ("hd_pore",)]
    twice = _layer("wrinkle", "t1", ["wrinkle", "pore"])  # the same concern again
    sd2 = [_layer("wrinkle", "t3", ["wrinkle", "pore"])]
    groups = group_layers([*sd, *hd, twice, *sd2, SimpleNamespace(metadata={})])
    assert list(groups) == ["task:t1", "task:t2", "task:t3"]
    assert groups["task:t1"].concerns == ["wrinkle", "pore"]
    assert groups["task:t1"].label == "photo · SD, 2 concerns"
    assert groups["task:t2"].label == "photo · HD, 1 concerns"
    assert groups["task:t3"].label == "photo · SD, 2 concerns #2"  # two SD runs stay apart


def test_group_key_prefers_the_task_then_the_file(tmp_path):
    assert group_key("abc", str(tmp_path / "r.zip"), "x") == "task:abc"
    assert group_key(None, str(tmp_path / "r.zip"), "x") == f"file:{(tmp_path / 'r.zip').resolve()}"
    assert group_key(None, None, "x") == "name:x"


def test_switching_groups_shows_one_job_as_the_user_left_it():
    a = [_layer(c, "t1", ["wrinkle", "pore"]) for c in ("wrinkle", "pore")]
    b = [_layer("hd_pore", "t2", ["hd_pore"])]
    groups = group_layers([*a, *b])
    remembered = {id(a[0]): True, id(a[1]): False}
    plan = visibility_for(groups, "task:t1", remembered)
    assert plan == {id(a[0]): True, id(a[1]): False, id(b[0]): False}


def test_masks_go_over_the_photo_the_job_ran_on(tmp_path):
    photo = np.arange(40 * 30 * 3, dtype=np.uint8).reshape(40, 30, 3)
    lookalike = photo.copy()
    lookalike[0, 0, 0] ^= 1  # same size, other pixels
    (tmp_path / SIDECAR_NAME).write_text(
        json.dumps({"feature": "skin-analysis", "source_shape": [40, 30, 3], "source_sha256": sha256_of(photo)})
    )
    rec = job_record(tmp_path / "result.zip")
    cands = [Candidate("lookalike", (40, 30), lambda: lookalike), Candidate("photo", (40, 30), lambda: photo)]
    assert match_source(cands, (20, 15), rec).target == "photo"
    gone = match_source(cands[:1], (20, 15), rec)
    assert gone.target is None and "15×20" in gone.reason


def test_without_a_record_only_an_unambiguous_same_size_image_matches(tmp_path):
    img = Candidate("a", (64, 64), lambda: np.zeros((64, 64)))
    other = Candidate("b", (64, 64), lambda: np.zeros((64, 64)))
    big = Candidate("big", (128, 128), lambda: np.zeros((128, 128)))
    assert match_source([img, big], (64, 64), None).target == "a"
    assert match_source([img, other], (64, 64), None).target is None  # which one? say so
    assert "no open image" in match_source([big], (64, 64), None).reason


def test_a_foreign_or_broken_record_is_ignored(tmp_path):
    (tmp_path / SIDECAR_NAME).write_text("{not json")
    assert job_record(tmp_path / "r.zip") is None
    (tmp_path / SIDECAR_NAME).write_text(json.dumps({"feature": "enhance"}))
    assert job_record(tmp_path / "r.zip") is None


def _json_job(folder, mask_files, output):
    import cv2

    folder.mkdir()
    for name in mask_files.values():
        if "/" not in name and name != "gone.png":
            cv2.imwrite(str(folder / name), np.full((8, 6), 200, np.uint8))
    (folder / "skin-analysis.json").write_text(json.dumps({"output": output}))
    rec = {"feature": "skin-analysis", "files": [*mask_files.values(), "skin-analysis.json"], "mask_files": mask_files}
    (folder / SIDECAR_NAME).write_text(json.dumps(rec))


def test_a_json_skin_job_folder_reads_like_a_zip(tmp_path):
    import pytest

    from napari_youcam._napari.skin_model import folder_record, read_skin_folder
    from napari_youcam.errors import InputError

    job = tmp_path / "job"
    _json_job(
        job,
        {"acne/whole/0": "a.png", "hd_pore/forehead/0": "p.png", "wrinkle/whole/0": "gone.png"},
        [
            {"type": "acne", "region": "whole", "raw_score": 7.5, "ui_score": 8},
            {"type": "hd_pore", "region": "forehead", "raw_score": 1.25},
            {"type": "skin_age", "score": 31},
            {"type": "all", "score": 60.5},
        ],
    )
    skin = read_skin_folder(job)
    assert set(skin.masks) == {"acne", "hd_pore.forehead"} and skin.masks["acne"].shape == (8, 6)
    assert skin.scores["acne"].raw_score == 7.5 and skin.scores["hd_pore.forehead"].raw_score == 1.25
    assert (skin.skin_age, skin.overall, skin.missing_masks) == (31.0, 60.5, ["wrinkle"])
    assert folder_record(tmp_path) is None  # no record: not a job folder

    bad = tmp_path / "bad"
    _json_job(bad, {"acne/whole/0": "../outside.png"}, [])
    with pytest.raises(InputError, match="not a plain file name"):
        read_skin_folder(bad)
    worse = tmp_path / "worse"
    _json_job(worse, {"acne/whole/0": "a.png"}, [{"type": "acne", "region": "whole", "raw_score": "high"}])
    with pytest.raises(InputError, match="expected a number"):
        read_skin_folder(worse)
