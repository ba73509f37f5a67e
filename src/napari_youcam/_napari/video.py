"""Video files as napari time series: (T, H, W, 3) uint8 frames via OpenCV.

Video features (video enhance, face swap, style transfer, image-to-video) return an
.mp4; showing it as an Image layer lets the user scrub it with napari's time
slider next to the photo it came from. Decoding is blocking file I/O, so callers
run `read_video` on a worker thread and hand the array to napari afterwards.

The same function backs the npe2 reader for *.mp4 / *.mov / *.avi, so a result
saved earlier opens the same way by drag and drop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".m4v")
# A result video of 10 s at 1080p is ~300 frames × 6 MB: keep the layer bounded so
# an unexpectedly long file cannot exhaust memory; the file itself stays complete.
MAX_BYTES = 2 * 1024**3


class VideoDecodeError(RuntimeError):
    """OpenCV could not open or decode the file (missing codec, truncated file)."""


def read_video(path: str | Path, *, max_bytes: int = MAX_BYTES) -> tuple[np.ndarray, dict[str, Any]]:
    """Frames as (T, H, W, 3) RGB uint8 and {fps, frames, truncated, width, height}."""
    import cv2

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise VideoDecodeError(f"cannot open {Path(path).name} with OpenCV")
    try:
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        frames: list[np.ndarray] = []
        used = 0
        truncated = False
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if used + frame.nbytes > max_bytes:
                truncated = True
                break
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            used += frame.nbytes
    finally:
        cap.release()
    if not frames:
        raise VideoDecodeError(f"no frame could be decoded from {Path(path).name}")
    arr = np.stack(frames)
    info = {"fps": fps, "frames": int(arr.shape[0]), "truncated": truncated,
            "width": int(arr.shape[2]), "height": int(arr.shape[1])}
    return arr, info


def video_layer_data(path: str | Path, *, name: str | None = None,
                     metadata: dict[str, Any] | None = None) -> tuple:
    """A napari layer-data tuple for a video file (raises VideoDecodeError)."""
    arr, info = read_video(path)
    meta = dict(metadata or {})
    meta["video"] = {"file": str(path), **info}
    return (arr, {"name": name or Path(path).stem, "rgb": True, "metadata": meta}, "image")


def get_reader(path: str | list[str]) -> Callable[[Any], list[tuple]] | None:
    """npe2 reader hook for video files (one file at a time)."""
    if isinstance(path, list):
        if len(path) != 1:
            return None
        path = path[0]
    if not str(path).lower().endswith(VIDEO_SUFFIXES):
        return None
    return read_video_file


def read_video_file(path: str | list[str]) -> list[tuple]:
    """Layer-data for napari; an undecodable file yields a warning instead of a layer."""
    from napari.utils.notifications import show_warning

    if isinstance(path, list):
        path = path[0]
    try:
        return [video_layer_data(path)]
    except VideoDecodeError as e:
        show_warning(f"{e}; the file is unchanged on disk")
        return [(None,)]  # npe2's "read, nothing to show": no other reader would do better
