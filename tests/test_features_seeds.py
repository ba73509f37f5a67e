"""Catalogue facts checked against the original spec pages (the "seeds").

Each expected value is written out here with the seed and line it comes from, so
these tests never read the shared reference folder. Seed 002 is the v1.22 v1
document; seeds 000/001/003/004 are the v2 face lift / face reshape / face
analyzer / skin simulation pages.
"""

from __future__ import annotations

import pytest

from napari_youcam import features as F
from napari_youcam.features import InputInfo


def ep(key, api="v2", variant=None):
    return F.get(key).endpoint(api, variant)


# ---------------------------------------------------------------- fixes


def test_v1_lighting_sends_empty_params_object():
    # Seed 002 line 10894: lighting's action has "params<br>required | object" with no
    # fields; the request sample (line 10950) sends "params": { }.
    body = F.build_body(ep("lighting", "v1"), {"src": ["S"]}, {})
    assert body == {"request_id": 0, "payload": {"file_sets": {"src_ids": ["S"]}, "actions": [{"id": 0, "params": {}}]}}


@pytest.mark.parametrize("key", ["obj-removal", "sod", "colorize", "color-correct", "bg-blur", "bg-replace"])
def test_v1_features_without_params_schema_send_bare_action(key):
    # Seed 002 request samples (e.g. obj-removal lines 8108-8110, sod 9038-9040): "actions": [{"id": 0}].
    files = {"src": ["S"], "mask": ["M"]} if key == "obj-removal" else {"src": ["S"]}
    body = F.build_body(ep(key, "v1"), files, {})
    assert body["payload"]["actions"] == [{"id": 0}]


@pytest.mark.parametrize("key", ["sod", "bg-blur", "bg-replace"])
def test_v1_background_formats_jpg_jpeg_png(key):
    # Seed 002 lines 388-390 (global table): background removal / blur / change
    # accept jpg/jpeg/png, long side <= 4096.
    limits = ep(key, "v1").limits
    assert set(limits.formats) == {"jpg", "jpeg", "png"}
    assert limits.long_max == 4096


# ---------------------------------------------------------------- v2 seeds (face.py)


def test_face_lift_seed_000():
    e = ep("face-lift")
    # Seed 000 line 6: eye bags, cheeks, forehead, face shape, mouth, 0..100.
    for n in ("eye_bag", "cheek", "forehead", "shape", "mouth"):
        p = e.param(f"features.{n}")
        assert (p.minimum, p.maximum) == (0, 100)
    # Seed 000 lines 119/130: long side <= 1920, < 10MB, jpg/jpeg/png.
    assert e.limits.long_max == 1920 and set(e.limits.formats) == {"jpg", "jpeg", "png"}
    # Seed 000 lines 79/103/109: pre-process and task paths.
    assert e.preprocess_path == "/s2s/v2.0/task/face-lift/pre-process"
    assert e.task_path == "/s2s/v2.0/task/face-lift"


def test_face_reshape_seed_001():
    e = ep("face-reshape")
    # Seed 001 lines 123-124: default range -100..100, cheekbones and jaw 0..100.
    assert (e.param("features.cheekbones").minimum, e.param("features.jaw").minimum) == (0, 0)
    for n in (
        "face_reshape_left",
        "chin_length",
        "eye_size_left",
        "eye_angle",
        "nose_tip_width",
        "lip_peak",
        "lip_height_bottom",
    ):
        p = e.param(f"features.{n}")
        assert (p.minimum, p.maximum) == (-100, 100)
    # Seed 001 lines 116-119: index optional default 0; skin smoothing 0..100.
    assert e.param("index").default == 0 and not e.param("index").required
    assert e.param("global.skin_smooth_strength").maximum == 100
    # Seed 001 line 117: features cannot be all zero.
    assert [v.field for v in F.validate("face-reshape", {})] == ["features"]
    # Seed 001 line 287: long side <= 4096.
    assert e.limits.long_max == 4096


