"""`prepare`: normalise → fit → encode, plus the mask, in one call for the workflow."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from napari_youcam.errors import InputError
from napari_youcam.features.spec import InputInfo, Limits
from napari_youcam.imaging.convert import AlphaMode, to_rgb8_notes
from napari_youcam.imaging.encode import Encoded, encode, encode_mask, human_bytes
from napari_youcam.imaging.fit import Transform, fit_size, fit_mask, resize_image
from napari_youcam.imaging.masks import check_mask


@dataclass(frozen=True)
class Prepared:
    """What goes to the service for one source image (and its mask)."""

    image: Encoded
    mask: Encoded | None
    transform: Transform
    info: InputInfo
    notes: list[str] = field(default_factory=list)
    mask_info: InputInfo | None = None


def prepare(arr: np.ndarray, limits: Limits, *, mask: np.ndarray | None = None,
            prefer: str | None = None, alpha: AlphaMode = "white") -> Prepared:
    """Everything needed to upload `arr` (and `mask`) for an endpoint with `limits`.

    The mask is checked against the *source* first (same W×H, not empty, not the
    whole image) so a wrong mask fails before any resizing or upload, then goes
    through exactly the image's geometry.
    """
    rgb, notes = to_rgb8_notes(arr, alpha=alpha)
    h, w = rgb.shape[:2]
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
