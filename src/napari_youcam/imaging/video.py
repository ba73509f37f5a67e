"""Decode a video file into frames: (T, H, W, 3) RGB uint8, with OpenCV.

Video features return an .mp4; researchers want to scrub it next to the photo it
came from. Pure numpy out, no Qt: the napari reader and result layers use it, and so
can scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

import cv2
import numpy as np

from napari_youcam.errors import YouCamError

VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".m4v")
# A result video of 10 s at 1080p is ~300 frames × 6 MB: keep the layer bounded so
# an unexpectedly long file cannot exhaust memory; the file itself stays complete.
MAX_BYTES = 2 * 1024**3


class VideoDecodeError(YouCamError):
    """OpenCV could not open or decode the file (missing codec, truncated file)."""


class VideoInfo(TypedDict):
    """What `read_video` read: ``truncated`` when frames past ``max_bytes`` were left out."""

    fps: float
    frames: int
    truncated: bool
    width: int
    height: int


def read_video(path: str | Path, *, max_bytes: int = MAX_BYTES) -> tuple[np.ndarray, VideoInfo]:
    """Frames as (T, H, W, 3) RGB uint8 and {fps, frames, truncated, width, height}."""
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
    info: VideoInfo = {
        "fps": fps,
        "frames": int(arr.shape[0]),
        "truncated": truncated,
        "width": int(arr.shape[2]),
        "height": int(arr.shape[1]),
    }
    return arr, info
