"""validate/check: each documented rule, passing and failing, with its message."""

from __future__ import annotations

import pytest

from napari_youcam import features as F
from napari_youcam.errors import InputError
from napari_youcam.features import InputInfo

MiB = 1024 * 1024


def fields(violations):
    return [v.field for v in violations]


def msgs(violations):
    return " | ".join(v.message for v in violations)


# ---------------------------------------------------------------- generic checks


def test_unknown_param_suggests_closest_name():
    v = F.validate("bg-blur", {"intensty": 30})
    assert fields(v) == ["intensty"]
    assert "did you mean 'intensity'" in v[0].message


def test_unknown_dotted_param_suggests_by_last_part():
    v = F.validate("face-lift", {"features.eyebag": 10})
    assert "features.eyebag" in fields(v)
    assert "'features.eye_bag'" in msgs(v)


def test_param_of_other_generation_points_there():
    v = F.validate("skin-analysis", {"dst_actions": ["wrinkle"], "pf_camera_kit": True}, variant="v2.0")
    assert fields(v) == ["pf_camera_kit"]
    assert "v2.1" in v[0].message
    assert F.validate("skin-analysis", {"dst_actions": ["wrinkle"], "pf_camera_kit": True}, variant="v2.1") == []


def test_wrong_types_are_reported():
    v = F.validate("bg-blur", {"intensity": "50"})
    assert fields(v) == ["intensity"] and "whole number" in v[0].message
    v = F.validate("bg-blur", {"intensity": True})
    assert fields(v) == ["intensity"]
    v = F.validate("skin-simulation", {"wrinkle": "high"})
    assert "must be a number" in msgs(v)
    v = F.validate("text-to-image", {"prompt": 5})
    assert fields(v) == ["prompt"] and "must be text" in v[0].message


def test_range_and_enum():
    v = F.validate("bg-blur", {"intensity": 101})
    assert "above the maximum 100" in v[0].message
    v = F.validate("enhance", {"scale": 3})
    assert fields(v) == ["scale"] and "pick one of 1, 2, 4" in v[0].message
    assert F.validate("enhance", {"scale": 4}) == []
    assert fields(F.validate("enhance", {})) == ["scale"]


def test_all_violations_are_collected():
    v = F.validate("out-paint", {"output_width": 0, "bogus": 1})
    got = fields(v)
    assert "output_width" in got and "bogus" in got
    assert {"output_height", "input_x", "crop_input_height"} <= set(got)  # required ones missing


def test_nested_params_are_accepted_like_dotted():
    nested = {"features": {"nose_size": -30}, "global": {"skin_smooth_strength": 10}}
    assert F.validate("face-reshape", nested) == []
    assert F.with_defaults(F.get("face-reshape").endpoint(), nested)["features.nose_size"] == -30


def test_check_raises_input_error_with_all_violations():
    with pytest.raises(InputError) as exc:
        F.check("obj-replace", {"promt": "cat"})
    assert len(exc.value.violations) == 2
    assert "prompt is required for obj-replace: type what should appear in the masked area" in str(exc.value)
    assert exc.value.exit_code == 2
    F.check("obj-replace", {"prompt": "a cat"})  # no exception


# ---------------------------------------------------------------- input files


def test_long_side_and_size_messages():
    v = F.validate("sod", {}, {"src": InputInfo(5000, 3000, nbytes=11 * MiB, format="webp")})
    m = msgs(v)
    assert "long side 5000 px > 4096: downscale (youcam prepare does it)" in m
    assert "convert to jpg/png" in m
    assert "under 10 MiB" in m
    assert F.validate("sod", {}, {"src": InputInfo(4096, 3000, nbytes=10 * MiB - 1, format="jpeg")}) == []


def test_max_bytes_is_strict():
    v = F.validate("sod", {}, {"src": InputInfo(100, 100, nbytes=10 * MiB)})
    assert fields(v) == ["src"]


def test_replace_v2_long_side_2048_v1_4096():
    big = {"src": InputInfo(3000, 2000)}
    assert "> 2048" in msgs(F.validate("obj-replace", {"prompt": "x"}, big))
    assert F.validate("obj-replace", {"prompt": "x"}, big, api="v1") == []


