"""Fit an image to a feature's dimension limits, and map results back.

Resampling choices come from the measurements in the project's performance notes:
`cv2.INTER_AREA` for downscaling (anti-aliased, the fastest acceptable method,
output-only memory), `cv2.INTER_CUBIC` for the rare upscale to a short-side
minimum (+1.5 dB over linear for ~10 % more time) and `cv2.INTER_NEAREST_EXACT`
for masks (binary, centre-aligned, pixel-identical to a textbook nearest
neighbour). The scale is uniform (aspect preserved); both output sides are
rounded to integers, so the per-axis scales differ by less than one pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from napari_youcam.errors import InputError
from napari_youcam.imaging.convert import AlphaMode, to_mask_bool, to_rgb8
from napari_youcam.limits import JsonObject, Limits

Box = tuple[int, int, int, int]  # x, y, w, h in source pixels


@dataclass(frozen=True)
class Transform:
    """How a fitted image relates to its source.

    ``crop`` (x, y, w, h in source pixels) is applied first, then the crop (or the
    whole source) is resized to ``out_size``. ``scale`` is the nominal uniform
    factor; `sx`/`sy` are the exact per-axis factors after integer rounding.
    """

    src_size: tuple[int, int]  # (w, h)
    out_size: tuple[int, int]  # (w, h)
    scale: float = 1.0
    crop: Box | None = None

    @property
    def region(self) -> Box:
        """The source region that was resized (the crop, or the whole source)."""
        return self.crop if self.crop is not None else (0, 0, *self.src_size)

    @property
    def sx(self) -> float:
        return self.out_size[0] / self.region[2]

    @property
    def sy(self) -> float:
        return self.out_size[1] / self.region[3]

    @property
    def identity(self) -> bool:
        return self.crop is None and self.out_size == self.src_size

    def to_dict(self) -> JsonObject:
        return {
            "src_size": list(self.src_size),
            "out_size": list(self.out_size),
            "scale": round(self.scale, 6),
            "crop": list(self.crop) if self.crop else None,
        }

    def point_to_source(self, x: float, y: float) -> tuple[float, float]:
        """A point in fitted-image pixels → source pixels (pixel-centre aligned)."""
        rx, ry, _, _ = self.region
        return rx + (x + 0.5) / self.sx - 0.5, ry + (y + 0.5) / self.sy - 0.5


def _caps(limits: Limits) -> tuple[int | None, int | None, int | None]:
    """Largest allowed (long, width, height) as integers; strict '<' becomes max-1."""
    d = 1 if limits.long_strict else 0
    long_cap = limits.long_max - d if limits.long_max else None
    w_cap = limits.width_max - d if limits.width_max else None
    h_cap = limits.height_max - d if limits.height_max else None
    return long_cap, w_cap, h_cap


def _ok(w: int, h: int, limits: Limits) -> bool:
    long_cap, w_cap, h_cap = _caps(limits)
    if long_cap is not None and max(w, h) > long_cap:
        return False
    if w_cap is not None and w > w_cap:
        return False
    if h_cap is not None and h > h_cap:
        return False
    if limits.short_min and min(w, h) < limits.short_min:
        return False
    if limits.side_min and min(w, h) < limits.side_min:
        return False
    if limits.long_min and max(w, h) < limits.long_min:
        return False
    return w >= 1 and h >= 1


def fit_size(w: int, h: int, limits: Limits) -> tuple[int, int, float]:
    """The output (w, h, nominal scale) for a w×h source under `limits`.

    Downscale only when a maximum is exceeded, upscale only when a minimum is not
    met, otherwise keep the size. Raises `InputError` naming the conflict (with a
    crop that would work) when no uniform scale satisfies every rule.
    """
    if w < 1 or h < 1:
        raise InputError(f"the image is empty ({w}×{h})")
    ar = w / h
    if (
        limits.aspect_min is not None
        and ar < limits.aspect_min
        or (limits.aspect_max is not None and ar > limits.aspect_max)
    ):
        lo = f"{limits.aspect_min:.3g}" if limits.aspect_min else "any"
        hi = f"{limits.aspect_max:.3g}" if limits.aspect_max else "any"
        raise InputError(
            f"aspect ratio {ar:.3g} (width/height of {w}×{h}) is outside the accepted "
            f"range {lo}..{hi}: crop the image to an accepted aspect ratio"
        )
    if _ok(w, h, limits):
        return w, h, 1.0
    long_cap, w_cap, h_cap = _caps(limits)
    s_max = math.inf
    if long_cap is not None:
        s_max = min(s_max, long_cap / max(w, h))
    if w_cap is not None:
        s_max = min(s_max, w_cap / w)
    if h_cap is not None:
        s_max = min(s_max, h_cap / h)
    mins = [m for m in (limits.short_min, limits.side_min) if m]
    s_min = max(mins) / min(w, h) if mins else 0.0
    if limits.long_min:
        s_min = max(s_min, limits.long_min / max(w, h))
    s = min(s_max, 1.0) if s_max < 1.0 else max(s_min, 1.0)
    if s_min <= s_max:
        # Round, then nudge each side by one pixel toward the rules if rounding
        # crossed a bound (floor for caps, ceil for minima).
        cands = []
        for fw in (round, math.floor, math.ceil):
            for fh in (round, math.floor, math.ceil):
                cands.append((max(1, int(fw(w * s))), max(1, int(fh(h * s)))))
        for cw, ch in cands:
            if _ok(cw, ch, limits):
                return cw, ch, s
    raise InputError(_conflict_message(w, h, limits), code="size_conflict")


def _conflict_message(w: int, h: int, limits: Limits) -> str:
    """Say which two rules collide and which crop of the source would satisfy both."""
    long_cap, w_cap, h_cap = _caps(limits)
    min_side = max(m for m in (limits.short_min, limits.side_min, 1) if m)
    # the longest allowed side for a landscape/portrait output, then the max aspect
    if w >= h:
        cap = min(c for c in (long_cap, w_cap, math.inf) if c is not None)
        max_ratio = cap / min_side
        cw, ch = max(1, math.floor(h * max_ratio)), h
        what = "wide"
    else:
        cap = min(c for c in (long_cap, h_cap, math.inf) if c is not None)
        max_ratio = cap / min_side
        cw, ch = w, max(1, math.floor(w * max_ratio))
        what = "tall"
    ratio = max(w, h) / min(w, h)
    msg = (
        f"{w}×{h} cannot be resized to meet {limits.size_rules()} at the same aspect "
        f"ratio: it is {ratio:.3g}:1 and at most {max_ratio:.3g}:1 fits"
    )
    if max_ratio >= 1:
        msg += f"; the image is too {what}: crop it to at most {cw}×{ch} (e.g. around the subject)"
    else:
        msg += "; no image satisfies these rules"
    return msg


def resize_image(arr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize an image to (w, h): area when shrinking, cubic when enlarging."""
    w, h = size
    H, W = arr.shape[:2]
    if (w, h) == (W, H):
        return arr
    interp = cv2.INTER_AREA if w * h < W * H else cv2.INTER_CUBIC
    if arr.ndim == 3 and arr.shape[2] > 4:  # cv2 resizes at most 4 channels at once
        return np.stack([cv2.resize(arr[:, :, i], (w, h), interpolation=interp) for i in range(arr.shape[2])], axis=2)
    out = cv2.resize(arr, (w, h), interpolation=interp)
    if arr.ndim == 3 and out.ndim == 2:
        out = out[:, :, None]
    return out


