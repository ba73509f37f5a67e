"""Synthetic results of the virtual try-on (accessories, nails) and body features.

Each generator registers itself with `results.register`; importing this module is enough.
Like every sandbox result the pixels are plainly fake but derived from the inputs,
so a test can tell that the right files and params arrived:

* 2D VTO (ring, bracelet, watch, earring, necklace): each product photo pasted as
  a thumbnail onto the photo, one per product, at a place derived from the
  params; pixels under the occlusion mask keep the photo (the mask is "in front").
* bag / hat / scarf / shoes: a new portrait of the documented size; background
  colour from feature + style + gender, the photo in the middle, the product in
  the zone where it is worn.
* ai-nail: the photo tinted with the reference's mean colour.
* nail-vto: one coloured dot per effect at its finger's slot.
* abs / breast shape: a band (belly / chest) tinted, stronger with `intensity`.
* body reshape: the photo tinted by the params, plus the documented booleans.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PIL import Image, ImageDraw

from napari_youcam.features.spec import Endpoint
from napari_youcam.features.tryon import SCENE_SIZES
from napari_youcam.limits import JsonObject

from .results import (
    EngineError,
    Inputs,
    Outcome,
    color_of,
    digest,
    face_boxes,
    fit_within,
    image_artifact,
    register,
    tint,
)

VTO_KEYS = ("ring", "bracelet", "watch", "earring", "necklace")
_FINGER_SLOTS = ("thumb", "index", "middle", "ring", "pinky")


def _mean_color(img: Image.Image) -> tuple[int, int, int]:
    arr = np.asarray(img.convert("RGB")).reshape(-1, 3).mean(0)
    return int(arr[0]), int(arr[1]), int(arr[2])


def _fraction(*parts: object) -> float:
    """A number in [0, 1) derived from `parts`."""
    return int.from_bytes(digest(*parts)[:4], "big") / 2**32


@register(*VTO_KEYS)
def vto_product(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    """Paste every product photo as a thumbnail; the occlusion mask stays in front."""
    photo = inp.image().convert("RGB")
    out = photo.copy()
    w, h = out.size
    side = max(8, min(w, h) // 5)
    shadow = float(p.get(f"{feature}_shadow_intensity") or 0.0)
    draw = ImageDraw.Draw(out, "RGBA")
    for i, product in enumerate(inp.refs):
        x = int((w - side) * _fraction(feature, p, i, "x"))
        y = int((h - side) * _fraction(feature, p, i, "y"))
        if shadow > 0:
            draw.rectangle((x + 3, y + 3, x + side + 3, y + side + 3), fill=(0, 0, 0, int(255 * shadow)))
        out.paste(product.convert("RGB").resize((side, side)), (x, y))
    if inp.mask is not None:
        out = Image.composite(photo, out, inp.mask.convert("L").point(lambda v: 255 if v > 127 else 0))
    return Outcome("url", [image_artifact(out, "result.png")])


# Where the product is worn, as (x0, y0, x1, y1) fractions of the portrait.
_ZONES = {
    "hat": (0.3, 0.02, 0.7, 0.22),
    "scarf": (0.3, 0.35, 0.7, 0.5),
    "bag": (0.65, 0.45, 0.95, 0.7),
    "shoes": (0.3, 0.8, 0.7, 0.97),
}


@register("bag", "hat", "scarf", "shoes")
def scene_portrait(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    """A new portrait of the documented size: style background, the photo, the product in its zone."""
    w, h = SCENE_SIZES[feature]
    canvas = Image.new("RGB", (w, h), color_of("scene", feature, p.get("style"), p.get("gender")))
    person = fit_within(inp.image().convert("RGB"), int(w * 0.8), int(h * 0.8))
    canvas.paste(person, ((w - person.width) // 2, (h - person.height) // 2))
    x0, y0, x1, y1 = _ZONES[feature]
    box = (int(x0 * w), int(y0 * h), int(x1 * w), int(y1 * h))
    if inp.refs:
        canvas.paste(inp.refs[0].convert("RGB").resize((box[2] - box[0], box[3] - box[1])), box[:2])
    return Outcome("url", [image_artifact(canvas, "result.png")])


@register("ai-nail")
def nail_transfer(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    """The hand photo tinted with the mean colour of the reference design."""
    return Outcome("url", [image_artifact(tint(inp.image(), _mean_color(inp.refs[0]), 0.35), "result.png")])


def _effect_color(effect: Mapping[str, object], refs: list[Image.Image]) -> tuple[int, int, int]:
    color = effect.get("color")
    if isinstance(color, str) and len(color) == 7:
        return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)
    index = effect.get("ref_file_index")
    if index is not None:
        if not isinstance(index, int) or not 0 <= index < len(refs):
            raise EngineError("invalid_parameter", f"ref_file_index {index!r} has no design image")
        return _mean_color(refs[index])
    return color_of("nail-design", effect.get("ref_file_url"))


@register("nail-vto")
def nail_effects(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    """One dot per effect, at its finger's slot along the upper part of the photo."""
    out = inp.image().convert("RGB")
    w, h = out.size
    draw = ImageDraw.Draw(out)
    r = max(3, min(w, h) // 20)
    for effect in p.get("effects") or []:
        finger = effect.get("finger")
        slot = _FINGER_SLOTS.index(finger) if finger in _FINGER_SLOTS else 0
        cx, cy = int(w * (0.15 + 0.175 * slot)), int(h * 0.3)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_effect_color(effect, inp.refs))
    return Outcome("url", [image_artifact(out, "result.png")])