def test_hair_color_per_axis_conservative_limits():
    ok = {"src": InputInfo(1919, 1079)}
    assert F.validate("hair-color", {"preset": "Jet Black"}, ok) == []
    v = F.validate("hair-color", {"preset": "Jet Black"}, {"src": InputInfo(1000, 1500)})
    assert "height 1500 px must be < 1080" in msgs(v)
    v = F.validate("hair-color", {"preset": "Jet Black"}, {"src": InputInfo(1920, 1000)})
    assert "long side 1920 px must be < 1920" in msgs(v)
    v = F.validate("hair-color", {"preset": "Jet Black"}, {"src": InputInfo(300, 500)})
    assert "both sides must be >= 320" in msgs(v)
    assert F.validate("hair-color", {"preset": "Jet Black"}, {"src": InputInfo(300, 500)}, api="v1") == []


def test_face_analyzer_min_side_per_generation():
    p = {"features": ["age"]}
    assert "both sides must be >= 320" in msgs(F.validate("face-attr-analysis", p, {"src": InputInfo(319, 600)}))
    assert F.validate("face-attr-analysis", p, {"src": InputInfo(319, 600)}, api="v1") == []
    assert "both sides must be >= 100" in msgs(
        F.validate("face-attr-analysis", p, {"src": InputInfo(99, 600)}, api="v1")
    )
    v = F.validate("face-attr-analysis", p, {"src": InputInfo(800, 600, format="png")})
    assert "convert to jpg/jpeg" in msgs(v)


def test_mask_must_match_source_size():
    v = F.validate("generative-fill", {}, {"src": InputInfo(800, 600), "mask": InputInfo(400, 300)})
    assert fields(v) == ["mask"] and "must match the photo" in v[0].message
    assert F.validate("generative-fill", {}, {"src": InputInfo(800, 600), "mask": InputInfo(800, 600)}) == []


def test_input_role_not_taken():
    v = F.validate("sod", {}, {"src": InputInfo(10, 10), "mask": InputInfo(10, 10)})
    assert fields(v) == ["mask"] and "takes no 'mask'" in v[0].message


def test_too_many_files():
    v = F.validate("text-to-image", {"prompt": "x"}, {"srcs": [InputInfo(500, 500)] * 4}, variant="image-to-image")
    assert "at most 3" in msgs(v)


# ---------------------------------------------------------------- skin analysis


def test_skin_hd_sd_mix():
    v = F.validate("skin-analysis", {"dst_actions": ["hd_pore", "wrinkle"]})
    assert msgs(v) == "dst_actions mixes HD (hd_pore) and SD (wrinkle) concerns: pick one set"


def test_skin_v2_any_count_and_new_values():
    assert F.validate("skin-analysis", {"dst_actions": ["tear_trough"]}) == []
    assert F.validate("skin-analysis", {"dst_actions": list(F.face.SKIN_V2_HD)}) == []
    assert "at least 1" in msgs(F.validate("skin-analysis", {"dst_actions": []}))
    v = F.validate("skin-analysis", {"dst_actions": ["wrinkle", "wrinkle"]})
    assert "more than once" in msgs(v)


def test_skin_v1_exact_counts_and_no_v2_only_values():
    four = ["wrinkle", "pore", "texture", "acne"]
    assert F.validate("skin-analysis", {"dst_actions": four}, api="v1") == []
    assert F.validate("skin-analysis", {"dst_actions": list(F.face.SKIN_V1_HD)}, api="v1") == []
    v = F.validate("skin-analysis", {"dst_actions": four + ["redness"]}, api="v1")
    assert "exactly 4, 7 or 14 distinct concerns, got 5" in msgs(v)
    v = F.validate("skin-analysis", {"dst_actions": ["wrinkle", "pore", "texture", "tear_trough"]}, api="v1")
    assert fields(v) == ["dst_actions"]
    assert "'tear_trough'" in v[0].message and "v2" in v[0].message
    v = F.validate("skin-analysis", {"dst_actions": four, "format": "json"}, api="v1")
    assert fields(v) == ["format"]


