"""Body features added from the vendor contracts: abs filter, body reshape, breast augmentation."""

from __future__ import annotations

import numpy as np
import pytest

from contract_helpers import photo_array, sandbox_v2
from napari_youcam import features as F
from napari_youcam import workflow
from napari_youcam.api.errors import TaskFailedError
from napari_youcam.errors import InputError
from napari_youcam.features.spec import InputInfo
from napari_youcam.sandbox.results_vto import BODY_RESULT_FLAGS, body_flags


def _photo(w: int = 480, h: int = 640) -> np.ndarray:
    return photo_array(w, h)


@pytest.fixture(scope="module")
def client():
    with sandbox_v2() as pair:
        yield pair


def _fields(violations) -> set[str]:
    return {v.field for v in violations}


def test_abs_filter_modes_and_intensities():
    assert F.validate("abs-shape", {"mode": "Vest-line", "intensity": 2}) == []
    (v,) = F.validate("abs-shape", {"mode": "Eight-pack"})
    assert v.field == "mode" and "Six-pack" in v.message
    assert "intensity" in _fields(F.validate("abs-shape", {"intensity": 3}))


def test_abs_intensity_two_changes_the_belly_more_than_one(client, tmp_path):
    _, c = client
    src = _photo()
    diffs = []
    for level in (1, 2):
        res = workflow.run("abs-shape", src, params={"intensity": level}, client=c, out_dir=tmp_path / str(level))
        band = (slice(int(640 * 0.5), int(640 * 0.65)), slice(480 // 3 + 5, 2 * 480 // 3 - 5))
        diffs.append(np.abs(res.arrays[0][band].astype(int) - src[band].astype(int)).mean())
        top = np.abs(res.arrays[0][:200].astype(int) - src[:200].astype(int)).mean()
        assert top < 3, "only the belly band changes"
    assert diffs[1] > diffs[0] + 3


def test_breast_shape_limits_are_strict_and_have_a_minimum():
    ok = {"src": InputInfo(1024, 768, 100_000, "jpg")}
    assert F.validate("breast-shape", {"intensity": 3}, ok) == []
    assert "intensity" in _fields(F.validate("breast-shape", {"intensity": 4}))
    (v,) = F.validate("breast-shape", {}, {"src": InputInfo(4096, 3000, 100_000, "jpg")})
    assert "< 4096" in v.message  # "long side < 4096" is strict
    (v,) = F.validate("breast-shape", {}, {"src": InputInfo(600, 380, 100_000, "jpg")})
    assert "384" in v.message
    assert F.validate("breast-shape", {}, {"src": InputInfo(800, 600, 100_000, "heic")}) == []


def test_body_reshape_refuses_all_zero_and_out_of_range_values():
    (v,) = F.validate("body-reshape", {})
    assert v.field == "features" and "zero" in v.message
    assert F.validate("body-reshape", {"features": {"waist": -20}}) == []
    assert F.validate("body-reshape", {"features.breast": 30}) == []  # both-sides keys count too
    assert "features.neck_left" in _fields(F.validate("body-reshape", {"features.neck_left": -10}))
    assert "features.taller" in _fields(F.validate("body-reshape", {"features.taller": -1}))
    assert "features.slim" in _fields(F.validate("body-reshape", {"features.slim": 101}))
    assert "index" in _fields(F.validate("body-reshape", {"index": -1, "features.arm": 5}))


def test_body_reshape_sends_version_and_only_given_features():
    ep = F.get("body-reshape").endpoint("v2")
    body = F.build_body(ep, {"src": "S"}, {"features.waist": -20, "features.taller": 40})
    assert body == {"src_file_id": "S", "version": "1.0", "features": {"waist": -20, "taller": 40}}


def test_body_reshape_runs_with_its_pre_process_and_index(client, tmp_path):
    sb, c = client
    group = _photo(1280, 400)  # the sandbox finds one person per square slot: 3 here
    people = workflow.find_faces("body-reshape", group, client=c)
    assert len(people) == 3 and [p["index"] for p in people] == [0, 1, 2]
    res = workflow.run(
        "body-reshape", group, params={"index": 2, "features.waist": -20}, client=c, out_dir=tmp_path / "ok"
    )
    assert res.arrays[0].shape == group.shape
    before = len(sb.ledger)
    with pytest.raises(TaskFailedError, match="invalid_parameter"):
        workflow.run(
            "body-reshape", _photo(), params={"index": 4, "features.waist": -20}, client=c, out_dir=tmp_path / "bad"
        )
    assert len(sb.ledger) == before  # an engine error is not charged


def test_body_reshape_result_flags_follow_the_effective_values():
    flags = body_flags(
        {"features.breast": 30, "features.breast_left": 0, "features.waist": -5, "features.neck_right": 10}
    )
    assert set(flags) == set(BODY_RESULT_FLAGS)
    assert flags["breast_left"] and flags["breast_right"] and flags["waist"] and flags["neck_right"]
    assert not flags["neck_left"] and not flags["arm"]


def test_body_features_need_a_photo_within_2048(client, tmp_path):
    (v,) = F.validate("body-reshape", {"features.arm": 10}, {"src": InputInfo(2100, 1000, 100_000, "jpg")})
    assert v.field == "src" and "2048" in v.message
    sb, c = client
    before = len(sb.ledger)
    with pytest.raises(InputError):
        workflow.run("body-reshape", _photo(), params={"features.arm": 500}, client=c, out_dir=tmp_path / "x")
    assert len(sb.ledger) == before