def _tint_band(img: Image.Image, top: float, bottom: float, color: tuple[int, int, int], amount: float) -> Image.Image:
    out = img.convert("RGB")
    w, h = out.size
    box = (w // 3, int(h * top), 2 * w // 3, max(int(h * top) + 1, int(h * bottom)))
    out.paste(tint(out.crop(box), color, amount), box[:2])
    return out


@register("abs-shape", "breast-shape")
def body_band(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    """The belly (abs) or chest (breast) band tinted; stronger for a higher intensity."""
    top, bottom = (0.45, 0.7) if feature == "abs-shape" else (0.3, 0.45)
    level = int(p.get("intensity") or 1)
    img = _tint_band(inp.image(), top, bottom, color_of(feature, p.get("mode")), 0.15 * level)
    return Outcome("url", [image_artifact(img, "result.png")])


#: The per-side booleans the body-reshape result documents.
BODY_RESULT_FLAGS = (
    "arm",
    "breast_left",
    "breast_right",
    "hip",
    "hip_lift",
    "leg",
    "neck_left",
    "neck_right",
    "shoulder_left",
    "shoulder_right",
    "squared_shoulder_left",
    "squared_shoulder_right",
    "slim",
    "taller",
    "waist",
    "belly",
)


def body_flags(p: Mapping[str, object]) -> dict[str, bool]:
    """Per documented flag: is the side's value, or else its both-sides value, non-zero?

    The sandbox sees params with defaults applied (every feature 0), so a per-side
    0 cannot be told from an absent one and falls back to the both-sides value.
    """
    flags = {}
    for name in BODY_RESULT_FLAGS:
        both = name.rsplit("_", 1)[0] if name.endswith(("_left", "_right")) else name
        flags[name] = bool(p.get(f"features.{name}") or p.get(f"features.{both}"))
    return flags


@register("body-reshape")
def body_reshape(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    """The photo tinted by the params, with timings and the per-feature booleans."""
    index = int(p.get("index") or 0)
    people = len(face_boxes(inp.image().size))
    if index >= people:
        raise EngineError("invalid_parameter", f"index {index} but {people} person(s) were detected")
    img = tint(inp.image(), color_of(feature, {k: v for k, v in p.items() if k.startswith("features.")}), 0.2)
    return Outcome("lift", [image_artifact(img, "result.png")], {"timed": 0.05, "timed_apply": 0.02, **body_flags(p)})
