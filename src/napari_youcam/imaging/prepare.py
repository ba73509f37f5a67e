"""`prepare`: normalise → fit → encode, plus the mask, in one call for the workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from napari_youcam.errors import InputError
from napari_youcam.imaging.convert import AlphaMode, to_rgb8_notes
from napari_youcam.imaging.encode import Encoded, encode, encode_mask, human_bytes
from napari_youcam.imaging.fit import Transform, fit_mask, fit_size, resize_image
from napari_youcam.imaging.io import decode_reduction, read_image_file, read_image_header
from napari_youcam.imaging.masks import check_mask
from napari_youcam.limits import InputInfo, Limits


@dataclass(frozen=True)
class Prepared:
    """What goes to the service for one source image (and its mask)."""

    image: Encoded
    mask: Encoded | None
    transform: Transform
    info: InputInfo
    notes: list[str] = field(default_factory=list)
    mask_info: InputInfo | None = None


def prepare(
    arr: np.ndarray,
    limits: Limits,
    *,
    mask: np.ndarray | None = None,
    prefer: str | None = None,
    alpha: AlphaMode = "white",
) -> Prepared:
    """Everything needed to upload `arr` (and `mask`) for an endpoint with `limits`.

    The mask is checked against the *source* first (same W×H, not empty, not the
    whole image) so a wrong mask fails before any resizing or upload, then goes
    through exactly the image's geometry.
    """
    rgb, notes = to_rgb8_notes(arr, alpha=alpha)
    h, w = rgb.shape[:2]
    return _prepare(rgb, (w, h), limits, mask, prefer, notes)


def prepare_file(
    path: str | Path,
    limits: Limits,
    *,
    mask: np.ndarray | None = None,
    prefer: str | None = None,
    alpha: AlphaMode = "white",
    frame: int | None = None,
    what: str = "source",
) -> Prepared:
    """`prepare` for an image file, decoding no more pixels than the limits keep.

    The output size is computed from the file's header; a JPEG that will be
    shrunk at least 2× is decoded at ÷2/÷4/÷8 (DCT scaling) and area-resized from
    there. The result (size, transform, mask geometry) is the same as
    ``prepare(read_image_file(path), ...)``; the pixels differ by JPEG-decoder
    rounding only (≥ 38 dB PSNR, see tests/test_imaging_prepare_path.py).
    """
    hdr = read_image_header(path, what=what)
    reduce = 1
    if hdr is not None and (frame or 0) == 0:
        ow, oh, _ = fit_size(*hdr.size, limits)
        reduce = decode_reduction(hdr, (ow, oh))
    arr = read_image_file(path, what=what, frame=frame, reduce=reduce)
    if reduce == 1 or hdr is None or (arr.shape[1], arr.shape[0]) == hdr.size:
        return prepare(arr, limits, mask=mask, prefer=prefer, alpha=alpha)
    rgb, notes = to_rgb8_notes(arr, alpha=alpha)
    return _prepare(rgb, hdr.size, limits, mask, prefer, notes)


def _prepare(
    rgb: np.ndarray,
    src_size: tuple[int, int],
    limits: Limits,
    mask: np.ndarray | None,
    prefer: str | None,
    notes: list[str],
) -> Prepared:
    """Fit `rgb` (the source, possibly decoded smaller than `src_size`) and encode it and the mask."""
    w, h = src_size
    if mask is not None:
        check_mask(mask, (h, w))
    ow, oh, s = fit_size(w, h, limits)
    out = resize_image(rgb, (ow, oh))
    tf = Transform((w, h), (ow, oh), s)
    if (ow, oh) != (w, h):
        notes.append(f"resized {w}×{h} → {ow}×{oh}")
    enc = encode(out, limits, prefer=prefer)
    if enc.format == "jpg":
        notes.append(f"JPEG q{enc.quality}, {human_bytes(enc.nbytes)}")
    else:
        notes.append(f"PNG, {human_bytes(enc.nbytes)}")
    menc = None
    minfo = None
    if mask is not None:
        fm = fit_mask(mask, tf)
        if not fm.any() or fm.all():
            raise InputError(
                "after resizing to the feature's limits the mask is "
                + ("empty: paint a larger area" if not fm.any() else "the whole image: leave some area unpainted")
            )
        menc = encode_mask(fm, limits)
        minfo = InputInfo(ow, oh, menc.nbytes, "png")
        notes.append(f"mask PNG {ow}×{oh}, {human_bytes(menc.nbytes)}")
    info = InputInfo(ow, oh, enc.nbytes, enc.format)
    return Prepared(enc, menc, tf, info, notes, minfo)
