"""Crop around a mask so small edits keep full resolution, and put the result back.

Object removal on a 6000×4000 photo would otherwise be downscaled to the
feature's long side, and the whole photo would come back softened. Cropping the
mask's bounding box plus context padding, sending only that (fitted to the limits
if it is still too large) and compositing the returned crop back with a feathered
edge keeps every pixel outside the edit identical to the source.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from napari_youcam.errors import InputError
from napari_youcam.imaging.convert import to_mask_bool, to_rgb8
from napari_youcam.imaging.fit import Transform, fit_size, resize_image, resize_mask
from napari_youcam.imaging.masks import check_mask, feather_mask
from napari_youcam.limits import Limits


@dataclass(frozen=True)
class MaskCrop:
    """The crop to send: ``image`` and ``mask`` (uint8 0/255) already fitted."""

    image: np.ndarray
    mask: np.ndarray
    transform: Transform  # crop box in source pixels + scale to the sent size
    padding: int


def crop_for_mask(image: np.ndarray, mask: np.ndarray, *, padding: int = 128, limits: Limits | None = None) -> MaskCrop:
    """Crop `image`/`mask` to the mask's bounding box grown by `padding` px.

    The box is clipped to the image, widened (when the image allows) to the
    limits' minimum sides, then the crop is fitted to `limits`.
    """
    rgb = to_rgb8(image)
    H, W = rgb.shape[:2]
    check_mask(mask, (H, W))
    sel = to_mask_bool(mask)
    rows = np.flatnonzero(sel.any(axis=1))
    cols = np.flatnonzero(sel.any(axis=0))
    pad = max(0, int(padding))
    x0, x1 = max(0, cols[0] - pad), min(W, cols[-1] + 1 + pad)
    y0, y1 = max(0, rows[0] - pad), min(H, rows[-1] + 1 + pad)
    if limits is not None:
        need = max(v for v in (limits.short_min, limits.side_min, 1) if v)
        x0, x1 = _widen(x0, x1, need, W)
        y0, y1 = _widen(y0, y1, need, H)
    cw, ch = int(x1 - x0), int(y1 - y0)
    if limits is not None:
        ow, oh, s = fit_size(cw, ch, limits)
    else:
        ow, oh, s = cw, ch, 1.0
    box = (int(x0), int(y0), cw, ch)
    tf = Transform((W, H), (ow, oh), s, box)
    img = resize_image(np.ascontiguousarray(rgb[y0:y1, x0:x1]), (ow, oh))
    m = np.ascontiguousarray(sel[y0:y1, x0:x1]).view(np.uint8)
    m = resize_mask(m, (ow, oh)) * np.uint8(255)
    if m.all():
        raise InputError("the mask covers its whole crop: increase padding so the service sees context")
    return MaskCrop(img, m, tf, pad)


def _widen(a: int, b: int, need: int, size: int) -> tuple[int, int]:
    """Grow [a, b) symmetrically to at least `need` (or the whole axis)."""
    if b - a >= need:
        return a, b
    need = min(need, size)
    extra = need - (b - a)
    a2 = max(0, a - extra // 2)
    b2 = min(size, a2 + need)
    return b2 - need, b2


def composite_crop(
    source: np.ndarray, result: np.ndarray, transform: Transform, mask: np.ndarray, *, feather: float = 16
) -> np.ndarray:
    """Blend a returned crop into a copy of `source` (RGB uint8 result).

    The result is mapped back to the crop box; inside the mask it replaces the
    source, over a `feather`-px ramp outside the mask it blends, and everywhere
    else the source is untouched (bit-identical).
    """
    if transform.crop is None:
        raise InputError("composite_crop needs the transform of crop_for_mask (it has no crop box)")
    src = to_rgb8(source)
    H, W = src.shape[:2]
    if transform.src_size != (W, H):
        raise InputError(
            f"the source is {W}×{H} but the crop was made from {transform.src_size[0]}×{transform.src_size[1]}"
        )
    sel = to_mask_bool(mask)
    if sel.shape != (H, W):
        raise InputError(f"the mask is {sel.shape[1]}×{sel.shape[0]} but the source is {W}×{H}")
    x, y, cw, ch = transform.crop
    res = resize_image(to_rgb8(result), (cw, ch))
    alpha = feather_mask(np.ascontiguousarray(sel[y : y + ch, x : x + cw]), feather)
    out = src.copy()
    region = out[y : y + ch, x : x + cw]
    a = alpha.astype(np.uint16)[:, :, None]
    blended = ((res.astype(np.uint16) * a + region.astype(np.uint16) * (255 - a) + 127) // 255).astype(np.uint8)
    nz = alpha > 0
    region[nz] = blended[nz]
    return out
