"""plan_extend rules and messages, extend_preview."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from napari_youcam.errors import InputError
from napari_youcam.imaging import extend_preview, parse_aspect, plan_extend

KEYS = {
    "output_width",
    "output_height",
    "input_x",
    "input_y",
    "input_width",
    "input_height",
    "crop_input_x",
    "crop_input_y",
    "crop_input_width",
    "crop_input_height",
}


def test_explicit_canvas_and_anchors():
    p = plan_extend(960, 640, width=1280, height=960)
    assert set(p.params) == KEYS
    assert p.params == {
        "output_width": 1280,
        "output_height": 960,
        "input_x": 160,
        "input_y": 160,
        "input_width": 960,
        "input_height": 640,
        "crop_input_x": 0,
        "crop_input_y": 0,
        "crop_input_width": 960,
        "crop_input_height": 640,
    }
    assert p.prescale == 1.0 and not p.warnings
    assert plan_extend(960, 640, width=1280, height=960, anchor="top-left").placement[:2] == (0, 0)
    assert plan_extend(960, 640, width=1280, height=960, anchor="bottom_right").placement[:2] == (320, 320)
    assert plan_extend(960, 640, width=1280, height=960, anchor="top").placement[:2] == (160, 0)
    assert plan_extend(960, 640, width=1280, height=960, x=10, y=20).placement[:2] == (10, 20)
    with pytest.raises(InputError, match="unknown anchor"):
        plan_extend(960, 640, width=1280, height=960, anchor="north")


def test_aspect_keeps_scale():
    p = plan_extend(1200, 800, aspect="16:9")
    assert p.canvas == (1423, 800) and p.placement == (112, 0, 1200, 800)
    p = plan_extend(1200, 800, aspect="9:16")
    assert p.canvas == (1200, 2134) and p.placement[2:] == (1200, 800)
    p = plan_extend(1200, 800, aspect="1:1", anchor="bottom")
    assert p.canvas == (1200, 1200) and p.placement[:2] == (0, 400)
    assert parse_aspect("4/3") == pytest.approx(4 / 3) and parse_aspect(1.5) == 1.5
    with pytest.raises(InputError, match="16:9"):
        parse_aspect("wide")
    with pytest.raises(InputError, match="larger than the source"):
        plan_extend(1600, 900, aspect="16:9")


def test_crop_is_used_and_checked():
    p = plan_extend(1000, 1000, aspect="16:9", crop=(100, 200, 800, 600))
    assert (p.params["crop_input_x"], p.params["crop_input_y"]) == (100, 200)
    assert (p.params["crop_input_width"], p.params["crop_input_height"]) == (800, 600)
    assert p.canvas == (1067, 600) and p.placement == (134, 0, 800, 600)
    with pytest.raises(InputError, match="not inside"):
        plan_extend(1000, 1000, aspect="16:9", crop=(900, 0, 200, 100))


def test_rules_and_messages():
    with pytest.raises(InputError) as ei:
        plan_extend(960, 640, width=900, height=900)
    assert "960 px wide but the canvas only 900" in str(ei.value)
    with pytest.raises(InputError) as ei:
        plan_extend(960, 640, width=1280, height=960, x=400, y=0)
    assert "need 0 ≤ x ≤ 320" in str(ei.value) and ei.value.violations[0].field == "input_x"
    with pytest.raises(InputError, match="4096 per side"):
        plan_extend(960, 640, width=5000, height=960)
    with pytest.raises(InputError, match="short side ≤ 1024"):
        plan_extend(960, 640, width=1280, height=1100, api="v1")
    with pytest.raises(InputError, match="larger"):
        plan_extend(960, 640, width=960, height=640)
    warn = plan_extend(500, 500, width=1200, height=600)
    assert warn.warnings and "2×" in warn.warnings[0]
    with pytest.raises(InputError, match="either"):
        plan_extend(500, 500, width=1000, height=1000, aspect="1:1")


def test_prescale_large_sources():
    p = plan_extend(6000, 4000, aspect="1:1")
    assert p.upload_size == (4096, 2731) and p.prescale == pytest.approx(4096 / 6000)
    assert p.canvas == (4096, 4096) and "pre-scale" in p.notes[0]
    v1 = plan_extend(3000, 2000, aspect="16:9", api="v1")
    W, H = v1.canvas
    assert max(W, H) <= 2048 and min(W, H) <= 1024 and v1.prescale < 1
    assert v1.params["input_width"] <= W and v1.params["input_height"] <= H
    for k, val in v1.params.items():
        assert 0 <= val <= 4096, k


def test_extend_preview_marks_new_area():
    src = data.astronaut()
    plan = plan_extend(512, 512, aspect="16:9")
    prev = extend_preview(src, plan)
    assert prev.shape == (512, 911, 3) and prev.dtype == np.uint8
    x, y, w, h = plan.placement
    assert np.array_equal(prev[y : y + h, x : x + w], src)
    left = prev[:, :x]
    assert left.size and len(np.unique(left.reshape(-1, 3), axis=0)) == 2  # the two checker tints
    with pytest.raises(InputError, match="plan was made for"):
        extend_preview(src[:100], plan)


def test_the_extender_plans_every_out_paint_param_the_catalogue_has():
    from napari_youcam.features import FEATURES
    from napari_youcam.limits import OUTPAINT_NAMES

    assert set(OUTPAINT_NAMES) == KEYS
    catalogued = {p.name for p in FEATURES["out-paint"].endpoint("v2").params}
    assert set(OUTPAINT_NAMES) <= catalogued
