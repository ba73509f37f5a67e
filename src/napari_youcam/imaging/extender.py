"""Image extender (out-paint) planning: canvas, pivot and crop → request parameters.

The service takes ten integers (same names in v1 and v2): the output canvas
(``output_width/height``), where the (cropped) source goes in it
(``input_x/y``, ``input_width/height``) and the crop of the uploaded source
(``crop_input_*``). They are easy to get wrong and every mistake costs 2 units, so
the plan checks every documented rule before anything is sent:

* every value in range (x/y 0..4096, sizes 1..4096);
* the crop inside the source, the placed source inside the canvas;
* the canvas larger than the placed source;
* output limits: v2 ≤ 4096 per side; v1 short side ≤ 1024 and long side ≤ 2048;
* a warning when a canvas side is more than 2× the placed source's side (v1
  documentation recommends < 2×; results degrade far from the source).

A source whose long side exceeds 4096 is pre-scaled first (``plan.prescale``,
``plan.upload_size``): every parameter refers to the *uploaded* (pre-scaled)
image, and `prescale_image` produces it. With an aspect ratio the canvas is the
smallest one of that ratio around the source at its own scale; when that canvas
would break the output limits the source is pre-scaled further and the plan says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from napari_youcam.errors import InputError
from napari_youcam.imaging.convert import to_rgb8
from napari_youcam.imaging.fit import resize_image
from napari_youcam.limits import OUTPAINT_NAMES, JsonObject, Violation

INPUT_LONG_MAX = 4096
PARAM_MAX = 4096
OUTPUT_LIMITS = {"v2": (4096, 4096), "v1": (1024, 2048)}  # (short max, long max)

ANCHORS = {
    "center": (0.5, 0.5),
    "centre": (0.5, 0.5),
    "middle": (0.5, 0.5),
    "top": (0.5, 0.0),
    "bottom": (0.5, 1.0),
    "left": (0.0, 0.5),
    "right": (1.0, 0.5),
    "top-left": (0.0, 0.0),
    "top-right": (1.0, 0.0),
    "bottom-left": (0.0, 1.0),
    "bottom-right": (1.0, 1.0),
}


@dataclass(frozen=True)
class ExtendPlan:
    """A checked out-paint request. ``params`` go into the task body as they are."""

    params: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    prescale: float = 1.0
    src_size: tuple[int, int] = (0, 0)  # (w, h) of the original source
    upload_size: tuple[int, int] = (0, 0)  # (w, h) of the image to upload
    crop_src: tuple[int, int, int, int] = (0, 0, 0, 0)  # crop in original-source pixels
    api: str = "v2"
    notes: list[str] = field(default_factory=list)

    @property
    def canvas(self) -> tuple[int, int]:
        return self.params["output_width"], self.params["output_height"]

    @property
    def placement(self) -> tuple[int, int, int, int]:
        p = self.params
        return p["input_x"], p["input_y"], p["input_width"], p["input_height"]

    def to_dict(self) -> JsonObject:
        return {
            "params": dict(self.params),
            "warnings": list(self.warnings),
            "prescale": self.prescale,
            "src_size": list(self.src_size),
            "upload_size": list(self.upload_size),
            "crop_src": list(self.crop_src),
            "api": self.api,
            "notes": list(self.notes),
        }


def parse_aspect(aspect: str | float | tuple[float, float]) -> float:
    """ "16:9", "16/9", "1.5", 1.5 or (16, 9) → width / height."""
    if isinstance(aspect, (int, float)):
        r = float(aspect)
    elif isinstance(aspect, tuple):
        r = float(aspect[0]) / float(aspect[1])
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:[:/x×]\s*(\d+(?:\.\d+)?))?\s*", str(aspect))
        if not m or (m.group(2) is not None and float(m.group(2)) == 0):
            raise InputError(f"aspect ratio {aspect!r} is not understood: write it like 16:9, 1:1 or 9:16")
        r = float(m.group(1)) / float(m.group(2)) if m.group(2) else float(m.group(1))
    if not (r > 0 and math.isfinite(r)):
        raise InputError(f"aspect ratio {aspect!r} must be positive")
    return r


def _anchor(name: str) -> tuple[float, float]:
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    key = {
        "topleft": "top-left",
        "topright": "top-right",
        "bottomleft": "bottom-left",
        "bottomright": "bottom-right",
        "left-top": "top-left",
        "right-top": "top-right",
        "left-bottom": "bottom-left",
        "right-bottom": "bottom-right",
    }.get(key, key)
    if key not in ANCHORS:
        raise InputError(
            f"unknown anchor {name!r}: use one of center, top, bottom, left, right, "
            "top-left, top-right, bottom-left, bottom-right"
        )
    return ANCHORS[key]


def plan_extend(
    src_w: int,
    src_h: int,
    *,
    width: int | None = None,
    height: int | None = None,
    aspect: str | float | None = None,
    x: int | None = None,
    y: int | None = None,
    anchor: str = "center",
    crop: tuple[int, int, int, int] | None = None,
    api: str = "v2",
) -> ExtendPlan:
    """Plan an out-paint request for a `src_w`×`src_h` source.

    Give either ``width`` and ``height`` (the canvas, in uploaded-image pixels) or
    ``aspect``; either ``x`` and ``y`` (top-left of the placed source on the
    canvas) or an ``anchor``; optionally ``crop`` = (x, y, w, h) in source pixels.
    Raises `InputError` with every broken rule (``.violations``).
    """
    if api not in OUTPUT_LIMITS:
        raise InputError(f"api must be 'v2' or 'v1', not {api!r}")
    src_w, src_h = int(src_w), int(src_h)
    _check_arguments(src_w, src_h, width, height, aspect, x, y)
    cx, cy, cw, ch = _source_crop(src_w, src_h, crop)
    notes: list[str] = []
    ratio = None if aspect is None else parse_aspect(aspect)
    p = _prescale(src_w, src_h, cw, ch, ratio, api, notes)
    up_w, up_h = _scaled_size(src_w, src_h, p)
    if p < 1.0:
        notes.insert(0, f"pre-scale the source {src_w}×{src_h} → {up_w}×{up_h} (×{p:.4g}) before upload")
    # crop in uploaded pixels (clamped so rounding never leaves the image)
    ux, uy = min(round(cx * p), up_w - 1), min(round(cy * p), up_h - 1)
    uw = max(1, min(round((cx + cw) * p), up_w) - ux)
    uh = max(1, min(round((cy + ch) * p), up_h) - uy)
    W, H = _canvas_size(uw, uh, ratio, width, height, api)
    if x is not None and y is not None:
        ix, iy = int(x), int(y)
    else:
        fx, fy = _anchor(anchor)
        ix, iy = round((W - uw) * fx), round((H - uh) * fy)
    params = {
        "output_width": W,
        "output_height": H,
        "input_x": ix,
        "input_y": iy,
        "input_width": uw,
        "input_height": uh,
        "crop_input_x": ux,
        "crop_input_y": uy,
        "crop_input_width": uw,
        "crop_input_height": uh,
    }
    v = _violations(params, api)
    if v:
        raise InputError("; ".join(x_.message for x_ in v), violations=v)
    warnings: list[str] = []
    if 2 * uw < W or 2 * uh < H:
        warnings.append(
            f"the canvas {W}×{H} is more than 2× the source {uw}×{uh} on a side: "
            "the far areas may look invented; consider a smaller canvas"
        )
    return ExtendPlan(params, warnings, p, (src_w, src_h), (up_w, up_h), (cx, cy, cw, ch), api, notes)


_NO_CANVAS = "give the canvas: width and height, or an aspect ratio such as 16:9"


def _check_arguments(
    src_w: int,
    src_h: int,
    width: int | None,
    height: int | None,
    aspect: str | float | None,
    x: int | None,
    y: int | None,
) -> None:
    """Refuse an empty source and incomplete or conflicting canvas / placement arguments."""
    if src_w < 1 or src_h < 1:
        raise InputError(f"the source is empty ({src_w}×{src_h})")
    if (width is None) != (height is None):
        raise InputError("give both width and height of the canvas (or an aspect ratio instead)")
    if width is not None and aspect is not None:
        raise InputError("give either width and height or an aspect ratio, not both")
    if width is None and aspect is None:
        raise InputError(_NO_CANVAS)
    if (x is None) != (y is None):
        raise InputError("give both x and y of the source on the canvas (or an anchor instead)")


def _source_crop(src_w: int, src_h: int, crop: tuple[int, int, int, int] | None) -> tuple[int, int, int, int]:
    """The crop (x, y, w, h) in original source pixels: the whole source when none is given."""
    if crop is None:
        return 0, 0, src_w, src_h
    cx, cy, cw, ch = (int(v) for v in crop)
    if cw < 1 or ch < 1 or cx < 0 or cy < 0 or cx + cw > src_w or cy + ch > src_h:
        raise InputError(
            f"crop {cx},{cy},{cw},{ch} (x,y,w,h) is not inside the {src_w}×{src_h} source: "
            f"keep 0 ≤ x, x + w ≤ {src_w}, 0 ≤ y, y + h ≤ {src_h}, w and h ≥ 1",
            violations=[Violation("crop", "crop must lie inside the source")],
        )
    return cx, cy, cw, ch


def _prescale(src_w: int, src_h: int, cw: int, ch: int, ratio: float | None, api: str, notes: list[str]) -> float:
    """The pre-scale factor: the input limit (long side ≤ 4096), then, with an aspect
    ratio, whatever more keeps that ratio's canvas inside the output limits."""
    p = min(1.0, INPUT_LONG_MAX / max(src_w, src_h))
    if ratio is None:
        return p
    short_max, long_max = OUTPUT_LIMITS[api]
    W, H = _aspect_canvas(cw * p, ch * p, ratio)
    q = min(1.0, long_max / max(W, H), short_max / min(W, H))
    if q < 1.0:
        p *= q
        notes.append(
            f"source pre-scaled so the {ratio:.4g}:1 canvas fits the {api} output limit "
            f"(short ≤ {short_max}, long ≤ {long_max})"
        )
    return p