def test_skin_dimension_rules_depend_on_hd():
    sd, hd = {"dst_actions": ["wrinkle"]}, {"dst_actions": ["hd_wrinkle"]}
    img = {"src": InputInfo(800, 1000)}
    assert F.validate("skin-analysis", sd, img) == []
    assert "short side 800 px < 1080" in msgs(F.validate("skin-analysis", hd, img))
    assert "short side 400 px < 480" in msgs(F.validate("skin-analysis", sd, {"src": InputInfo(400, 600)}))
    big = {"src": InputInfo(2400, 3000)}
    assert "> 2560" in msgs(F.validate("skin-analysis", hd, big))
    v1 = {"dst_actions": ["wrinkle", "pore", "texture", "acne"]}
    assert "> 1920" in msgs(F.validate("skin-analysis", v1, {"src": InputInfo(1500, 2000)}, api="v1"))
    v1hd = {"dst_actions": ["hd_wrinkle", "hd_pore", "hd_texture", "hd_acne"]}
    assert F.validate("skin-analysis", v1hd, {"src": InputInfo(1500, 2000)}, api="v1") == []
    assert F.limits_for(F.get("skin-analysis").endpoint(), hd).short_min == 1080


def test_skin_output_kind_follows_format():
    e = F.get("skin-analysis").endpoint()
    assert F.output_kind(e, {"dst_actions": ["wrinkle"]}) == "zip"
    assert F.output_kind(e, {"dst_actions": ["wrinkle"], "format": "json"}) == "json"


# ---------------------------------------------------------------- face lift / reshape / simulation


def test_face_reshape_features_not_all_zero():
    v = F.validate("face-reshape", {"features.eye_size": 0, "global.skin_smooth_strength": 0})
    assert fields(v) == ["features"] and "all features are zero" in v[0].message
    assert F.validate("face-reshape", {"features.eye_size": 10}) == []
    assert "below the minimum -100" in msgs(F.validate("face-reshape", {"features.nose_size": -101}))
    assert "below the minimum 0" in msgs(F.validate("face-reshape", {"features.jaw": -1}))


def test_face_lift_rules():
    assert fields(F.validate("face-lift", {})) == ["features"]
    assert F.validate("face-lift", {"type": "auto"}) == []
    assert F.validate("face-lift", {"features.eye_bag": 60}) == []
    assert "above the maximum 100" in msgs(F.validate("face-lift", {"features.eye_bag": 101}))
    v = F.validate("face-lift", {"type": "smart", "features.cheek": 1})
    assert fields(v) == ["type"]


def test_skin_simulation_not_all_zero():
    assert fields(F.validate("skin-simulation", {"wrinkle": 0})) == ["concerns"]
    assert F.validate("skin-simulation", {"wrinkle": 0.5}) == []
    assert "above the maximum 1" in msgs(F.validate("skin-simulation", {"wrinkle": 1.5}))


def test_face_analyzer_feature_values():
    assert fields(F.validate("face-attr-analysis", {})) == ["features"]
    v = F.validate("face-attr-analysis", {"features": ["faceAspectRatio"]}, api="v1")
    assert "only exist(s) in the v2 endpoint" in msgs(v)
    assert F.validate("face-attr-analysis", {"features": ["faceAspectRatio"]}) == []
    v = F.validate("face-attr-analysis", {"features": ["age"], "face_angle_strictness_level": "loose"})
    assert fields(v) == ["face_angle_strictness_level"]


# ---------------------------------------------------------------- retouch


def test_replace_prompt_required_message():
    v = F.validate("obj-replace", {})
    assert [str(x) for x in v] == [
        "prompt: prompt is required for obj-replace: type what should appear in the masked area"
    ]
    assert fields(F.validate("obj-replace", {}, api="v1")) == ["prompt"]


