"""Normalise whatever a napari layer holds to 8-bit RGB.

napari image layers hold uint8, uint16, any integer or float data, gray or RGB(A),
and bool for thresholded data. The service only takes 8-bit RGB JPEG/PNG, so every
path into the service goes through `to_rgb8`. The rules are fixed and documented
here so a user can predict what is sent:

* uint8: as is. bool: False → 0, True → 255.
* uint16: full range, ``round(v / 257)`` (65535 → 255), like every 16-bit viewer.
* other integers: values already inside 0..255 are kept; otherwise the data range
  is stretched to 0..255 (a labels-like int32 array must still be visible).
* float inside [0, 1]: ``round(v * 255)`` (skimage's float convention).
  float outside [0, 1]: the finite data range is stretched to 0..255 (napari's
  auto-contrast); NaN/inf become 0 / the limits.
* gray (H, W) or (H, W, 1) is replicated to 3 channels; (H, W, 2) is gray + alpha.
* alpha (RGBA / gray+alpha): composited onto white by default (``alpha="white"``),
  because a transparent area sent as black reads as a dark object to the face and
  retouch models; ``"black"`` composites onto black and ``"drop"`` ignores it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from napari_youcam.errors import InputError

AlphaMode = Literal["white", "black", "drop"]


def _float_to_u8(a: np.ndarray) -> np.ndarray:
    """Floats: [0, 1] scaled by 255, any other range stretched; NaN → 0, ±inf → the limits."""
    f = a.astype(np.float32, copy=False)
    finite = np.isfinite(f)
    if not finite.all():
        f = np.where(finite, f, 0.0).astype(np.float32)
        # +inf → top, -inf → bottom of the finite range
        f[np.isposinf(a)] = f.max() if f.size else 0
        f[np.isneginf(a)] = f.min() if f.size else 0
    lo, hi = (float(f.min()), float(f.max())) if f.size else (0.0, 1.0)
    if lo >= 0.0 and hi <= 1.0:
        return _unit_to_u8(f)
    return _stretch(f, lo, hi)


def _unit_to_u8(f: np.ndarray) -> np.ndarray:
    """[0, 1] → 0..255, rounded and clipped."""
    out: np.ndarray = np.clip(np.rint(f * 255.0), 0, 255).astype(np.uint8)
    return out


def _scale_to_u8(a: np.ndarray) -> np.ndarray:
    """Map one array (any dtype, channels untouched) to uint8 by the rules above."""
    if a.dtype == np.uint8:
        return a
    if a.dtype == np.bool_:
        return a.astype(np.uint8) * np.uint8(255)
    if a.dtype == np.uint16:
        # (v + 128) // 257 == round(v / 257) for 0..65535, in integer maths.
        return ((a.astype(np.uint32) + 128) // 257).astype(np.uint8)
    if np.issubdtype(a.dtype, np.integer):
        lo, hi = (int(a.min()), int(a.max())) if a.size else (0, 0)
        if lo >= 0 and hi <= 255:
            return a.astype(np.uint8)
        return _stretch(a.astype(np.float64), lo, hi)
    if np.issubdtype(a.dtype, np.floating):
        return _float_to_u8(a)
    raise InputError(f"cannot convert an image of dtype {a.dtype} to 8-bit RGB: use an integer, float or bool array")


def _stretch(a: np.ndarray, lo: float, hi: float) -> np.ndarray:
    if hi <= lo:
        return np.zeros(a.shape, np.uint8)
    return np.clip(np.rint((a - lo) * (255.0 / (hi - lo))), 0, 255).astype(np.uint8)


def split_alpha(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (colour (H, W, 3) or (H, W), alpha (H, W) or None) in the source dtype."""
    a = np.asarray(arr)
    if a.ndim == 2:
        return a, None
    if a.ndim != 3:
        raise InputError(
            f"expected a 2-D gray or 3-D (H, W, C) image, got shape {a.shape}: "
            "pick one plane of a stack (napari: the current slice) first"
        )
    c = a.shape[2]
    if c == 1:
        return a[:, :, 0], None
    if c == 2:
        return a[:, :, 0], a[:, :, 1]
    if c == 3:
        return a, None
    if c == 4:
        return a[:, :, :3], a[:, :, 3]
    raise InputError(f"expected 1 to 4 channels (gray, gray+alpha, RGB, RGBA), got {c} in shape {a.shape}")


