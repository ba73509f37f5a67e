"""build_body / with_defaults / unit_cost: exact bodies for both generations."""

from __future__ import annotations

import pytest

from napari_youcam import features as F
from napari_youcam.errors import InputError


def ep(key, api="v2", variant=None):
    return F.get(key).endpoint(api, variant)


def test_v1_obj_removal_mask_ids():
    body = F.build_body(ep("obj-removal", "v1"), {"src": ["S"], "mask": ["M"]}, {})
    assert body == {
        "request_id": 0,
        "payload": {"file_sets": {"src_ids": ["S"], "mask_ids": ["M"]}, "actions": [{"id": 0}]},
    }


def test_v1_obj_replace_msk_ids_and_prompt():
    body = F.build_body(ep("obj-replace", "v1"), {"src": "S", "mask": "M"}, {"prompt": "a cute cat"}, request_id=3)
    assert body == {
        "request_id": 3,
        "payload": {
            "file_sets": {"src_ids": ["S"], "msk_ids": ["M"]},
            "actions": [{"id": 0, "params": {"prompt": "a cute cat"}}],
        },
    }


def test_v1_skin_analysis_dst_actions():
    acts = ["hd_wrinkle", "hd_pore", "hd_texture", "hd_acne"]
    body = F.build_body(ep("skin-analysis", "v1"), {"src": ["S"]}, {"dst_actions": acts})
    assert body == {
        "request_id": 0,
        "payload": {"file_sets": {"src_ids": ["S"]}, "actions": [{"id": 0, "params": {}, "dst_actions": acts}]},
    }


def test_v1_headshot_custom_output_count():
    params = {"style_group_id": 18213963761051864, "style_ids": [22205685004925400], "output_count": 20}
    body = F.build_body(ep("headshot", "v1"), {"src": ["S"]}, params)
    assert body == {
        "request_id": 0,
        "payload": {
            "file_sets": {"src_ids": ["S"]},
            "actions": [{"id": 0, "params": {"style_group_id": 18213963761051864, "style_ids": [22205685004925400]}}],
            "custom": {"output_count": 20},
        },
    }


def test_v1_video_custom_dst_duration():
    body = F.build_body(ep("video-sr", "v1"), {"src": ["V"]}, {"dst_duration": 10})
    assert body == {
        "request_id": 0,
        "payload": {"file_sets": {"src_ids": ["V"]}, "actions": [{"id": 0}], "custom": {"dst_duration": 10}},
    }
    body = F.build_body(ep("face-swap-vid", "v1"), {"src": ["V"], "ref": ["R"]}, {"dst_duration": 8})
    assert body["payload"]["file_sets"] == {"src_ids": ["V"], "ref_ids": ["R"]}


def test_v1_text_to_image_has_no_file_sets():
    params = {"prompt": "A little cat", "style_group_id": 1, "style_ids": [2]}
    body = F.build_body(ep("text-to-image", "v1"), {}, params)
    assert body == {"request_id": 0, "payload": {"actions": [{"id": 0, "params": params}]}}


def test_v1_rejects_urls():
    with pytest.raises(InputError, match="file ids only"):
        F.build_body(ep("sod", "v1"), {"src": ["https://x/y.jpg"]}, {})


def test_v2_face_reshape_nesting_with_global():
    body = F.build_body(
        ep("face-reshape"), {"src": ["FID"]}, {"features.nose_size": -30, "features.lip_size": 20, "index": 0}
    )
    assert body == {
        "src_file_id": "FID",
        "version": "1.0",
        "index": 0,
        "features": {"nose_size": -30, "lip_size": 20},
        "global": {"skin_smooth_strength": 0, "skin_smooth_color_intensity": 0},
    }


def test_v2_face_lift_version_and_explicit_global():
    body = F.build_body(
        ep("face-lift"),
        {"src": "https://example.com/selfie.jpg"},
        {"features.eye_bag": 60, "global.skin_smooth_strength": 30},
    )
    assert body == {
        "src_file_url": "https://example.com/selfie.jpg",
        "version": "1.0",
        "features": {"eye_bag": 60},
        "global": {"skin_smooth_strength": 30, "skin_smooth_color_intensity": 0},
    }


def test_v2_out_paint_flat():
    params = {
        "output_width": 960,
        "output_height": 1280,
        "input_x": 240,
        "input_y": 320,
        "input_width": 480,
        "input_height": 640,
        "crop_input_x": 0,
        "crop_input_y": 0,
        "crop_input_width": 480,
        "crop_input_height": 640,
    }
    body = F.build_body(ep("out-paint"), {"src": ["F"]}, params)
    assert body == {"src_file_id": "F", **params}


def test_v2_mask_and_ref_fields():
    body = F.build_body(
        ep("obj-replace"), {"src": ["https://a/room.jpg"], "mask": ["https://a/mask.png"]}, {"prompt": "a cute cat"}
    )
    assert body == {"src_file_url": "https://a/room.jpg", "msk_file_url": "https://a/mask.png", "prompt": "a cute cat"}
    body = F.build_body(
        ep("face-swap"), {"src": ["S"], "refs": ["A", "B"]}, {"face_mapping": [{"index": 0, "position": 0}]}
    )
    assert body == {"src_file_id": "S", "ref_file_ids": ["A", "B"], "face_mapping": [{"index": 0, "position": 0}]}
    body = F.build_body(ep("text-to-image", variant="image-to-image"), {"srcs": ["https://a/1.png"]}, {"prompt": "cat"})
    assert body == {"src_file_urls": ["https://a/1.png"], "model": "youcam-image-v2", "prompt": "cat"}


