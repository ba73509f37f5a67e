"""Small napari helpers shared by the widgets (no business logic).

Kept apart so every panel names result layers, copies the source layer's
placement and reports errors the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from napari.utils.notifications import show_error, show_info, show_warning

from napari_youcam.errors import YouCamError

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


def placement(layer: Any) -> dict[str, Any]:
    """Spatial kwargs so a result drawn in the source frame sits on top of the source."""
    if layer is None:
        return {}
    nd = 2
    return {
        "translate": tuple(np.asarray(layer.translate)[-nd:]),
        "scale": tuple(np.asarray(layer.scale)[-nd:]),
    }


def geometry(layer: Any) -> dict[str, Any] | None:
    """A snapshot of a layer's 2D size and placement, taken on the Qt thread.

    Result layers are prepared on the worker thread; reading a live layer there
    would race with the user moving it, so panels snapshot it when the job starts.
    """
    if layer is None:
        return None
    return {"hw": image_hw(layer), **placement(layer)}


def image_hw(layer: Any) -> tuple[int, int]:
    """(height, width) of an image layer's 2D plane (RGB/RGBA aware)."""
    shape = tuple(layer.data.shape)
    if getattr(layer, "rgb", False):
        return int(shape[-3]), int(shape[-2])
    return int(shape[-2]), int(shape[-1])


def plane(layer: Any) -> np.ndarray:
    """The 2D (or 2D+channels) array the service sees: the current plane of a stack."""
    data = np.asarray(layer.data)
    want = 3 if getattr(layer, "rgb", False) else 2
    while data.ndim > want:
        data = data[0]
    return data


def report_error(exc: BaseException, what: str = "") -> str:
    """Show an error as a napari notification: friendly text, no traceback for ours."""
    if isinstance(exc, YouCamError):
        text = getattr(exc, "friendly", None) or str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    msg = f"{what}: {text}" if what else text
    show_error(msg)
    return msg


__all__ = [
    "SEP",
    "geometry",
    "image_hw",
    "placement",
    "plane",
    "report_error",
    "result_name",
    "sample_data_dir",
    "show_error",
    "show_info",
    "show_warning",
]


def unwrap(viewer: Any) -> Any:
    """The real Viewer behind napari's PublicOnlyProxy.

    Layers reached through the proxy are proxies too, so identity checks such as
    "is the job's source layer still in the viewer" would fail against the real
    layers magicgui's combo boxes hold. We only use public API on it.
    """
    return getattr(viewer, "__wrapped__", viewer)
