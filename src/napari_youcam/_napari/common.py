"""Small napari helpers shared by the widgets (no business logic).

Kept apart so every panel names result layers, copies the source layer's
placement and reports errors the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import napari.layers
import numpy as np
from napari.utils.notifications import show_error, show_info, show_warning

from napari_youcam._napari.layer_types import ArrayData, LayerData
from napari_youcam.api import TaskFailedError
from napari_youcam.errors import YouCamError
from napari_youcam.limits import JsonObject

if TYPE_CHECKING:
    from napari.layers import Labels, Layer

SEP = " · "  # result layers are named "<source> · <feature>"


def sample_data_dir() -> Path:
    """The sample_data folder: the wheel's copy first, then the repo root (editable)."""
    here = Path(__file__).resolve().parent.parent
    for cand in (here / "sample_data", here.parents[1] / "sample_data"):
        if cand.is_dir():
            return cand
    raise FileNotFoundError("sample_data folder not found")


def result_name(source: str, feature_title: str) -> str:
    """Name of a result layer; never equal to the source, so nothing is overwritten."""
    return f"{source}{SEP}{feature_title}"


def short_title(title: str) -> str:
    """A feature title as a layer-name part: "AI Face Lift" → "face lift"."""
    words = title.split()
    while words and words[0].lower() in ("ai", "photo"):
        words = words[1:]
    return " ".join(words).lower() or title.lower()


def preview_name(source: str, what: str) -> str:
    """Name of a preview layer: says it is a preview, never looks like a result."""
    return f"{source}{SEP}{what} (preview)"


def mask_for(viewer: napari.Viewer, image: Layer) -> Labels | None:
    """The Labels layer painted on `image` (the newest one), or None."""
    found = [
        lay
        for lay in viewer.layers
        if isinstance(lay, napari.layers.Labels) and lay.metadata.get("youcam_mask_for") == image.name
    ]
    return found[-1] if found else None


def placement(layer: Layer | None) -> JsonObject:
    """Spatial kwargs so a result drawn in the source frame sits on top of the source."""
    if layer is None:
        return {}
    nd = 2
    return {
        "translate": tuple(np.asarray(layer.translate)[-nd:]),
        "scale": tuple(np.asarray(layer.scale)[-nd:]),
    }


def geometry(layer: Layer | None) -> JsonObject | None:
    """A snapshot of a layer's 2D size and placement, taken on the Qt thread.

    Result layers are prepared on the worker thread; reading a live layer there
    would race with the user moving it, so panels snapshot it when the job starts.
    """
    if layer is None:
        return None
    return {"hw": image_hw(layer), **placement(layer)}


def image_hw(layer: Layer) -> tuple[int, int]:
    """(height, width) of an image layer's 2D plane (RGB/RGBA aware, multiscale: full resolution)."""
    shape = tuple(_full_res(layer).shape)
    if getattr(layer, "rgb", False):
        return int(shape[-3]), int(shape[-2])
    return int(shape[-2]), int(shape[-1])


def _full_res(layer: Layer) -> ArrayData:
    """The full-resolution array of a layer (level 0 of a multiscale pyramid)."""
    data: ArrayData = layer.data[0] if getattr(layer, "multiscale", False) else layer.data
    return data


def frame_of(layer: Layer, viewer: napari.Viewer | None = None) -> tuple[int, ...]:
    """Indices of the layer's leading (non-spatial) axes at the viewer's current position.

    The plane a user looks at: the dims slider's world position mapped into the
    layer's data coordinates, rounded and clipped. () for a plain 2D layer; zeros
    when no viewer is given (scripted use).
    """
    data = _full_res(layer)
    n_lead = len(data.shape) - (3 if getattr(layer, "rgb", False) else 2)
    if n_lead <= 0:
        return ()
    if viewer is None:
        return (0,) * n_lead
    coords = np.asarray(layer.world_to_data(viewer.dims.point))[:n_lead]
    return tuple(int(np.clip(round(float(c)), 0, data.shape[i] - 1)) for i, c in enumerate(coords))


def plane(layer: Layer, viewer: napari.Viewer | None = None) -> np.ndarray:
    """The 2D (or 2D+channels) array the service sees: the plane of a stack on screen.

    With `viewer`, the frame under the dims slider (`frame_of`); without, the first.
    Multiscale layers give their full-resolution level.
    """
    data = _full_res(layer)
    frame = frame_of(layer, viewer)
    return np.asarray(data[frame]) if frame else np.asarray(data)


def frame_meta(layer: Layer | None, viewer: napari.Viewer) -> JsonObject:
    """Provenance of the plane sent: {"frame": [t, ...]} for a stack, {} for a 2D layer."""
    frame = frame_of(layer, viewer) if layer is not None else ()
    return {"frame": list(frame)} if frame else {}


def report_error(exc: BaseException, what: str = "") -> str:
    """Show an error as a napari notification: friendly text, no traceback for ours."""
    if isinstance(exc, TaskFailedError) and exc.friendly:
        text = exc.friendly
    elif isinstance(exc, YouCamError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    msg = f"{what}: {text}" if what else text
    show_error(msg)
    return msg


__all__ = [
    "SEP",
    "LayerData",
    "frame_meta",
    "frame_of",
    "geometry",
    "image_hw",
    "mask_for",
    "placement",
    "preview_name",
    "plane",
    "report_error",
    "result_name",
    "sample_data_dir",
    "short_title",
    "show_error",
    "show_info",
    "show_warning",
]


def unwrap(viewer: napari.Viewer) -> napari.Viewer:
    """The real Viewer behind napari's PublicOnlyProxy.

    Layers reached through the proxy are proxies too, so identity checks such as
    "is the job's source layer still in the viewer" would fail against the real
    layers magicgui's combo boxes hold. We only use public API on it.
    """
    return getattr(viewer, "__wrapped__", viewer)
