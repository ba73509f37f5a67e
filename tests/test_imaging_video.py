"""imaging.read_video: frames back from a real mp4, clear errors for what is not one."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from napari_youcam.errors import YouCamError
from napari_youcam.imaging import VideoDecodeError, read_video


def _write_mp4(path, frames: int = 6, size=(64, 48)) -> None:
    w, h = size
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 12.0, (w, h))
    assert out.isOpened()
    for i in range(frames):
        frame = np.zeros((h, w, 3), np.uint8)
        frame[..., 2] = 30 * i  # BGR: red grows frame by frame
        out.write(frame)
    out.release()


def test_frames_come_back_in_order_as_rgb(tmp_path):
    p = tmp_path / "clip.mp4"
    _write_mp4(p)
    frames, info = read_video(p)
    assert frames.shape == (6, 48, 64, 3) and frames.dtype == np.uint8
    assert info["frames"] == 6 and info["width"] == 64 and info["height"] == 48
    assert info["fps"] == pytest.approx(12.0, abs=0.5)
    reds = frames[..., 0].mean(axis=(1, 2))
    assert np.all(np.diff(reds) > 20)  # channel order is RGB and frame order kept
    assert frames[..., 2].max() < 20


def test_memory_bound_truncates_instead_of_exhausting(tmp_path):
    p = tmp_path / "clip.mp4"
    _write_mp4(p, frames=8)
    frames, info = read_video(p, max_bytes=3 * 64 * 48 * 3)
    assert frames.shape[0] == 3 and info["truncated"] is True


def test_not_a_video_is_a_typed_error(tmp_path):
    p = tmp_path / "fake.mp4"
    p.write_bytes(b"this is not a video")
    with pytest.raises(VideoDecodeError, match="fake.mp4") as exc:
        read_video(p)
    assert isinstance(exc.value, YouCamError)