def _canvas_size(
    uw: int, uh: int, ratio: float | None, width: int | None, height: int | None, api: str
) -> tuple[int, int]:
    """The canvas (W, H): as given, or the smallest of `ratio` around the uploaded crop."""
    if ratio is None:
        if width is None or height is None:
            raise InputError(_NO_CANVAS)
        return int(width), int(height)
    short_max, long_max = OUTPUT_LIMITS[api]
    W, H = _aspect_canvas(uw, uh, ratio)
    W, H = min(W, max(long_max, short_max) if W >= H else short_max), min(H, short_max if W >= H else long_max)
    return max(W, uw), max(H, uh)


def _violations(params: dict[str, int], api: str) -> list[Violation]:
    """Every documented rule the ten request parameters break."""
    v: list[Violation] = []
    for k in OUTPAINT_NAMES:
        lo = 0 if k in ("input_x", "input_y", "crop_input_x", "crop_input_y") else 1
        if not lo <= params[k] <= PARAM_MAX:
            v.append(Violation(k, f"{k} = {params[k]} is outside {lo}..{PARAM_MAX}"))
    W, H = params["output_width"], params["output_height"]
    ix, iy, uw, uh = params["input_x"], params["input_y"], params["input_width"], params["input_height"]
    if ix + uw > W or ix < 0:
        v.append(
            Violation(
                "input_x",
                f"the source ({uw} px wide at x = {ix}) does not fit in the {W} px canvas width: need 0 ≤ x ≤ {W - uw}"
                if uw <= W
                else f"the source is {uw} px wide but the canvas only {W}: widen the canvas or crop",
            )
        )
    if iy + uh > H or iy < 0:
        v.append(
            Violation(
                "input_y",
                f"the source ({uh} px tall at y = {iy}) does not fit in the {H} px canvas height: need 0 ≤ y ≤ {H - uh}"
                if uh <= H
                else f"the source is {uh} px tall but the canvas only {H}: make the canvas taller or crop",
            )
        )
    if uw >= W and uh >= H:
        v.append(
            Violation(
                "output_width",
                f"the canvas {W}×{H} must be larger than the source {uw}×{uh}: there is nothing to extend",
            )
        )
    short_max, long_max = OUTPUT_LIMITS[api]
    if max(W, H) > long_max or min(W, H) > short_max:
        lim = "4096 per side" if api == "v2" else "short side ≤ 1024 and long side ≤ 2048"
        v.append(
            Violation(
                "output_width",
                f"the {W}×{H} canvas exceeds the {api} output limit ({lim}): "
                "use a smaller canvas or an aspect ratio (the source is then pre-scaled)",
            )
        )
    return v


