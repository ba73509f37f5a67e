"""Synthetic results of the analyzer, face and video features added from the vendor contracts.

Each generator registers itself with `results.register`; importing this module is enough.
Analyzer answers are picked from the contract's enums by hashing the input bytes (so the
same photo always gets the same answer) and carry ``"sandbox": true``; image results are
the source changed in a region the feature would touch, stamped like every other result.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from napari_youcam.features.spec import Endpoint
from napari_youcam.limits import JsonObject

from .results import (
    Artifact,
    EngineError,
    Inputs,
    Outcome,
    color_of,
    digest,
    face_ellipse_mask,
    fit_within,
    image_artifact,
    register,
    tint,
    video_from_image,
)

# ---------------------------------------------------------------- analyzers

FITZPATRICK = ("I", "II", "III", "IV", "V", "VI")
EYE_NAMES = ("Amber", "Brown", "Green", "Blue", "Gray", "Other")
HAIR_HEX = ("#a0a0a0", "#722626", "#000000", "#FAF0BE", "#42280E", "#808080", "#B56637")
HAIR_NAMES = ("Auburn", "Black", "Blonde", "Brown", "Grey/White", "Red")
HAIR_TYPE_MAPPING = (
    "1 to 2a",
    "2a to 2b",
    "2b to 2c",
    "2c to 3a",
    "3a to 3b",
    "3b to 3c",
    "3c to 4a",
    "4a to 4b",
    "4b to 4c",
)
HAIR_TYPE_TERM = (
    "Straight to Slight Wavy",
    "Slight to Medium Wavy",
    "Medium to Thick Wavy",
    "Thick Wavy to Loose Curls",
    "Loose to Medium Curls",
    "Medium to Tight Curls",
    "Tight Curls to Kinky Soft",
    "Kinky Soft to Coily",
    "Coily to Extremely Coily",
)
HAIR_LENGTH = (
    "above the ears",
    "ear length",
    "ear length or longer",
    "short hair",
    "short hair or longer",
    "above chest",
    "above chest or longer",
    "long hair",
)
DENSITY_TERM = ("Extremely Low Density", "Low Density", "Medium Density", "High Density")
FRIZZ_TERM = ("Not Frizzy", "Slightly Frizzy", "Frizzy", "Extreme Frizzy")


def _hex(*parts: object) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color_of(*parts))


def _pick(d: bytes, i: int, n: int) -> int:
    return d[i % len(d)] % n


def _same_size(inp: Inputs) -> None:
    sizes = {im.size for im in inp.srcs}
    if len(sizes) > 1:
        raise EngineError("error_mismatch_image_size", "the front, right and left photos differ in size")


def analyzer_result(feature: str, inp: Inputs) -> JsonObject:
    """The contract's result object for one analyzer, values hashed from the input bytes."""
    d = digest(inp.src_bytes, feature)
    if feature == "fitzpatrick-scale-analyzer":
        return {"fitzpatrick_scale": FITZPATRICK[_pick(d, 0, 6)], "timed": 0.05, "sandbox": True}
    if feature == "skin-tone-analysis":
        hair = _pick(d, 2, len(HAIR_HEX))
        return {
            "face_quality": {
                "has_face": True,
                "area": "good",
                "frontal": "good",
                "lighting": "good",
                "faceangle": "good",
            },
            "color": {
                "eye_color": _hex(inp.src_bytes, "eye"),
                "eye_color_name": EYE_NAMES[_pick(d, 1, 6)],
                "lip_color": _hex(inp.src_bytes, "lip"),
                "eyebrow_color": _hex(inp.src_bytes, "brow"),
                "skin_color": _hex(inp.src_bytes, "skin"),
                "hair_color": HAIR_HEX[hair],
                "hair_color_name": HAIR_NAMES[hair % len(HAIR_NAMES)],
            },
            "sandbox": True,
        }
    if feature == "hair-type-detection":
        i = _pick(d, 3, len(HAIR_TYPE_MAPPING))
        return {"hair_type": {"mapping": HAIR_TYPE_MAPPING[i], "term": HAIR_TYPE_TERM[i]}, "sandbox": True}
    if feature == "hair-length-detection":
        return {"hair_length": {"term": HAIR_LENGTH[_pick(d, 4, len(HAIR_LENGTH))]}, "sandbox": True}
    if feature == "hair-density-detection":
        level = (d[5] * 256 + d[6]) % 301 / 100  # 0.00..3.00, written as text like the contract's "2.16"
        return {
            "timed": 0.05,
            "hair_density": {"mapping": f"{level:.2f}", "term": DENSITY_TERM[min(3, int(level))]},
            "sandbox": True,
        }
    i = _pick(d, 7, 4)
    return {"hair_frizziness": {"mapping": i, "term": FRIZZ_TERM[i]}, "sandbox": True}


