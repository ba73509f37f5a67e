"""Writer: a Labels layer saved as `*.mask.png` becomes a YouCam mask.

An explicit choice: the writer claims only the `.mask.png` extension (napari's
Save dialog lists it as "YouCam mask"), so saving a Labels layer as plain `.png`
never flattens it behind the user's back. The file is the grayscale mask the
service expects (255 = area to act on, 0 = keep), produced by
`imaging.labels_to_mask` so the CLI and the widgets export the same bytes. When
several labels are painted, every one of them becomes the mask and the writer says
which; for a stack, the plane on screen is written.
"""

from __future__ import annotations

from pathlib import Path

import napari
import numpy as np
import numpy.typing as npt
from napari.utils.notifications import show_warning

from napari_youcam._napari.common import plane
from napari_youcam.imaging import labels_to_mask
from napari_youcam.imaging.encode import mask_png_bytes
from napari_youcam.limits import JsonObject

MASK_SUFFIX = ".mask.png"


def _plane_on_screen(data: npt.ArrayLike, meta: JsonObject) -> np.ndarray:
    """The 2D plane of `data` the user is looking at (the first one when no viewer shows it)."""
    arr = np.asarray(data)
    if arr.ndim <= 2:
        return arr
    viewer = napari.current_viewer()
    name = meta.get("name")
    if viewer is not None and name in viewer.layers:
        layer = viewer.layers[name]
        if layer.data.shape == arr.shape:
            return plane(layer, viewer)
    return np.asarray(arr[(0,) * (arr.ndim - 2)])


def mask_note(labels: np.ndarray) -> str | None:
    """What a user must hear when several labels become one mask (None for one label)."""
    values = [int(v) for v in np.unique(labels) if v != 0]
    if len(values) <= 1:
        return None
    shown = ", ".join(str(v) for v in values[:10]) + (" …" if len(values) > 10 else "")
    return f"labels {shown} were all written as the mask (255); erase the ones you do not want sent"


def write_mask(path: str, data: npt.ArrayLike, meta: JsonObject) -> list[str]:
    """npe2 single-layer writer for Labels → mask PNG."""
    arr = _plane_on_screen(data, meta)
    note = mask_note(arr)
    mask = labels_to_mask(arr)
    p = Path(path)
    if not p.name.lower().endswith(MASK_SUFFIX):
        p = p.with_name(p.name.split(".")[0] + MASK_SUFFIX)
    p.write_bytes(mask_png_bytes(mask))
    if note:
        show_warning(f"YouCam mask {p.name}: {note}.")
    return [str(p)]