def test_v2_skin_analysis_and_hair_color_nesting():
    body = F.build_body(
        ep("skin-analysis"),
        {"src": ["F"]},
        {"dst_actions": ["wrinkle"], "format": "json", "miniserver_args.enable_mask_overlay": False},
    )
    assert body == {
        "src_file_id": "F",
        "dst_actions": ["wrinkle"],
        "format": "json",
        "miniserver_args": {"enable_mask_overlay": False},
    }
    body = F.build_body(ep("hair-color"), {"src": ["F"]}, {"pattern.name": "full", "palettes": [{"color": "#6B3E26"}]})
    assert body == {"src_file_id": "F", "pattern": {"name": "full"}, "palettes": [{"color": "#6B3E26"}]}


def test_v2_video_top_level_duration_and_t2v_defaults():
    body = F.build_body(ep("video-sr"), {"src": ["V"]}, {"dst_duration": 10})
    assert body == {"src_file_id": "V", "dst_duration": 10}
    body = F.build_body(ep("image-to-video", variant="text-to-video"), {}, {"prompt": "a cat"})
    assert body == {"prompt": "a cat", "dst_duration": 5}


def test_optional_defaults_are_not_sent():
    body = F.build_body(ep("cloth", variant="v3"), {"src": ["S"], "ref": ["R"]}, {"garment_category": "upper_body"})
    assert "change_shoes" not in body
    body = F.build_body(ep("bg-blur"), {"src": ["S"]}, None)
    assert body == {"src_file_id": "S"}


@pytest.mark.parametrize(
    "params",
    [
        {"features": 5, "features.nose_size": -30},
        {"features.nose_size": -30, "features": 5},
        {"features.nose_size": -30, "features.nose_size.x": 1},
    ],
)
def test_a_value_and_a_group_of_the_same_name_are_refused(params):
    with pytest.raises(InputError, match="both as a value and as a group"):
        F.build_body(ep("face-reshape"), {"src": ["FID"]}, params)


def test_missing_or_extra_files_raise():
    with pytest.raises(InputError, match="mask"):
        F.build_body(ep("generative-fill"), {"src": ["S"]}, {})
    with pytest.raises(InputError, match="takes no"):
        F.build_body(ep("sod"), {"src": ["S"], "mask": ["M"]}, {})
    with pytest.raises(InputError, match="mix"):
        F.build_body(ep("face-swap"), {"src": ["S"], "refs": ["A", "https://b"]}, {})


def test_with_defaults_keeps_flat_names():
    d = F.with_defaults(ep("face-lift"), {"features.eye_bag": 10})
    assert d["features.eye_bag"] == 10 and d["version"] == "1.0" and d["type"] == "custom"
    assert d["global.skin_smooth_strength"] == 0
    assert F.with_defaults(ep("skin-analysis"), {"dst_actions": ["wrinkle"]})["format"] == "zip"


@pytest.mark.parametrize(
    "key,api,variant,params,expected",
    [
        ("sod", "v2", None, {}, 1.0),
        ("bg-replace", "v2", None, {}, 4.0),
        ("skin-analysis", "v2", None, {"dst_actions": ["wrinkle", "pore", "acne", "texture"]}, 9.0),
        (
            "skin-analysis",
            "v2",
            None,
            {"dst_actions": ["hd_wrinkle"] + [f"hd_{x}" for x in ("pore", "acne", "texture", "redness")]},
            16.0,
        ),
        ("skin-analysis", "v2", "v2.1", {"dst_actions": list(F.face.SKIN_V2_SD)}, 16.0),
        ("face-attr-analysis", "v2", None, {"features": ["age"] * 6}, 20.0),
        ("skin-simulation", "v2", None, {"wrinkle": 0.5, "acne": 0.1}, 4.0),
        ("skin-simulation", "v2", None, dict.fromkeys(F.face.SIM_CONCERNS[:5], 0.5), 6.0),
        ("headshot", "v2", None, {"output_count": 3}, 2.0),
        ("ai-avatar", "v2", None, {"output_count": 5}, 2.0),
        ("video-sr", "v2", None, {"dst_duration": 11}, 6.0),
        ("face-swap-vid", "v2", None, {"dst_duration": 11}, 3.0),
        ("video-trans", "v2", None, {"dst_duration": 5}, 20.0),
        ("image-to-video", "v2", None, {"resolution": "1080", "dst_duration": 10}, 30.0),
        ("image-to-video", "v2", "text-to-video", {"prompt": "x"}, 15.0),  # defaults: 5 s at 1080P
        ("image-to-video", "v2", "template", {"dst_duration": 5, "mode": "pro"}, 30.0),
        ("image-to-video", "v2", "template", {"dst_duration": 5}, None),
        ("hair-style", "v2", "template", {}, None),
        ("sod", "v1", None, {}, None),
    ],
)
def test_unit_cost(key, api, variant, params, expected):
    assert F.unit_cost(ep(key, api, variant), params) == expected
