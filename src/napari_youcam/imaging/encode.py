"""Encode an 8-bit image in a format the feature accepts, under its size cap.

cv2 is used for both formats: it is the fastest encoder measured on this machine
(JPEG through libjpeg-turbo, PNG with a fast zlib strategy that is 5× faster than
Pillow's default level at ~20 % more bytes, which does not matter for an upload).
When a JPEG at `quality` is over the cap, the quality that fits is predicted from
that encode's size (one more encode, at most one correction) instead of stepping
down 4 at a time. Below `min_quality` the artefacts would change what the models
see, so we stop and ask the user to make the image smaller instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from napari_youcam.errors import InputError
from napari_youcam.imaging.convert import to_rgb8
from napari_youcam.limits import Limits

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
DEFAULT_QUALITY = 92
MIN_QUALITY = 70
QUALITY_STEP = 4


@dataclass(frozen=True)
class Encoded:
    """Encoded bytes ready for upload. ``quality`` is None for PNG."""

    data: bytes
    format: str  # "jpg" | "png"
    content_type: str
    quality: int | None = None

    @property
    def nbytes(self) -> int:
        return len(self.data)

    @property
    def extension(self) -> str:
        return "." + self.format


def human_bytes(n: int) -> str:
    """1.3 MB style sizes for notes (decimal units, like file browsers)."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1000:
        return f"{n / 1000:.0f} kB"
    return f"{n} B"


def _norm_fmt(fmt: str) -> str:
    f = fmt.lower().lstrip(".")
    return "jpg" if f in ("jpg", "jpeg") else f


def _accepted(limits: Limits) -> list[str]:
    out: list[str] = []
    for f in limits.formats:
        n = _norm_fmt(f)
        if n in CONTENT_TYPES and n not in out:
            out.append(n)
    return out


def encode_jpeg(rgb: np.ndarray, quality: int) -> bytes:
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - cv2 only fails on impossible input
        raise InputError("JPEG encoding failed")
    return buf.tobytes()


def encode_png(arr: np.ndarray) -> bytes:
    """PNG of an (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA uint8 array."""
    a = arr
    if a.ndim == 3 and a.shape[2] == 3:
        a = cv2.cvtColor(a, cv2.COLOR_RGB2BGR)
    elif a.ndim == 3 and a.shape[2] == 4:
        a = cv2.cvtColor(a, cv2.COLOR_RGBA2BGRA)
    ok, buf = cv2.imencode(".png", a)
    if not ok:  # pragma: no cover
        raise InputError("PNG encoding failed")
    return buf.tobytes()


def encode(
    arr: np.ndarray,
    limits: Limits,
    *,
    prefer: str | None = None,
    quality: int = DEFAULT_QUALITY,
    min_quality: int = MIN_QUALITY,
) -> Encoded:
    """Encode under ``limits.max_bytes`` (strictly below) in an accepted format.

    JPEG unless ``prefer="png"`` and the feature accepts PNG (JPEG-only features
    silently get JPEG: the preference is a wish, the limit is a rule). A PNG that
    is over the cap falls back to JPEG when JPEG is accepted.
    """
    if not 1 <= min_quality <= quality <= 100:
        raise InputError(f"JPEG quality must satisfy 1 ≤ floor ({min_quality}) ≤ quality ({quality}) ≤ 100")
    accepted = _accepted(limits)
    if not accepted:
        raise InputError(f"the feature accepts none of the image formats we can write (it takes {limits.formats})")
    rgb = to_rgb8(arr)
    cap = limits.max_bytes
    want = _norm_fmt(prefer) if prefer else None
    if want == "png" and "png" in accepted:
        data = encode_png(rgb)
        if len(data) < cap:
            return Encoded(data, "png", CONTENT_TYPES["png"])
        if "jpg" not in accepted:
            raise InputError(
                f"the PNG is {human_bytes(len(data))}, over the {human_bytes(cap)} limit, and this "
                "feature takes PNG only: make the image smaller"
            )
    if "jpg" not in accepted:
        data = encode_png(rgb)
        if len(data) >= cap:
            raise InputError(
                f"the PNG is {human_bytes(len(data))}, over the {human_bytes(cap)} limit: make the image smaller"
            )
        return Encoded(data, "png", CONTENT_TYPES["png"])
    return _jpeg_under_cap(rgb, cap, quality, min_quality)


def _jpeg_scale(q: float) -> float:
    """libjpeg's quantisation-table scale for quality `q` (1..100)."""
    return 50.0 / q if q < 50 else (200.0 - 2.0 * q) / 100.0


def _quality_for_scale(s: float) -> float:
    return 50.0 / s if s > 1.0 else (200.0 - 100.0 * s) / 2.0


def _predict_quality(points: list[tuple[int, int]], target: float) -> int:
    """Quality whose size should be `target`, from encodes seen so far.

    Byte size follows ``size ≈ C · scale^(-k)`` closely over q 50..95 (k ≈ 0.5 on
    photos); with two points k is fitted, with one the typical k is used.
    """
    k = 0.5
    (q0, n0) = points[-1]
    if len(points) >= 2:
        q1, n1 = points[-2]
        ds = math.log(_jpeg_scale(q0) / _jpeg_scale(q1))
        if ds != 0 and n0 != n1:
            k = min(2.0, max(0.15, -math.log(n0 / n1) / ds))
    s = _jpeg_scale(q0) * (n0 / target) ** (1.0 / k)
    return int(math.floor(_quality_for_scale(s)))


def _jpeg_under_cap(rgb: np.ndarray, cap: int, quality: int, min_quality: int) -> Encoded:
    """The highest quality we find under `cap` with at most three encodes in the usual case.

    Encode at `quality`; when over the cap, predict the quality that lands just
    under it (aiming 2 % low) and encode once more; one correction from the two
    measured points if that is still over. Only pathological content falls back to
    stepping down.
    """
    points: list[tuple[int, int]] = []
    q = quality
    while True:
        data = encode_jpeg(rgb, q)
        points.append((q, len(data)))
        if len(data) < cap:
            return Encoded(data, "jpg", CONTENT_TYPES["jpg"], q)
        if q <= min_quality:
            break
        guess = _predict_quality(points, cap * 0.98) if len(points) <= 2 else q - QUALITY_STEP
        q = max(min_quality, min(q - 1, guess))
    h, w = rgb.shape[:2]
    raise InputError(
        f"a {w}×{h} JPEG is still {human_bytes(points[-1][1])} at quality {min_quality} (the floor), "
        f"over the {human_bytes(cap)} limit: make the image smaller (crop it or lower its long side)",
        code="exceed_max_filesize",
    )


def mask_png_bytes(mask: np.ndarray) -> bytes:
    """A 2-D uint8 mask as a grayscale PNG (lossless: a JPEG mask is no longer binary)."""
    m = np.asarray(mask)
    if m.ndim != 2:
        raise InputError(f"a mask must be 2-D (H, W), got shape {m.shape}")
    if m.dtype == np.bool_:
        m = m.view(np.uint8) * np.uint8(255)
    elif m.dtype != np.uint8:
        raise InputError(f"a mask PNG needs uint8 values 0..255, got {m.dtype}: use labels_to_mask first")
    return encode_png(np.ascontiguousarray(m))


def encode_mask(mask: np.ndarray, limits: Limits | None = None) -> Encoded:
    data = mask_png_bytes(mask)
    if limits is not None and len(data) >= limits.max_bytes:
        raise InputError(f"the mask PNG is {human_bytes(len(data))}, over the {human_bytes(limits.max_bytes)} limit")
    return Encoded(data, "png", CONTENT_TYPES["png"])
