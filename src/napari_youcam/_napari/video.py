"""Video files as napari time series: (T, H, W, 3) uint8 frames via OpenCV.

Video features (video enhance, face swap, style transfer, image-to-video) return an
.mp4; showing it as an Image layer lets the user scrub it with napari's time
slider next to the photo it came from. Decoding (`imaging.read_video`) is blocking
file I/O, so callers run it on a worker thread and hand the array to napari afterwards.

The same function backs the npe2 reader for *.mp4 / *.mov / *.avi, so a result
saved earlier opens the same way by drag and drop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from napari.utils.notifications import show_warning

from napari_youcam._napari.layer_types import LayerData, LayerTuple
from napari_youcam.imaging.video import VIDEO_SUFFIXES, VideoDecodeError, read_video
from napari_youcam.limits import JsonObject

__all__ = ["VIDEO_SUFFIXES", "VideoDecodeError", "get_reader", "read_video", "video_layer_data"]


def video_layer_data(path: str | Path, *, name: str | None = None, metadata: JsonObject | None = None) -> LayerTuple:
    """A napari layer-data tuple for a video file (raises VideoDecodeError)."""
    arr, info = read_video(path)
    meta = dict(metadata or {})
    meta["video"] = {"file": str(path), **info}
    return (arr, {"name": name or Path(path).stem, "rgb": True, "metadata": meta}, "image")


def get_reader(path: str | list[str]) -> Callable[[str | list[str]], list[LayerData]] | None:
    """npe2 reader hook for video files (one file at a time)."""
    if isinstance(path, list):
        if len(path) != 1:
            return None
        path = path[0]
    if not str(path).lower().endswith(VIDEO_SUFFIXES):
        return None
    return read_video_file


def read_video_file(path: str | list[str]) -> list[LayerData]:
    """Layer-data for napari; an undecodable file yields a warning instead of a layer."""
    if isinstance(path, list):
        path = path[0]
    try:
        return [video_layer_data(path)]
    except VideoDecodeError as e:
        show_warning(f"{e}; the file is unchanged on disk")
        return [(None,)]  # npe2's "read, nothing to show": no other reader would do better
