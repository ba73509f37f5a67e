"""Synthetic results: the right kind and size, derived from the inputs, plainly fake.

Nothing here imitates the service's models. Each generator produces the *shape*
the client must handle (one image, four images, N images, a ZIP of masks, a JSON
object, face boxes, a video) and derives the pixels deterministically from the
inputs so a test can prove the right files and params arrived: object removal fills
exactly the masked area with the mean colour of the ring around it, replace fills it
with a colour hashed from the prompt, the extender places the cropped source where
`input_x/input_y/input_width/input_height` say, and so on. Every image carries a
small "SANDBOX" stamp in its bottom-right corner (`stamp_box` tells tests where),
every JSON result a `"sandbox": true`, so a synthetic result is never mistaken for
a real one.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from napari_youcam.features.spec import Endpoint
from napari_youcam.limits import JsonObject

STAMP_TEXT = "SANDBOX"
CANVAS_COLOR = (128, 128, 128)  # the extender's new area


class EngineError(Exception):
    """The task ends with `task_status: error` and this engine code."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code
        self.message = message or code


@dataclass
class Artifact:
    data: bytes
    content_type: str
    name: str


@dataclass
class Outcome:
    """What a task produced; `tasks` turns it into each generation's result shape.

    `shape` is one of: "url" (one file), "output" (several files), "json" (an object),
    "lift" (face-lift/reshape image + timings), "boxes" (face-lift/reshape pre-process),
    "faces" (face-swap pre-process), "skin_zip", "skin_json".
    """

    shape: str
    artifacts: list[Artifact] = field(default_factory=list)
    data: Any = None


# ---------------------------------------------------------------- helpers


def digest(*parts: object) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else json.dumps(p, sort_keys=True, default=str).encode())
        h.update(b"\x00")
    return h.digest()


def color_of(*parts: object) -> tuple[int, int, int]:
    """A colour derived from `parts` (replace uses color_of("prompt", prompt))."""
    d = digest(*parts)
    return d[0], d[1], d[2]


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def stamp_box(size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the SANDBOX stamp in an image of `size`, None if too small."""
    w, h = size
    _, _, tw, th = _text_bbox()
    bw, bh = tw + 4, th + 3
    if w < bw + 4 or h < bh + 4:
        return None
    return w - bw - 2, h - bh - 2, w - 2, h - 2


@functools.lru_cache(maxsize=1)
def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default()


@functools.lru_cache(maxsize=1)
def _text_bbox() -> tuple[int, int, int, int]:
    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), STAMP_TEXT, font=_font())
    return int(left), int(top), int(right), int(bottom)


def stamp(img: Image.Image) -> Image.Image:
    """Draw the small SANDBOX label in the bottom-right corner (in place)."""
    box = stamp_box(img.size)
    if box is None:
        return img
    d = ImageDraw.Draw(img)
    fill = (0, 0, 0, 255) if img.mode == "RGBA" else (0 if img.mode == "L" else (0, 0, 0))
    ink = (255, 255, 255, 255) if img.mode == "RGBA" else (255 if img.mode == "L" else (255, 255, 255))
    d.rectangle(box, fill=fill)
    d.text((box[0] + 2, box[1]), STAMP_TEXT, fill=ink, font=_font())
    return img


def image_artifact(img: Image.Image, name: str) -> Artifact:
    return Artifact(png(stamp(img)), "image/png", name)


def tint(img: Image.Image, color: tuple[int, int, int], amount: float = 0.25) -> Image.Image:
    solid = Image.new("RGB", img.size, color)
    return Image.blend(img.convert("RGB"), solid, amount)


def dilate(mask: np.ndarray, r: int) -> np.ndarray:
    """Binary dilation by a (2r+1)² box, via an integral image (O(pixels))."""
    h, w = mask.shape
    ii = np.zeros((h + 1, w + 1), dtype=np.int64)
    ii[1:, 1:] = np.cumsum(np.cumsum(mask.astype(np.int64), 0), 1)
    ys = np.arange(h)
    xs = np.arange(w)
    y0 = np.clip(ys - r, 0, h)[:, None]
    y1 = np.clip(ys + r + 1, 0, h)[:, None]
    x0 = np.clip(xs - r, 0, w)[None, :]
    x1 = np.clip(xs + r + 1, 0, w)[None, :]
    s = ii[y1, x1] - ii[y0, x1] - ii[y1, x0] + ii[y0, x0]
    return s > 0


def face_boxes(size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """Deterministic face boxes (left, top, width, height).

    One centred face for ordinary photos; wide "group" images (w/h >= 1.8) get one
    face per roughly square slot, so multi-face flows can be exercised too.
    """
    w, h = size
    n = max(1, int(round(w / h))) if w / h >= 1.8 else 1
    slot = w / n
    side = int(min(slot, h) * 0.5)
    boxes = []
    for i in range(n):
        cx = int(slot * (i + 0.5))
        left = max(0, cx - side // 2)
        top = max(0, (h - side) // 2 - side // 8)
        boxes.append((left, top, side, side))
    return boxes


def face_ellipse_mask(size: tuple[int, int]) -> Image.Image:
    """The sandbox's "subject": an ellipse around the centre, as an L mask."""
    w, h = size
    m = Image.new("L", size, 0)
    ImageDraw.Draw(m).ellipse((w * 0.2, h * 0.1, w * 0.8, h * 0.95), fill=255)
    return m


def fit_within(img: Image.Image, max_w: int, max_h: int) -> Image.Image:
    w, h = img.size
    s = min(1.0, max_w / w, max_h / h)
    if s >= 1.0:
        return img.copy()
    return img.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BILINEAR)