def _scaled_size(w: int, h: int, p: float) -> tuple[int, int]:
    if p >= 1.0:
        return w, h
    return max(1, min(INPUT_LONG_MAX, math.floor(w * p + 0.5))), max(1, min(INPUT_LONG_MAX, math.floor(h * p + 0.5)))


def _aspect_canvas(w: float, h: float, r: float) -> tuple[int, int]:
    """Smallest canvas of aspect r (w/h) that holds a w×h source at its own scale."""
    if w / h < r:
        H = math.ceil(h - 1e-9)
        return max(math.ceil(H * r - 1e-9), math.ceil(w - 1e-9)), H
    W = math.ceil(w - 1e-9)
    return W, max(math.ceil(W / r - 1e-9), math.ceil(h - 1e-9))


def prescale_image(src: np.ndarray, plan: ExtendPlan) -> np.ndarray:
    """The image to upload for `plan` (the source resized by ``plan.prescale``)."""
    h, w = np.asarray(src).shape[:2]
    if (w, h) != plan.src_size:
        raise InputError(f"the image is {w}×{h} but the plan was made for {plan.src_size[0]}×{plan.src_size[1]}")
    return resize_image(to_rgb8(src), plan.upload_size)


def extend_preview(
    src: np.ndarray, plan: ExtendPlan, *, tint: tuple[int, int, int] = (64, 160, 255), square: int = 16
) -> np.ndarray:
    """(H, W, 3) uint8 canvas: the cropped source placed, the new area a tinted checkerboard.

    For the napari canvas widget: the user sees exactly what the service will be
    asked to invent (checker) and what it keeps (the photo).
    """
    up = prescale_image(src, plan)
    p = plan.params
    W, H = plan.canvas
    yy, xx = np.ogrid[:H, :W]
    checker = ((yy // square + xx // square) % 2).astype(np.uint8)
    base = np.where(checker[:, :, None] == 1, np.uint8(205), np.uint8(235)).astype(np.uint16)
    tint_a = np.asarray(tint, np.uint16)
    canvas = ((base * 3 + tint_a) // 4).astype(np.uint8)
    cx, cy, cw, ch = p["crop_input_x"], p["crop_input_y"], p["crop_input_width"], p["crop_input_height"]
    piece = up[cy : cy + ch, cx : cx + cw]
    piece = resize_image(np.ascontiguousarray(piece), (p["input_width"], p["input_height"]))
    ix, iy = p["input_x"], p["input_y"]
    canvas[iy : iy + p["input_height"], ix : ix + p["input_width"]] = piece
    return canvas
