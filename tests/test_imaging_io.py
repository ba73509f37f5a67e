"""Reading image files (`imaging.read_image_file`, `apply_orientation`): hostile and unusual
files are refused in one line before any request; EXIF orientation and image modes are honoured."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from cli_helpers import one_line_error
from napari_youcam import cli
from napari_youcam.errors import InputError
from napari_youcam.imaging import apply_orientation, read_image_file


def _bomb(path):
    """A ~1 MB PNG that declares 30000×30000 pixels (Pillow's limit ×5)."""
    Image.new("L", (30000, 30000)).save(path, optimize=True)
    return path


def test_decompression_bomb_is_input_error_before_any_request(env, sb, tmp_path, capsys):
    bomb = _bomb(tmp_path / "bomb.png")
    n = len(sb.requests)
    assert cli.main(["run", "sod", str(bomb)]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "bomb.png" in line and "smaller image" in line
    assert sb.requests[n:] == []
    # the imaging commands read files the same way (OpenCV alone ignored the limit)
    assert cli.main(["prepare", "sod", str(bomb), "-o", str(tmp_path / "x.jpg")]) == 2
    assert "smaller image" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("content", [b"", b"hello, I am text\n", "truncated"], ids=["empty", "text", "truncated"])
def test_unreadable_files_are_one_line_exit_2(env, sb, tmp_path, photo, capsys, content):
    bad = tmp_path / "bad.png"
    bad.write_bytes(photo.read_bytes()[: len(photo.read_bytes()) // 2] if content == "truncated" else content)
    n = len(sb.requests)
    for argv in (
        ["run", "sod", str(bad)],
        ["prepare", "sod", str(bad), "-o", str(tmp_path / "o.jpg")],
        ["face-check", "face-reshape", str(bad)],
    ):
        assert cli.main(argv) == 2, argv
        assert "bad.png" in one_line_error(capsys.readouterr().err)
    assert sb.requests[n:] == []


def test_exif_orientation_is_honoured(env, sb, tmp_path, capsys):
    """A phone photo stored sideways with orientation=6 is sent the way viewers show it."""
    upright = np.zeros((120, 200, 3), np.uint8)
    upright[:20, :, 0] = 255  # red band along the top edge
    stored = Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90)  # 120 wide × 200 tall
    exif = Image.Exif()
    exif[0x0112] = 6
    p = tmp_path / "phone.jpg"
    stored.save(p, exif=exif.tobytes(), quality=95)
    arr = read_image_file(p)
    assert arr.shape[:2] == (120, 200)
    assert arr[5, 100, 0] > 200 and arr[100, 100, 0] < 60  # red band back on top

    n = len(sb.requests)
    assert cli.main(["run", "sod", str(p), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    side = json.loads(Path(res["sidecar"]).read_text())
    assert side["source_shape"][:2] == [120, 200]
    up = [r for r in sb.requests[n:] if r["method"] == "PUT"]
    assert up
    fid = list(sb.uploads)[-1]
    with Image.open(io.BytesIO(sb.uploads[fid])) as im:
        assert im.size == (200, 120)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_apply_orientation_matches_pillow(orientation):
    a = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    im = Image.fromarray(a)
    exif = im.getexif()
    exif[0x0112] = orientation
    im.info["exif"] = exif.tobytes()
    expected = np.asarray(ImageOps.exif_transpose(im))
    np.testing.assert_array_equal(apply_orientation(a, orientation), expected)


def test_image_modes_read(tmp_path):
    src = np.random.default_rng(0).integers(0, 65535, (30, 40, 3), dtype=np.uint16)
    cv2.imwrite(str(tmp_path / "rgb16.png"), src[..., ::-1])
    a = read_image_file(tmp_path / "rgb16.png")
    assert a.dtype == np.uint16 and a.shape == (30, 40, 3)
    np.testing.assert_array_equal(a, src)
    Image.fromarray(src[..., 0]).save(tmp_path / "g16.png")
    assert read_image_file(tmp_path / "g16.png").dtype == np.uint16
    Image.fromarray(src[..., :3].astype(np.uint8)).convert("CMYK").save(tmp_path / "cmyk.jpg")
    assert read_image_file(tmp_path / "cmyk.jpg").shape == (30, 40, 3)
    Image.fromarray(src[..., 0].astype(np.uint8)).convert("LA").save(tmp_path / "la.png")
    assert read_image_file(tmp_path / "la.png").shape[:2] == (30, 40)
    with pytest.raises(InputError, match="no such file"):
        read_image_file(tmp_path / "missing.png", what="source")