def resize_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize (centre-aligned); values are never invented."""
    w, h = size
    if mask.shape[:2] == (h, w):
        return mask
    m = mask.view(np.uint8) if mask.dtype == np.bool_ else mask
    out = cv2.resize(m, (w, h), interpolation=cv2.INTER_NEAREST_EXACT)
    return out.view(np.bool_) if mask.dtype == np.bool_ else out


def fit(arr: np.ndarray, limits: Limits, *, alpha: AlphaMode = "white") -> tuple[np.ndarray, Transform]:
    """Normalise to 8-bit RGB and fit to `limits`; returns (image, transform).

    The returned image may be the input itself when nothing had to change.
    """
    rgb = to_rgb8(arr, alpha=alpha)
    h, w = rgb.shape[:2]
    ow, oh, s = fit_size(w, h, limits)
    out = resize_image(rgb, (ow, oh))
    return out, Transform((w, h), (ow, oh), s)


def _check_source_size(a: np.ndarray, transform: Transform, what: str) -> None:
    h, w = a.shape[:2]
    if (w, h) != transform.src_size:
        sw, sh = transform.src_size
        raise InputError(f"the {what} is {w}×{h} but the image is {sw}×{sh}: they must be the same size")


def fit_mask(mask: np.ndarray, transform: Transform) -> np.ndarray:
    """Put a source-frame mask through the image's transform → uint8 {0, 255}."""
    m = to_mask_bool(mask)
    _check_source_size(m, transform, "mask")
    x, y, cw, ch = transform.region
    m = m[y : y + ch, x : x + cw]
    out = resize_mask(np.ascontiguousarray(m).view(np.uint8), transform.out_size)
    return (out * np.uint8(255)).astype(np.uint8, copy=False)


def unfit(
    result: np.ndarray, transform: Transform, *, base: np.ndarray | None = None, nearest: bool = False
) -> np.ndarray:
    """Map a service result back to the source frame.

    The result (whatever its size: some features return a multiple of the input)
    is resized to the source region. Without a crop that is the source frame.
    With a crop, the region is pasted into a copy of `base` (the source, same
    dtype) when given, otherwise the region alone is returned. ``nearest`` keeps
    label/mask values (nearest neighbour instead of area/cubic).
    """
    x, y, cw, ch = transform.region
    r = np.asarray(result)
    r = resize_mask(r, (cw, ch)) if nearest else resize_image(r, (cw, ch))
    if transform.crop is None or base is None:
        return r
    _check_source_size(base, transform, "base image")
    out = np.array(base, copy=True)
    if out.ndim == 3 and r.ndim == 2:
        r = r[:, :, None]
    out[y : y + ch, x : x + cw] = r[..., : out.shape[2]] if out.ndim == 3 else r
    return out
