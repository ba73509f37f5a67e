"""Try-on features added from the vendor contracts: their rules, request shapes and sandbox results."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from contract_helpers import photo_array as _photo
from contract_helpers import sandbox_v2
from napari_youcam import cli, workflow
from napari_youcam import features as F
from napari_youcam.errors import InputError
from napari_youcam.features.spec import InputInfo
from napari_youcam.features.tryon import SCENE_SIZES, vto_flat_body, vto_request_body

VTO = ("ring", "bracelet", "watch", "earring", "necklace")
POLISH = {
    "sub_type": "color",
    "finger": "index",
    "color": "#C2185B",
    "texture": "cream",
    "transparency": 0,
    "reflection": 40,
    "contrast": 50,
    "roughness": 10,
}


def _solid(rgb: tuple[int, int, int], w: int = 300, h: int = 300) -> np.ndarray:
    return np.full((h, w, 3), rgb, np.uint8)


@pytest.fixture(scope="module")
def client():
    with sandbox_v2() as pair:
        yield pair


def _fields(violations) -> set[str]:
    return {v.field for v in violations}


# ---------------------------------------------------------------- 2D VTO


@pytest.mark.parametrize(
    "params,field",
    [
        ({"ring_wearing_finger": 5}, "ring_wearing_finger"),
        ({"ring_wearing_location": 1.2}, "ring_wearing_location"),
        ({"ring_anchor_point": [[1, 2]]}, "ring_anchor_point"),
        ({"ring_anchor_point": [[1, 2], [3, -4]]}, "ring_anchor_point"),
        ({"ring_shadow_intensity": 1.5}, "ring_shadow_intensity"),
    ],
)
def test_ring_refuses_out_of_contract_values(params, field):
    assert field in _fields(F.validate("ring", params))


def test_each_product_has_its_own_anchor_shape_and_ranges():
    assert F.validate("ring", {"ring_anchor_point": [[10, 20], [30, 20]], "ring_wearing_finger": 3}) == []
    assert "watch_anchor_point" in _fields(F.validate("watch", {"watch_anchor_point": [[1, 1], [2, 2]]}))
    assert F.validate("watch", {"watch_anchor_point": [[1, 1], [2, 2], [3, 3], [4, 4]]}) == []
    assert F.validate("earring", {"earring_anchor_point": [5, 6], "earring_wearing_location": [50, 60]}) == []
    assert "earring_scale" in _fields(F.validate("earring", {"earring_scale": 0}))
    assert "earring_occluded_type" in _fields(F.validate("earring", {"earring_occluded_type": 3}))
    assert "bracelet_wearing_location" in _fields(F.validate("bracelet", {"bracelet_wearing_location": -0.5}))
    assert F.validate("bracelet", {"bracelet_wearing_location": -0.3}) == []
    # a ring-only parameter on the bracelet names what the bracelet accepts
    (v,) = F.validate("bracelet", {"ring_wearing_finger": 2})
    assert "unknown parameter" in v.message


def test_necklace_and_watch_take_one_product_the_others_stack():
    two = [InputInfo(300, 300), InputInfo(300, 300)]
    assert "refs" in _fields(F.validate("necklace", {}, {"refs": two}))
    assert "refs" in _fields(F.validate("watch", {}, {"refs": two}))
    assert F.validate("bracelet", {}, {"refs": two}) == []
    # the product list is an array in every 2D VTO contract, also with a single product
    necklace = F.get("necklace").endpoint("v2")
    assert F.build_body(necklace, {"src": "S", "refs": ["P"]}, {})["ref_file_ids"] == ["P"]


@pytest.mark.parametrize("key", VTO)
def test_vto_needs_a_product_photo_before_anything_is_spent(key, client, tmp_path):
    sb, c = client
    before = len(sb.ledger)
    with pytest.raises(InputError, match="reference image"):
        workflow.run(key, _photo(), params={}, client=c, out_dir=tmp_path / "o")
    assert len(sb.ledger) == before


def test_vto_body_nests_product_parameters_like_the_contract():
    ep = F.get("bracelet").endpoint("v2")
    body = F.build_body(
        ep,
        {"src": "SRC", "mask": "MSK", "refs": ["P1", "P2"]},
        {"bracelet_shadow_intensity": 0.2, "bracelet_wearing_location": 0.5},
    )
    assert body["srcmsk_file_id"] == "MSK" and body["ref_file_ids"] == ["P1", "P2"]
    assert body["source_info"] == {"name": "SRC", "mask_name": "MSK"}
    assert [o["name"] for o in body["object_infos"]] == ["P1", "P2"]
    assert body["object_infos"][1]["parameter"] == {"bracelet_shadow_intensity": 0.2, "bracelet_wearing_location": 0.5}
    assert "bracelet_shadow_intensity" not in body
    flat = vto_flat_body(ep, body)
    assert flat["bracelet_shadow_intensity"] == 0.2 and "object_infos" not in flat
    assert vto_request_body(ep, flat) == body
    # other endpoints pass through untouched
    bag = F.get("bag").endpoint("v2")
    assert vto_request_body(bag, {"src_file_id": "S", "gender": "male"}) == {"src_file_id": "S", "gender": "male"}


def test_stacked_bracelets_both_arrive_and_the_mask_stays_in_front(client, tmp_path):
    sb, c = client
    src = _photo(400, 300)
    mask = np.zeros((300, 400), np.uint8)
    mask[:, :200] = 1  # the left half occludes the products
    res = workflow.run(
        "bracelet",
        src,
        mask=mask,
        refs=(_solid((250, 0, 0)), _solid((0, 0, 250))),
        params={"bracelet_shadow_intensity": 0.0},
        client=c,
        out_dir=tmp_path / "o",
    )
    out = res.arrays[0].astype(int)
    assert out.shape == src.shape
    red = (out[..., 0] > 200) & (out[..., 1] < 60) & (out[..., 2] < 60)
    blue = (out[..., 2] > 200) & (out[..., 0] < 60) & (out[..., 1] < 60)
    assert red.sum() + blue.sum() > 0
    assert not red[:, :195].any() and not blue[:, :195].any(), "products drawn over the occluded half"
    # the occluded half is the photo (JPEG upload, so within a small tolerance)
    assert np.abs(out[:, :190] - src[:, :190].astype(int)).mean() < 4
    task = sb.tasks[res.task_id]
    assert [k for k, _ in task.request.inputs["mask"]] == ["id"] and len(task.request.inputs["refs"]) == 2
    assert len([x for x in sb.ledger if x["task_id"] == res.task_id]) == 1


# ---------------------------------------------------------------- bag, hat, scarf, shoes


def test_scene_try_on_needs_gender_and_a_known_style():
    assert "gender" in _fields(F.validate("hat", {}))
    assert "style" in _fields(F.validate("hat", {"gender": "female", "style": "style_parisian_chic"}))
    assert F.validate("bag", {"gender": "male", "style": "style_parisian_chic"}) == []
    assert "ref" in _fields(F.validate("scarf", {"gender": "male"}, {"ref": InputInfo(400, 400)}))


def test_selfie_minimum_is_enforced_except_for_the_bag():
    small = {"src": InputInfo(480, 400, 50_000, "jpg")}
    for key in ("hat", "scarf", "shoes"):
        (v,) = F.validate(key, {"gender": "female"}, small)
        assert v.field == "src" and ">= 512" in v.message
    assert F.validate("bag", {"gender": "female"}, small) == []  # only "recommended" for bags
    (v,) = F.validate("hat", {"gender": "female"}, {"ref": InputInfo(500, 700, 50_000, "png")})
    assert v.field == "ref" and "512" in v.message


@pytest.mark.parametrize("key", sorted(SCENE_SIZES))
def test_scene_result_is_a_portrait_of_the_documented_size(key, client, tmp_path):
    _, c = client
    res = workflow.run(
        key,
        _photo(700, 600),
        refs=(_solid((10, 200, 30), 600, 600),),
        params={"gender": "male", "style": "random"},
        client=c,
        out_dir=tmp_path / "o",
    )
    w, h = SCENE_SIZES[key]
    assert res.arrays[0].shape[:2] == (h, w)
    green = (res.arrays[0][..., 1] > 170) & (res.arrays[0][..., 0] < 60)
    assert green.sum() > 0.01 * w * h, "the product photo is in the portrait"


# ---------------------------------------------------------------- nails


@pytest.mark.parametrize(
    "effect_type,effect,field",
    [
        ("press_on_nails", dict(POLISH), "effects[0]"),  # press-on colour needs shape + length, has no transparency
        ("nail_polish", dict(POLISH, texture="metallic"), "effects[0]"),  # metallic has no transparency
        ("nail_polish", dict(POLISH, texture="pearl"), "effects[0]"),  # pearl needs shimmer_opacity
        ("nail_polish", dict(POLISH, finger="toe"), "effects[0].finger"),
        ("nail_polish", dict(POLISH, color="red"), "effects[0].color"),
        ("nail_polish", dict(POLISH, reflection=101), "effects[0].reflection"),
        (
            "press_on_nails",
            {
                "sub_type": "color",
                "finger": "ring",
                "shape": "round",
                "length": 1.0,
                "color": "#000000",
                "texture": "cream",
                "reflection": 0,
                "contrast": 0,
                "roughness": 0,
            },
            "effects[0].shape",
        ),
        (
            "press_on_nails",
            {
                "sub_type": "color",
                "finger": "ring",
                "shape": "oval_oval",
                "length": 3,
                "color": "#000000",
                "texture": "pearl",
                "reflection": 0,
                "contrast": 0,
                "roughness": 0,
            },
            "effects[0].texture",
        ),
    ],
)
def test_nail_effects_follow_the_twelve_effect_schemas(effect_type, effect, field):
    assert field in _fields(F.validate("nail-vto", {"effect_type": effect_type, "effects": [effect]}))


def test_nail_design_images_are_referenced_by_index_or_url():
    design = {
        "sub_type": "design",
        "finger": "thumb",
        "texture": "matte",
        "reflection": 0,
        "contrast": 0,
        "roughness": 0,
    }
    params = {"effect_type": "press_on_nails"}
    refs = {"refs": [InputInfo(300, 600, 1000, "png")]}
    assert F.validate("nail-vto", params | {"effects": [design | {"ref_file_index": 0}]}, refs) == []
    assert "effects[0]" in _fields(F.validate("nail-vto", params | {"effects": [design]}, refs))
    both = design | {"ref_file_index": 0, "ref_file_url": "https://example.com/n.png"}
    assert "effects[0]" in _fields(F.validate("nail-vto", params | {"effects": [both]}, refs))
    (v,) = F.validate("nail-vto", params | {"effects": [design | {"ref_file_index": 1}]}, refs)
    assert v.field == "effects[0].ref_file_index" and "1 design image" in v.message
    wide = {"refs": [InputInfo(540, 260, 1000, "png")]}  # height/width < 0.5 for press-on
    assert "refs[0]" in _fields(F.validate("nail-vto", params | {"effects": [design | {"ref_file_index": 0}]}, wide))
    jpg = {"refs": [InputInfo(300, 600, 1000, "jpg")]}
    assert "refs" in _fields(F.validate("nail-vto", params | {"effects": [design | {"ref_file_index": 0}]}, jpg))


def test_nail_vto_paints_each_finger_with_its_colour_and_design(client, tmp_path):
    sb, c = client
    design = {
        "sub_type": "design",
        "finger": "pinky",
        "texture": "matte",
        "transparency": 0,
        "reflection": 0,
        "contrast": 0,
        "roughness": 0,
        "ref_file_index": 0,
    }
    res = workflow.run(
        "nail-vto",
        _photo(400, 400),
        refs=(_solid((0, 200, 0), 300, 560),),
        params={"effect_type": "nail_polish", "effects": [dict(POLISH, color="#FF0000"), design]},
        client=c,
        out_dir=tmp_path / "o",
    )
    out = res.arrays[0]
    index_slot = out[120, int(400 * (0.15 + 0.175))]
    pinky_slot = out[120, int(400 * (0.15 + 0.175 * 4))]
    assert index_slot[0] > 200 and index_slot[1] < 60
    assert pinky_slot[1] > 150 and pinky_slot[0] < 60
    assert sb.tasks[res.task_id].params["version"] == "1.0"  # required, sent although not given


def test_ai_nail_needs_a_reference_and_uses_its_colour(client, tmp_path):
    sb, c = client
    src = np.full((300, 400, 3), 128, np.uint8)
    before = len(sb.ledger)
    with pytest.raises(InputError, match="reference image"):
        workflow.run("ai-nail", src, client=c, out_dir=tmp_path / "none")
    assert len(sb.ledger) == before
    res = workflow.run("ai-nail", src, refs=(_solid((255, 0, 0)),), client=c, out_dir=tmp_path / "o")
    mean = res.arrays[0][:200, :200].reshape(-1, 3).mean(0)
    assert mean[0] > mean[1] + 40


def test_youcam_run_and_features_list_the_try_on_family(capsys, env, tmp_path):
    photo, ring = tmp_path / "hand.jpg", tmp_path / "ring.png"
    Image.fromarray(_photo()).save(photo)
    Image.fromarray(_solid((200, 180, 20))).save(ring)
    assert (
        cli.main(
            [
                "run",
                "ring",
                str(photo),
                "--ref",
                str(ring),
                "--set",
                "ring_wearing_finger=3",
                "--json",
                "--no-face-check",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "image" and data["feature"] == "ring"
    assert cli.main(["features"]) == 0
    listing = capsys.readouterr().out
    for key in VTO + tuple(SCENE_SIZES) + ("ai-nail", "nail-vto"):
        assert f"\n{key} " in listing


def test_scene_result_is_derived_from_style_and_gender(client, tmp_path):
    _, c = client
    src, ref = _photo(700, 600), _solid((10, 200, 30), 600, 600)

    def corner(style: str, gender: str, name: str) -> np.ndarray:
        res = workflow.run(
            "hat", src, refs=(ref,), params={"gender": gender, "style": style}, client=c, out_dir=tmp_path / name
        )
        return res.arrays[0][5, 5].astype(int)

    a = corner("style_bohemian", "female", "a")
    assert np.array_equal(a, corner("style_bohemian", "female", "b"))
    assert not np.array_equal(a, corner("style_warm_cozy", "female", "c"))
    assert not np.array_equal(a, corner("style_bohemian", "male", "d"))