OUT = {
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


def test_out_paint_valid_example():
    assert F.validate("out-paint", OUT, {"src": InputInfo(480, 640, format="jpg")}) == []


def test_out_paint_containment_and_crop():
    v = F.validate("out-paint", {**OUT, "input_x": 600}, {"src": InputInfo(480, 640)})
    assert fields(v) == ["input_width"] and "1080 > output_width 960" in v[0].message
    v = F.validate("out-paint", {**OUT, "input_y": 700})
    assert fields(v) == ["input_height"]
    v = F.validate("out-paint", {**OUT, "crop_input_x": 10}, {"src": InputInfo(480, 640)})
    assert fields(v) == ["crop_input_width"] and "inside the photo" in v[0].message
    v = F.validate("out-paint", {**OUT, "crop_input_height": 700}, {"src": InputInfo(480, 640)})
    assert fields(v) == ["crop_input_height"]


def test_out_paint_output_must_be_larger():
    same = {**OUT, "output_width": 480, "output_height": 640, "input_x": 0, "input_y": 0}
    v = F.validate("out-paint", same)
    assert fields(v) == ["output_width"] and "not larger" in v[0].message


def test_out_paint_v2_jpeg_only_and_v1_output_cap():
    v = F.validate("out-paint", OUT, {"src": InputInfo(480, 640, format="png")})
    assert "convert to jpg/jpeg" in msgs(v)
    assert F.validate("out-paint", OUT, {"src": InputInfo(480, 640, format="png")}, api="v1") == []
    big = {**OUT, "output_width": 2000, "output_height": 1280}
    assert F.validate("out-paint", big) == []
    v = F.validate("out-paint", big, api="v1")
    assert "short side 1024 / long side 2048" in msgs(v)


def test_out_paint_ranges():
    v = F.validate("out-paint", {**OUT, "output_width": 5000})
    assert "above the maximum 4096" in msgs(v)
    v = F.validate("out-paint", {**OUT, "input_width": 0})
    assert "below the minimum 1" in msgs(v)


# ---------------------------------------------------------------- hair color


def test_hair_color_preset_or_pattern():
    assert F.validate("hair-color", {"preset": "Honey Blonde"}) == []
    assert fields(F.validate("hair-color", {})) == ["preset"]
    assert fields(F.validate("hair-color", {"preset": "Honey"})) == ["preset"]
    full = {"pattern.name": "full", "palettes": [{"color": "#6B3E26", "color_intensity": 80}]}
    assert F.validate("hair-color", full) == []
    v = F.validate("hair-color", {**full, "preset": "Jet Black"})
    assert fields(v) == ["preset"] and "drop one" in v[0].message
    assert fields(F.validate("hair-color", {"pattern.name": "full"})) == ["palettes"]


def test_hair_color_palette_rules():
    v = F.validate("hair-color", {"pattern.name": "full", "palettes": [{"color": "#6B3E2"}]})
    assert fields(v) == ["palettes[0].color"]
    v = F.validate("hair-color", {"pattern.name": "full", "palettes": [{"color": "#000000"}, {"color": "#FFFFFF"}]})
    assert "exactly 1 palette" in msgs(v)
    v = F.validate("hair-color", {"pattern.name": "full", "palettes": [{"color": "#000000", "shine_intensity": 101}]})
    assert fields(v) == ["palettes[0].shine_intensity"]


def test_hair_color_ombre_needs_three_pattern_fields_and_two_palettes():
    pal2 = [{"color": "#000000"}, {"color": "#c0c0c0"}]
    v = F.validate("hair-color", {"pattern.name": "ombre", "palettes": pal2})
    assert set(fields(v)) == {"pattern.blend_strength", "pattern.line_offset", "pattern.coloring_section"}
    ok = {
        "pattern.name": "ombre",
        "pattern.blend_strength": 50,
        "pattern.line_offset": 0.2,
        "pattern.coloring_section": "top",
        "palettes": pal2,
    }
    assert F.validate("hair-color", ok) == []
    assert F.validate("hair-color", ok, api="v1") == []
    assert "exactly 2" in msgs(F.validate("hair-color", {**ok, "palettes": pal2[:1]}))
    assert "above the maximum 0.99" in msgs(F.validate("hair-color", {**ok, "pattern.line_offset": 1.0}))


# ---------------------------------------------------------------- generate


def test_portrait_templates():
    assert F.validate("headshot", {"template_id": "t1", "output_count": 4}) == []
    v = F.validate("headshot", {"template_id": "t1", "output_count": 201})
    assert "above the maximum 200" in msgs(v)
    assert set(fields(F.validate("ai-avatar", {}))) == {"template_id", "output_count"}
    v1 = {"style_group_id": 18213963761051864, "style_ids": [22205685004925400], "output_count": 2}
    assert F.validate("headshot", v1, api="v1") == []
    v = F.validate("headshot", {**v1, "style_ids": [1, 2, 3]}, api="v1")
    assert "at most output_count" in msgs(v)
    v = F.validate("ai-studio", {**v1, "style_ids": "22205685004925400"}, api="v1")
    assert fields(v) == ["style_ids"]


def test_template_features_v1_style_ids_exactly_one():
    ok = {"style_group_id": 1, "style_ids": [2]}
    assert F.validate("hair-ext", ok, api="v1") == []
    assert "exactly one" in msgs(F.validate("hair-ext", {**ok, "style_ids": [2, 3]}, api="v1"))
    v = F.validate("hair-ext", {"template_id": "x"}, api="v1")
    assert "belongs to the v2" in msgs(v)
    assert F.validate("hair-ext", {"template_id": "x"}) == []


def test_image_generator_prompts():
    assert F.validate("text-to-image", {"prompt": "cat"}) == []  # model default is sent
    v = F.validate("text-to-image", {"prompt": "x" * 801})
    assert "the limit is 800" in msgs(v)
    v = F.validate("text-to-image", {"prompt": "cat", "negative_prompt": ""})
    assert fields(v) == ["negative_prompt"]
    v = F.validate("text-to-image", {"prompt": "cat", "size": "1024*1024"})
    assert fields(v) == ["size"]
    tpl = {"prompt": "x" * 501, "template_id": "t"}
    assert "the limit is 500" in msgs(F.validate("text-to-image", tpl, variant="template"))
    v = F.validate("text-to-image", {"prompt": "cat", "template_id": "t", "seed": [1, 2]}, variant="template")
    assert fields(v) == ["seed"]
    v1 = {"prompt": "cat", "style_group_id": 1, "style_ids": [2], "seed": [42]}
    assert F.validate("text-to-image", v1, api="v1") == []


def test_image_to_image_sources_and_size():
    p = {"prompt": "cat", "size": "1024*768"}
    srcs = {"srcs": [InputInfo(500, 500, format="webp"), InputInfo(3072, 384)]}
    assert F.validate("text-to-image", p, srcs, variant="image-to-image") == []
    v = F.validate("text-to-image", {**p, "size": "4096*1024"}, variant="image-to-image")
    assert fields(v) == ["size"]
    v = F.validate("text-to-image", p, {"srcs": [InputInfo(383, 500)]}, variant="image-to-image")
    assert "both sides must be >= 384" in msgs(v)


def test_bg_replace_type_rules():
    assert F.validate("bg-replace", {"prompt": "beach"}) == []
    assert F.validate("bg-replace", {"type": "template", "template_id": "nature"}) == []
    assert fields(F.validate("bg-replace", {"template_id": "nature"})) == ["template_id"]
    assert fields(F.validate("bg-replace", {"type": "template", "prompt": "x"})) == ["prompt"]


# ---------------------------------------------------------------- style


def test_face_swap_mapping():
    refs = {"refs": [InputInfo(500, 500)] * 2}
    ok = {"face_mapping": [{"index": 0, "position": 0}, {"index": -1, "position": -1}, {"index": 1, "position": 2}]}
    assert F.validate("face-swap", ok, refs) == []
    assert fields(F.validate("face-swap", {})) == ["face_mapping"]
    v = F.validate("face-swap", {"face_mapping": [{"index": 2, "position": 0}]}, refs)
    assert "only 2 reference image(s)" in msgs(v)
    v = F.validate("face-swap", {"face_mapping": [{"index": -1, "position": 0}]})
    assert "both index and position to -1" in msgs(v)
    v = F.validate("face-swap", {"face_mapping": [{"index": 0}]})
    assert fields(v) == ["face_mapping[0]"]
    v = F.validate("face-swap", {"face_mapping": [{"index": 0, "position": 1}, {"index": 0, "position": 1}]})
    assert "mapped twice" in msgs(v)


# ---------------------------------------------------------------- fashion


def test_cloth_variants():
    ref = {"src": InputInfo(768, 1024), "ref": InputInfo(768, 1024)}
    assert F.validate("cloth", {"garment_category": "upper_body"}, ref) == []
    assert F.validate("cloth", {"template_id": "t"}, {"src": InputInfo(768, 1024)}) == []
    v = F.validate("cloth", {"template_id": "t", "garment_category": "upper_body"}, ref)
    assert "not both" in msgs(v)
    v = F.validate("cloth", {}, ref)
    assert fields(v) == ["garment_category"]
    assert fields(F.validate("cloth", {}, {"src": InputInfo(768, 1024)})) == ["ref"]
    assert fields(F.validate("cloth", {"garment_category": "outer"}, ref, variant="v3")) == ["garment_category"]
    assert F.validate("cloth", {"garment_category": "outer"}, ref, variant="v4") == []
    assert fields(F.validate("cloth", {"garment_category": "shoes"}, ref, api="v1")) == ["garment_category"]
    v = F.validate(
        "cloth", {"garment_category": "upper_body"}, {"src": InputInfo(500, 380), "ref": InputInfo(800, 600)}
    )
    assert "long side 500 px < 512" in msgs(v) and "short side 380 px < 384" in msgs(v)


def test_hair_transfer_v21_ref_or_template():
    src = {"src": InputInfo(800, 1000)}
    assert F.validate("hair-style", {"template_id": "t", "hair_color": "src"}, src, variant="transfer-v2.1") == []
    v = F.validate("hair-style", {}, src, variant="transfer-v2.1")
    assert fields(v) == ["template_id"]
    v = F.validate("hair-style", {"hair_color": "src"}, {**src, "ref": InputInfo(800, 1000)}, variant="transfer-v2.1")
    assert fields(v) == ["hair_color"]
    assert "long side 1100 px > 1024" in msgs(
        F.validate("hair-style", {"template_id": "t"}, {"src": InputInfo(800, 1100)})
    )


# ---------------------------------------------------------------- video


def test_video_duration_and_size():
    clip = {"src": InputInfo(1920, 1080, nbytes=50 * MiB, format="mp4", duration_s=12.4)}
    assert F.validate("video-sr", {"dst_duration": 12}, clip) == []
    assert F.validate("video-sr", {"dst_duration": 13}, clip) == []
    v = F.validate("video-sr", {"dst_duration": 10}, clip)
    assert "does not match the video length 12.4 s" in msgs(v)
    long = {"src": InputInfo(1920, 1080, nbytes=100 * MiB, format="avi", duration_s=45)}
    v = F.validate("face-swap-vid", {"dst_duration": 45}, {**long, "ref": InputInfo(800, 800, format="jpg")})
    m = msgs(v)
    assert "above the maximum 30" in m and "the limit is 30 s" in m and "under 100 MiB" in m
    assert "convert to mp4/mov" in m
    assert F.validate("video-sr", {"dst_duration": 45}, {"src": InputInfo(1920, 1080, duration_s=45)}) == []
    v = F.validate("video-sr", {"dst_duration": 10}, {"src": InputInfo(2560, 1440, duration_s=10)})
    assert "> 2048" in msgs(v)
    assert fields(F.validate("video-sr", {})) == ["dst_duration"]


def test_video_face_swap_ref_uses_image_limits():
    info = {"src": InputInfo(1280, 720, format="mp4", duration_s=5), "ref": InputInfo(800, 800, format="mp4")}
    v = F.validate("face-swap-vid", {"dst_duration": 5}, info)
    assert fields(v) == ["ref"] and "jpg/jpeg/png" in v[0].message


def test_image_to_video_variants():
    youcam = {"resolution": "720", "dst_duration": 5}
    assert F.validate("image-to-video", youcam) == []
    assert fields(F.validate("image-to-video", {**youcam, "resolution": 720})) == ["resolution"]
    assert fields(F.validate("image-to-video", {**youcam, "resolution": "720P"})) == ["resolution"]
    assert fields(F.validate("image-to-video", {**youcam, "dst_duration": 7})) == ["dst_duration"]
    v = F.validate("image-to-video", youcam, {"src": InputInfo(3000, 1000)})
    assert "aspect ratio 3000:1000 is outside 1:2.5..2.5:1" in msgs(v)
    t2v = {"prompt": "a cat surfing", "resolution": "720P", "ratio": "9:16", "dst_duration": 15}
    assert F.validate("image-to-video", t2v, variant="text-to-video") == []
    assert fields(F.validate("image-to-video", {**t2v, "dst_duration": 16}, variant="text-to-video")) == [
        "dst_duration"
    ]
    assert fields(F.validate("image-to-video", {**t2v, "ratio": "21:9"}, variant="text-to-video")) == ["ratio"]
    tpl = {"template_id": "t", "dst_duration": 10, "mode": "pro"}
    assert F.validate("image-to-video", tpl, {"src": InputInfo(300, 300)}, variant="template") == []
    assert "both sides must be >= 300" in msgs(
        F.validate("image-to-video", tpl, {"src": InputInfo(299, 400)}, variant="template")
    )
    v1 = {"style_group_id": 1, "style_ids": [2], "dst_duration": 5}
    assert F.validate("image-to-video", v1, api="v1") == []
