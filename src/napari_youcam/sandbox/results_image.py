"""Synthetic results of the image, video and analysis features of the first catalogue.

One registered generator per feature (or per family that shares a recipe); importing
this module registers them. Every image result is derived from the inputs and
stamped "SANDBOX", so a test can tell which inputs and params reached the engine.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from napari_youcam.features.spec import Endpoint
from napari_youcam.limits import JsonObject

from .results import (
    Artifact,
    EngineError,
    Inputs,
    Outcome,
    color_of,
    digest,
    extend,
    face_attributes,
    face_boxes,
    face_ellipse_mask,
    fill_color,
    fill_masked,
    fit_within,
    image_artifact,
    png,
    register,
    skin_analysis,
    tint,
    video_from_image,
)

Params = JsonObject


def _one(img: Image.Image, name: str = "result.png") -> Outcome:
    return Outcome("url", [image_artifact(img, name)])


@register("skin-analysis")
def _skin(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    return skin_analysis(inp, p, "skin_analysis.zip")


@register("face-attr-analysis")
def _face_attributes(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    return Outcome("json", [], face_attributes(inp, p))


@register("video-sr", "face-swap-vid", "video-trans", "image-to-video")
def _video(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    if inp.src_raw and not inp.src_raw.startswith(b"\x89PNG") and inp.src is None:
        # Video in, video out: the uploaded video comes back unchanged (no encoder
        # dependency for re-encoding with a stamp); see the package docs.
        return Outcome("url", [Artifact(inp.src_raw, "video/mp4", "result.mp4")])
    base = inp.src if inp.src is not None else Image.new("RGB", (320, 180), color_of(p.get("prompt", "")))
    data = video_from_image(base, float(p.get("dst_duration") or 1))
    if data is None:
        return _one(base.convert("RGB"))
    return Outcome("url", [Artifact(data, "video/mp4", "result.mp4")])


@register("generative-fill", "obj-removal")
def _fill(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    return _one(fill_masked(inp.image(), inp.mask_image()))


@register("obj-replace")
def _replace(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    return _one(fill_color(inp.image(), inp.mask_image(), color_of("prompt", p.get("prompt", ""))))


@register("out-paint")
def _out_paint(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    return _one(extend(inp.image(), p))


@register("enhance")
def _enhance(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    src = inp.image()
    scale = int(p.get("scale") or 1)
    w, h = src.size
    if max(w, h) * scale > 4096:
        raise EngineError("error_exceed_max_image_size", f"output long side {max(w, h) * scale} > 4096")
    img = src.convert("RGB")
    return _one(img.resize((w * scale, h * scale), Image.Resampling.BICUBIC) if scale != 1 else img)


@register("sod")
def _sod(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    src = inp.image()
    if endpoint.slug in ("sod/change-background", "sod/blur-background"):
        return _one(face_ellipse_mask(src.size), "mask.png")
    rgba = src.convert("RGBA")
    rgba.putalpha(face_ellipse_mask(src.size))
    return _one(rgba)


@register("bg-blur", "bg-replace")
def _background(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    src = inp.image()
    mask = face_ellipse_mask(src.size)
    if endpoint.api == "v1":  # the v1 endpoints return the person mask
        return _one(mask, "mask.png")
    if feature == "bg-blur":
        radius = float(p.get("intensity", 50)) / 100.0 * 12.0
        bg = src.convert("RGB").filter(ImageFilter.GaussianBlur(radius)) if radius > 0 else src.convert("RGB")
    else:
        key = p.get("template_id") if p.get("type") == "template" else p.get("prompt")
        bg = Image.new("RGB", src.size, color_of("background", key or ""))
    return _one(Image.composite(src.convert("RGB"), bg, mask))


@register("colorize", "color-correct")
def _four_variants(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    src = inp.image()
    arts = []
    gray = ImageOps.grayscale(src)
    for i in range(4):
        if feature == "colorize":
            img = ImageOps.colorize(gray, (0, 0, 0), color_of("colorize", i)).convert("RGB")
        else:
            warm = (1.0 + 0.1 * (1.5 - i), 1.0, 1.0 - 0.1 * (1.5 - i))  # warm -> cool
            arr = np.asarray(src.convert("RGB")).astype(np.float32) * np.array(warm, np.float32)
            img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        arts.append(image_artifact(img, f"result_{i}.png"))
    return Outcome("output", arts)


@register("headshot", "ai-avatar", "ai-studio")
def _portraits(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    n = int(p.get("output_count") or 1)
    max_w, max_h = (960, 1280) if feature == "ai-studio" else (1024, 1024)
    base = fit_within(inp.image().convert("RGB"), max_w, max_h)
    style = p.get("template_id") or p.get("style_ids")
    return Outcome(
        "output", [image_artifact(tint(base, color_of(feature, style, i), 0.3), f"result_{i}.png") for i in range(n)]
    )


@register("text-to-image")
def _text_to_image(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    prompt_color = color_of("prompt", p.get("prompt", ""))
    if inp.src is not None or inp.srcs:
        base = (inp.srcs[0] if inp.srcs else inp.image()).convert("RGB")
        size = _size(p.get("size")) or base.size
        return _one(tint(base.resize(size, Image.Resampling.BILINEAR), prompt_color, 0.4))
    size = _size(p.get("size")) or _ratio_size(p)
    return _one(_gradient(size, prompt_color, color_of("negative", p.get("negative_prompt", ""))))


@register("face-lift", "face-reshape")
def _face_shape(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    img = tint(inp.image(), _params_tint(feature, p), 0.15)
    return Outcome("lift", [image_artifact(img, "result.png")], {"timed": 0.05, "timed_apply": 0.02})


@register("mu-transfer")
def _makeup_transfer(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    if not inp.refs:
        return _tinted(feature, endpoint, kind, inp, p)
    mean = tuple(int(x) for x in np.asarray(inp.refs[0].convert("RGB")).reshape(-1, 3).mean(0))
    return _one(tint(inp.image(), (mean[0], mean[1], mean[2]), 0.35))


@register("face-swap")
def _face_swap(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    if not inp.refs:
        return _tinted(feature, endpoint, kind, inp, p)
    src = inp.image()
    img = src.convert("RGB")
    boxes = face_boxes(src.size)
    for m in p.get("face_mapping") or []:
        i, pos = int(m.get("index", -1)), int(m.get("position", -1))
        if i < 0 or pos < 0:
            continue
        if i >= len(inp.refs) or pos >= len(boxes):
            raise EngineError("invalid_parameter", f"face_mapping {m} points outside refs/faces")
        left, top, s, _ = boxes[pos]
        img.paste(inp.refs[i].convert("RGB").resize((s, s)), (left, top))
    return _one(img)


@register("hair-color")
def _hair_color(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    pal = p.get("palettes") or []
    hexcol = pal[0].get("color") if pal and isinstance(pal[0], dict) else None
    col = tuple(int(hexcol[i : i + 2], 16) for i in (1, 3, 5)) if hexcol else color_of("preset", p.get("preset"))
    img = inp.image().convert("RGB")
    top = img.crop((0, 0, img.width, img.height // 3))
    img.paste(tint(top, (col[0], col[1], col[2]), 0.5), (0, 0))
    return _one(img)


@register(
    "skin-simulation", "lighting", "hair-style", "hair-ext", "hair-bang", "hair-vol", "hair-curl", "cloth", "fabric"
)
def _tinted(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: Params) -> Outcome:
    """The source tinted by a colour hashed from feature + params + reference images."""
    ref_part = [digest(png(r.resize((8, 8)))) for r in inp.refs]
    return _one(tint(inp.image(), color_of(feature, dict(p), ref_part), 0.25))


def _params_tint(feature: str, p: Params) -> tuple[int, int, int]:
    return color_of(feature, {k: v for k, v in p.items() if not k.startswith("_")})


def _size(value: object) -> tuple[int, int] | None:
    if isinstance(value, str) and "*" in value:
        try:
            w, h = (int(x) for x in value.split("*", 1))
            return w, h
        except ValueError:
            return None
    return None


def _ratio_size(p: JsonObject) -> tuple[int, int]:
    wr = float(p.get("width_ratio") or 1)
    hr = float(p.get("height_ratio") or 1)
    if wr >= hr:
        return 1024, max(1, round(1024 * hr / wr))
    return max(1, round(1024 * wr / hr)), 1024


def _gradient(size: tuple[int, int], a: tuple[int, int, int], b: tuple[int, int, int]) -> Image.Image:
    w, h = size
    t = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    row = np.array(a, np.float32) * (1 - t) + np.array(b, np.float32) * t
    return Image.fromarray(np.repeat(row, h, axis=0).astype(np.uint8))