# ---------------------------------------------------------------- generators


@dataclass
class Inputs:
    """Decoded inputs of one task."""

    src: Image.Image | None = None
    src_bytes: bytes = b""
    src_raw: bytes = b""  # video bytes (video features)
    mask: Image.Image | None = None
    refs: list[Image.Image] = field(default_factory=list)
    srcs: list[Image.Image] = field(default_factory=list)

    def image(self) -> Image.Image:
        """The source image (a task of an image feature always has one once decoded)."""
        if self.src is None:
            raise EngineError("error_src_not_found", "the task has no decodable source image")
        return self.src

    def mask_image(self) -> Image.Image:
        """The mask (mask features always have one once decoded)."""
        if self.mask is None:
            raise EngineError("error_decode_mask", "the task has no decodable mask")
        return self.mask


def fill_masked(src: Image.Image, mask: Image.Image) -> Image.Image:
    """Object removal: masked pixels become the mean colour of the ring just outside the mask."""
    arr = np.asarray(src.convert("RGB")).copy()
    m = np.asarray(mask.convert("L")) > 127
    r = max(3, min(arr.shape[:2]) // 50)
    ring = dilate(m, r) & ~m
    color = arr[ring].mean(axis=0).round().astype(np.uint8) if ring.any() else np.array(CANVAS_COLOR, np.uint8)
    arr[m] = color
    return Image.fromarray(arr)


def fill_color(src: Image.Image, mask: Image.Image, color: tuple[int, int, int]) -> Image.Image:
    arr = np.asarray(src.convert("RGB")).copy()
    arr[np.asarray(mask.convert("L")) > 127] = color
    return Image.fromarray(arr)


def extend(src: Image.Image, p: JsonObject) -> Image.Image:
    """Out-paint: crop, resize to input_width×input_height, paste at input_x,input_y."""
    sw, sh = src.size
    cx, cy = int(p["crop_input_x"]), int(p["crop_input_y"])
    cw, ch = int(p["crop_input_width"]), int(p["crop_input_height"])
    if cx + cw > sw or cy + ch > sh:
        raise EngineError("invalid_parameter", f"crop {cx},{cy} {cw}x{ch} exceeds the {sw}x{sh} source")
    ow, oh = int(p["output_width"]), int(p["output_height"])
    ix, iy = int(p["input_x"]), int(p["input_y"])
    iw, ih = int(p["input_width"]), int(p["input_height"])
    if ix + iw > ow or iy + ih > oh:
        raise EngineError("invalid_parameter", "input_x + input_width must be <= output_width (same for y)")
    canvas = Image.new("RGB", (ow, oh), CANVAS_COLOR)
    piece = src.convert("RGB").crop((cx, cy, cx + cw, cy + ch))
    if piece.size != (iw, ih):
        piece = piece.resize((iw, ih), Image.Resampling.BILINEAR)
    canvas.paste(piece, (ix, iy))
    return canvas


SKIN_SUBAREAS = {
    "hd_pore": ("forehead", "nose", "cheek", "whole"),
    "hd_wrinkle": ("forehead", "glabellar", "crowfeet", "periocular", "nasolabial", "marionette", "whole"),
    "hd_texture": ("whole",),
    "hd_acne": ("whole",),
}


def skin_mask_name(concern: str, sub: str | None = None) -> str:
    if concern in ("hd_tear_trough", "hd_skin_type", "tear_trough", "skin_type"):
        return f"{concern}.png"
    if concern in ("hd_pore", "hd_wrinkle") and sub is not None:
        return f"{concern}_output_{'all' if sub == 'whole' else sub}.png"
    return f"{concern}_output.png"


def skin_score(src_bytes: bytes, concern: str, sub: str = "") -> tuple[float, int]:
    d = digest(src_bytes, concern, sub)
    raw = round(1 + (int.from_bytes(d[:4], "big") % 9900) / 100.0, 2)  # 1.00..99.99
    return raw, max(1, min(100, int(round(raw))))


def skin_mask(size: tuple[int, int], src_bytes: bytes, concern: str, sub: str = "") -> Image.Image:
    """An RGBA mask at the source size: coloured blobs inside the face area."""
    w, h = size
    rng = np.random.default_rng(int.from_bytes(digest(src_bytes, concern, sub)[:8], "big"))
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    color = color_of("skin", concern)
    left, top, side, _ = face_boxes(size)[0]
    for _ in range(12):
        x = left + rng.uniform(0, side)
        y = top + rng.uniform(0, side)
        r = max(2.0, side * rng.uniform(0.01, 0.05))
        d.ellipse((x - r, y - r, x + r, y + r), fill=(*color, 180))
    return img


def skin_analysis(inp: Inputs, p: JsonObject, publish_name: str) -> Outcome:
    concerns = list(p.get("dst_actions") or [])
    size = inp.image().size
    fmt = p.get("format", "zip")
    scores: JsonObject = {}
    masks: dict[str, Image.Image] = {}
    json_items: list[JsonObject] = []
    for c in concerns:
        subs = SKIN_SUBAREAS.get(c)
        if subs:
            entry = {}
            for s in subs:
                raw, ui = skin_score(inp.src_bytes, c, s)
                name = skin_mask_name(c, s)
                entry[s] = {"raw_score": raw, "ui_score": ui, "output_mask_name": name}
                masks[name] = skin_mask(size, inp.src_bytes, c, s)
                json_items.append(
                    {"type": c, "region": s, "raw_score": raw, "ui_score": ui, "score": ui, "mask_urls": [name]}
                )
            scores[c] = entry
        else:
            raw, ui = skin_score(inp.src_bytes, c)
            name = skin_mask_name(c)
            scores[c] = {"raw_score": raw, "ui_score": ui, "output_mask_name": name}
            masks[name] = skin_mask(size, inp.src_bytes, c)
            item = {"type": c, "region": "whole", "raw_score": raw, "ui_score": ui, "score": ui, "mask_urls": [name]}
            if c.endswith("skin_type"):
                item["skin_type"] = ("Normal", "Oily", "Dry", "Combination")[digest(inp.src_bytes, c)[0] % 4]
            json_items.append(item)
    overall = round(sum(skin_score(inp.src_bytes, c)[0] for c in concerns) / max(1, len(concerns)), 2)
    age = 18 + digest(inp.src_bytes, "skin_age")[0] % 50
    scores["all"] = {"score": overall}
    scores["skin_age"] = age
    scores["sandbox"] = True
    if fmt == "json":
        arts = [Artifact(png(stamp(m)), "image/png", name) for name, m in masks.items()]
        json_items += [{"type": "skin_age", "score": age}, {"type": "all", "score": overall}]
        return Outcome("skin_json", arts, json_items)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("skinanalysisResult/score_info.json", json.dumps(scores, indent=1))
        for name, m in masks.items():
            z.writestr(f"skinanalysisResult/{name}", png(m))
        z.writestr("skinanalysisResult/SANDBOX.txt", "Synthetic result from the napari-youcam sandbox.\n")
    return Outcome("skin_zip", [Artifact(buf.getvalue(), "application/zip", publish_name)])


def _pick(d: bytes, i: int, options: tuple[str, ...]) -> str:
    return options[d[i % len(d)] % len(options)]


def face_attributes(inp: Inputs, p: JsonObject) -> JsonObject:
    """The documented attribute object (API-V2 §13.3), values hashed from the source."""
    d = digest(inp.src_bytes, "face-attr")
    lid = ("Hooded-lid", "Single-lid", "Double-lid", "Deep-Set")
    angle = ("Downturned", "Upturned", "Average")
    thick = ("Dense", "Sparse", "Average")
    res: JsonObject = {
        "face_quality": {"has_face": True, "area": "good", "frontal": "good", "lighting": "good", "faceangle": "good"},
        "cheekbone": {
            k: _pick(d, i, ("Flat Cheekbone", "High Cheekbone", "Low Cheekbone", "Round Cheeks"))
            for i, k in enumerate(("left", "right", "overrall"))
        },
        "eyelid": {
            "left_eyelid": _pick(d, 3, lid),
            "right_eyelid": _pick(d, 3, lid),
            "left_angle": _pick(d, 4, angle),
            "right_angle": _pick(d, 4, angle),
            "left_shape": _pick(d, 5, ("Narrow", "Round", "Almond")),
            "right_shape": _pick(d, 5, ("Narrow", "Round", "Almond")),
            "setting": _pick(d, 6, ("Close-set", "Wide-Set", "Average")),
            "size": _pick(d, 7, ("Big", "Small", "Average")),
        },
        "eyebrow": {
            "gap": _pick(d, 8, ("Far-Apart", "Close", "Average")),
            "left_shape": _pick(d, 9, ("Hard Angled", "Soft Angled", "Straight", "Rounded")),
            "right_shape": _pick(d, 9, ("Hard Angled", "Soft Angled", "Straight", "Rounded")),
            "left_body_thickness": _pick(d, 10, thick),
            "right_body_thickness": _pick(d, 10, thick),
            "left_tail_thickness": _pick(d, 11, thick),
            "right_tail_thickness": _pick(d, 11, thick),
            "left_thinness": _pick(d, 12, ("Thin", "Normal")),
            "right_thinness": _pick(d, 12, ("Thin", "Normal")),
            "left_shortness": _pick(d, 13, ("Short", "Normal")),
            "right_shortness": _pick(d, 13, ("Short", "Normal")),
        },
        "faceshape": _pick(d, 14, ("Triangle", "Diamond", "Heart", "InvTriangle", "Oblong", "Oval", "Round", "Square")),
        "lipshape": [_pick(d, 15, ("Bow", "Downturned", "Full", "Narrow", "Round", "Thin", "Wide", "Average"))],
        "nose": {
            "width": _pick(d, 16, ("Narrow", "Broad", "Average")),
            "length": _pick(d, 17, ("Long", "Short", "Average")),
        },
        "color": {
            "eye_color": "#{:02x}{:02x}{:02x}".format(*color_of(inp.src_bytes, "eye")),
            "eye_color_name": _pick(d, 18, ("Amber", "Brown", "Green", "Blue", "Gray", "Other")),
            "lip_color": "#{:02x}{:02x}{:02x}".format(*color_of(inp.src_bytes, "lip")),
            "eyebrow_color": "#{:02x}{:02x}{:02x}".format(*color_of(inp.src_bytes, "brow")),
            "hair_color": _pick(d, 19, ("#a0a0a0", "#722626", "#000000", "#FAF0BE", "#42280E")),
            "hair_color_name": _pick(d, 19, ("Grey/White", "Red", "Black", "Blonde", "Brown")),
        },
        "agegender": {"age": 18 + d[20] % 50, "gender": _pick(d, 21, ("female", "male"))},
        "facialratio": {
            "horizontal_third": [0.33, 0.34, 0.33],
            "vertical_fifth": [0.2] * 5,
            "face_aspect_ratio": [1, 1.3],
        },
        "requested_features": list(p.get("features") or []),
        "sandbox": True,
    }
    return res


def video_from_image(img: Image.Image, seconds: float) -> bytes | None:
    """A short real .mp4 (OpenCV's mp4v writer, a declared dependency); None if unavailable."""
    frame = np.asarray(fit_within(stamp(img.convert("RGB")), 320, 320))[:, :, ::-1]
    h, w = frame.shape[:2]
    w, h = w - w % 2, h - h % 2
    frame = np.ascontiguousarray(frame[:h, :w])
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        vw = cv2.VideoWriter(path, cv2.VideoWriter.fourcc(*"mp4v"), 10, (w, h))
        if not vw.isOpened():
            return None
        for _ in range(max(1, int(min(seconds, 2) * 10))):
            vw.write(frame)
        vw.release()
        with open(path, "rb") as fh:
            data = fh.read()
        return data or None
    finally:
        os.unlink(path)


#: A result generator: (feature, endpoint, kind, inputs, flat params) -> Outcome.
Generator = Callable[[str, Endpoint, str, "Inputs", JsonObject], Outcome]

#: Feature key -> its result generator: one per catalogue feature (a test checks),
#: registered with `register` by `results_image`, `results_analysis` and `results_vto`.
GENERATORS: dict[str, Generator] = {}


def register(*keys: str) -> Callable[[Generator], Generator]:
    """Decorator: make the function the sandbox's result generator for these feature keys."""

    def deco(fn: Generator) -> Generator:
        for key in keys:
            if key in GENERATORS:
                raise ValueError(f"sandbox: two result generators for {key!r}")
            GENERATORS[key] = fn
        return fn

    return deco


def preprocess_faces(feature: str, src: Image.Image) -> Outcome:
    """The face-detection step: face-swap gets an annotated image and bboxes, the others boxes."""
    boxes = face_boxes(src.size)
    if feature == "face-swap":
        annotated = src.convert("RGB")
        draw = ImageDraw.Draw(annotated)
        for left, top, s, _ in boxes:
            draw.rectangle((left, top, left + s, top + s), outline=(255, 0, 0), width=2)
        faces = [{"bbox": [left, top, left + s, top + s]} for left, top, s, _ in boxes]
        return Outcome("faces", [image_artifact(annotated, "faces.png")], faces)
    return Outcome("boxes", [], [{"left": left, "top": top, "width": s, "height": s2} for left, top, s, s2 in boxes])


def generate(feature: str, endpoint: Endpoint, kind: str, inp: Inputs, p: JsonObject) -> Outcome:
    """Produce the outcome of one task. `p` is the flat, dotted params with defaults."""
    if kind == "preprocess":
        return preprocess_faces(feature, inp.image())
    generator = GENERATORS.get(feature)
    if generator is None:
        raise EngineError("unknown_internal_error", f"sandbox: no result generator for {feature!r}")
    return generator(feature, endpoint, kind, inp, p)