def test_face_analyzer_seed_003():
    e = ep("face-attr-analysis")
    # Seed 003 lines 53-91: 20 attribute + 10 ratio request parameters (the contract adds eyebrowPosition).
    seed_names = {
        "faceShape",
        "age",
        "gender",
        "eyeShape",
        "eyeSize",
        "eyeAngle",
        "eyeDistance",
        "eyelid",
        "eyebrowShape",
        "eyebrowThickness",
        "eyebrowDistance",
        "eyebrowShortness",
        "lipShape",
        "noseWidth",
        "noseLength",
        "cheekbones",
        "eyeColor",
        "lipColor",
        "eyebrowColor",
        "hairColor",
        "horizontalThird",
        "verticalFifth",
        "faceAspectRatio",
        "eyeAspectRatio",
        "eyebrowArch",
        "eyeHeightToEyebrowDistance",
        "noseAspectRatio",
        "noseWidthToMouthWidth",
        "noseToLipToChin",
        "upperLipToLowerLip",
    }
    assert set(e.param("features").choices) == seed_names | {"eyebrowPosition"}
    # Seed 003 lines 105/111: long side <= 4096, jpg/jpeg only, at least 320 px.
    assert e.limits.long_max == 4096 and e.limits.jpeg_only and e.limits.side_min == 320


def test_skin_simulation_seed_004():
    e = ep("skin-simulation")
    # Seed 004 line 6 (ten concerns) and lines 39-42 (0.0..1.0).
    assert {p.name for p in e.params} == {
        "wrinkle",
        "radiance",
        "oiliness",
        "acne",
        "eye_bags",
        "dark_circle",
        "spots",
        "pores",
        "texture",
        "redness",
    }
    assert all((p.minimum, p.maximum) == (0, 1) for p in e.params)
    # Seed 004 line 153: short side >= 480, long side <= 2560.
    assert (e.limits.short_min, e.limits.long_max) == (480, 2560)
    # Seed 004 line 110: at least one concern above 0.
    assert [v.field for v in F.validate("skin-simulation", {"wrinkle": 0})] == ["concerns"]


# ---------------------------------------------------------------- v1 (seed 002)


def test_v1_skin_analysis_counts_and_limits():
    # Seed 002 lines 790-792: exactly 4, 7 or 14 distinct concerns.
    sd = ["wrinkle", "pore", "texture", "acne", "oiliness"]
    assert [v.field for v in F.validate("skin-analysis", {"dst_actions": sd}, api="v1")] == ["dst_actions"]
    assert F.validate("skin-analysis", {"dst_actions": sd[:4]}, api="v1") == []
    # Seed 002 lines 1160-1161: SD long <= 1920 short >= 480; HD long <= 2560 short >= 1080.
    e = ep("skin-analysis", "v1")
    sd_l = F.limits_for(e, {"dst_actions": sd[:4]})
    hd_l = F.limits_for(e, {"dst_actions": ["hd_wrinkle", "hd_pore", "hd_texture", "hd_acne"]})
    assert (sd_l.long_max, sd_l.short_min, hd_l.long_max, hd_l.short_min) == (1920, 480, 2560, 1080)


def test_v1_face_analyzer_min_side_100():
    # Seed 002 line 1933: "at least 100x100 pixels"; line 1927: jpg/jpeg.
    e = ep("face-attr-analysis", "v1")
    assert e.limits.side_min == 100 and e.limits.jpeg_only
    assert len(e.param("features").choices) == 20  # line 2094: 20 enum values


def test_v1_hair_color_limits():
    # Seed 002 lines 2359-2360: w >= 100, h >= 100; w < 1920, h < 1080.
    assert F.validate("hair-color", {"preset": "Jet Black"}, {"src": InputInfo(1919, 1079)}, api="v1") == []
    assert F.validate("hair-color", {"preset": "Jet Black"}, {"src": InputInfo(99, 500)}, api="v1")


def test_v1_image_extender_output_limit():
    # Seed 002 line 384: output short side <= 1024, long side <= 2048.
    plan = {
        "output_width": 2100,
        "output_height": 1000,
        "input_x": 0,
        "input_y": 0,
        "input_width": 1000,
        "input_height": 1000,
        "crop_input_x": 0,
        "crop_input_y": 0,
        "crop_input_width": 1000,
        "crop_input_height": 1000,
    }
    assert "output_width" in [v.field for v in F.validate("out-paint", plan, api="v1")]
    assert F.validate("out-paint", {**plan, "output_width": 2048}, api="v1") == []