def to_rgb8(arr: np.ndarray, *, alpha: AlphaMode = "white") -> np.ndarray:
    """Any napari image array → (H, W, 3) uint8 RGB.

    The input is returned unchanged (no copy) when it already is C-contiguous uint8
    RGB, because fitting a 24 MP photo should not pay for a 72 MB copy.
    """
    rgb8, _ = to_rgb8_notes(arr, alpha=alpha)
    return rgb8


def to_rgb8_notes(arr: np.ndarray, *, alpha: AlphaMode = "white") -> tuple[np.ndarray, list[str]]:
    """`to_rgb8` plus human notes on what was changed (for the UI's "notes")."""
    if alpha not in ("white", "black", "drop"):
        raise InputError(f"alpha must be 'white', 'black' or 'drop', not {alpha!r}")
    a = np.asarray(arr)
    if a.ndim == 3 and a.shape[2] == 3 and a.dtype == np.uint8:
        return (a if a.flags.c_contiguous else np.ascontiguousarray(a)), []
    if a.size == 0:
        raise InputError(f"the image is empty (shape {a.shape})")
    notes: list[str] = []
    colour, alpha_ch = split_alpha(a)
    if colour.dtype != np.uint8:
        notes.append(f"converted {colour.dtype} to 8-bit")
    colour8 = _scale_to_u8(colour)
    # alpha is read on its dtype's own scale, independently of the colour stretch
    alpha8 = _alpha_to_u8(alpha_ch) if alpha_ch is not None and alpha != "drop" else None
    if colour8.ndim == 2:
        colour8 = np.repeat(colour8[:, :, None], 3, axis=2)
        notes.append("gray replicated to RGB")
    if alpha_ch is not None:
        if alpha == "drop":
            notes.append("alpha channel dropped")
        elif alpha8 is not None and alpha8.min() < 255:
            bg = 255 if alpha == "white" else 0
            a16 = alpha8.astype(np.uint16)[:, :, None]
            out = (colour8.astype(np.uint16) * a16 + bg * (255 - a16) + 127) // 255
            colour8 = out.astype(np.uint8)
            notes.append(f"alpha composited onto {alpha}")
    return np.ascontiguousarray(colour8), notes


def _alpha_to_u8(alpha_ch: np.ndarray | None) -> np.ndarray | None:
    """Alpha uses the dtype's own full scale (uint16 65535, float 1.0 = opaque)."""
    if alpha_ch is None:
        return None
    if np.issubdtype(alpha_ch.dtype, np.floating):
        return _unit_to_u8(np.nan_to_num(alpha_ch))
    return _scale_to_u8(alpha_ch)


def to_mask_bool(mask: np.ndarray) -> np.ndarray:
    """A mask in any napari form → bool, True = area to act on.

    bool as is; float ≥ 0.5; every integer dtype (uint8 0/255 masks and Labels
    alike) non-zero — one predictable rule, and a feathered mask then keeps its
    whole soft edge inside the area (acting on slightly more is the safe side).
    """
    m = np.asarray(mask)
    if m.ndim == 3 and m.shape[2] in (1, 3, 4):
        m = m[:, :, 0] if m.shape[2] == 1 else m[:, :, :3].max(axis=2)
    if m.ndim != 2:
        raise InputError(f"a mask must be 2-D (H, W), got shape {m.shape}")
    if m.dtype == np.bool_:
        return m
    selected: np.ndarray = m >= 0.5 if np.issubdtype(m.dtype, np.floating) else m != 0
    return selected