_ANALYZERS = (
    "fitzpatrick-scale-analyzer",
    "skin-tone-analysis",
    "hair-type-detection",
    "hair-length-detection",
    "hair-density-detection",
    "hair-frizziness-detection",
)


@register(*_ANALYZERS)
def _analyzer(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    _same_size(inp)
    return Outcome("json", [], analyzer_result(feature, inp))


# ---------------------------------------------------------------- face effects


def region_tint(
    src: Image.Image, box: tuple[float, float, float, float], color: tuple[int, int, int], amount: float
) -> Image.Image:
    """``src`` with the fractional box (x0, y0, x1, y1) blended towards ``color``."""
    img = src.convert("RGB")
    w, h = img.size
    px = (
        int(box[0] * w),
        int(box[1] * h),
        max(int(box[0] * w) + 1, int(box[2] * w)),
        max(int(box[1] * h) + 1, int(box[3] * h)),
    )
    img.paste(tint(img.crop(px), color, amount), px[:2])
    return img


_MOUTH = (0.35, 0.62, 0.65, 0.78)
_EYES = (0.28, 0.35, 0.72, 0.45)
_JAW = (0.25, 0.62, 0.75, 0.95)
_AGING_STEPS = 6  # the contract's sample has 16; fewer keeps the sandbox quick


@register("aging")
def _aging(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    base = fit_within(inp.image().convert("RGB"), 512, 512)
    gray = base.convert("L").convert("RGB")
    arts = [
        image_artifact(Image.blend(base, gray, i / (_AGING_STEPS - 1)), f"age_{i}.png") for i in range(_AGING_STEPS)
    ]
    return Outcome("output", arts)


def _first_palette_color(p: JsonObject) -> tuple[int, int, int] | None:
    for effect in p.get("effects") or []:
        for pal in (effect.get("palettes") or []) if isinstance(effect, dict) else []:
            hexcol = pal.get("color") if isinstance(pal, dict) else None
            if isinstance(hexcol, str) and len(hexcol) == 7:
                return int(hexcol[1:3], 16), int(hexcol[3:5], 16), int(hexcol[5:7], 16)
    return None


@register("ai-smile", "teeth-whiten", "eye-color-vto", "beard-style", "makeup-vto", "look-vto")
def _face_effect(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    src = inp.image()
    if feature == "ai-smile":
        img = region_tint(src, _MOUTH, color_of("smile", p.get("expression_type")), 0.35)
    elif feature == "teeth-whiten":
        img = region_tint(src, _MOUTH, (255, 255, 255), float(p.get("effect.whitening_intensity") or 0) / 200)
    elif feature == "eye-color-vto":
        lens = tuple(int(x) for x in np.asarray(inp.refs[0].convert("RGB")).reshape(-1, 3).mean(0))
        img = region_tint(src, _EYES, lens, float(p.get("effect.intensity") or 1) / 200)  # type: ignore[arg-type]
    elif feature == "beard-style":
        img = region_tint(src, _JAW, color_of("beard", p.get("template_id")), 0.4)
    elif feature == "makeup-vto":
        color = _first_palette_color(p) or color_of("makeup", p.get("effects"))
        img = Image.composite(tint(src, color, 0.3), src.convert("RGB"), face_ellipse_mask(src.size))
    else:  # look-vto
        img = Image.composite(
            tint(src, color_of("look", p.get("template_id")), 0.3), src.convert("RGB"), face_ellipse_mask(src.size)
        )
    return Outcome("url", [image_artifact(img, "result.png")])


# ---------------------------------------------------------------- video editing


def _video_of(img: Image.Image, fallback: bytes) -> Artifact:
    """A short stamped mp4 of ``img``; the uploaded video back when no encoder is available."""
    data = video_from_image(img, 1.0)
    return Artifact(data or fallback, "video/mp4", "result.mp4")


@register("bg-replace-vid")
def _bg_replace_vid(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    # The background image with a "person" (an ellipse coloured from the video bytes) in front.
    frame = inp.refs[0].convert("RGB")
    person = Image.new("RGB", frame.size, color_of("subject", inp.src_raw[:4096], p.get("background_mode")))
    return Outcome("url", [_video_of(Image.composite(person, frame, face_ellipse_mask(frame.size)), inp.src_raw)])


@register("obj-rem-vid")
def _obj_rem_vid(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    if inp.mask is None:
        raise EngineError("error_decode_mask", "obj-rem-vid needs a mask image")
    mask = inp.mask.convert("L")
    if not (np.asarray(mask) > 127).any():
        raise EngineError("invalid_parameter", "the mask is empty: nothing to remove")
    # One flat frame the size of the mask: the masked object is gone, nothing else is known.
    frame = Image.new("RGB", mask.size, color_of("frame", inp.src_raw[:4096], p.get("frame_idx")))
    return Outcome("url", [_video_of(frame, inp.src_raw)])
