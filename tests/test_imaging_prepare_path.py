"""The file → fitted JPEG path: header-first reading, DCT-scaled JPEG decoding, the cap search."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from napari_youcam.features.spec import Limits
from napari_youcam.imaging import encode, prepare, prepare_file, read_image_file, read_image_header
from napari_youcam.imaging.encode import encode_jpeg
from napari_youcam.imaging.fit import fit_size
from napari_youcam.imaging.io import decode_reduction, quiet_codecs


def _photo(w: int, h: int) -> np.ndarray:
    a = data.astronaut()
    row = np.concatenate([a, a[:, ::-1]], axis=1)
    block = np.concatenate([row, row[::-1]], axis=0)
    reps = (h // 1024 + 1, w // 1024 + 1, 1)
    return np.ascontiguousarray(np.tile(block, reps)[:h, :w])


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


@pytest.fixture(scope="module")
def big_jpeg(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("jpeg") / "big.jpg"
    Image.fromarray(_photo(4000, 3000)).save(p, quality=90)
    return p


@pytest.mark.parametrize(
    "long_max, k", [(1300, 2), (1000, 4), (700, 2), (2000, 2), (160, 4), (100, 8), (1920, 1), (3000, 1)]
)
def test_reduced_decode_matches_full_decode(big_jpeg, long_max, k):
    """Same size and transform as the full decode; ≥ 38 dB against a float64 area reference of it."""
    lim = Limits(long_max=long_max)
    hdr = read_image_header(big_jpeg)
    ow, oh, _ = fit_size(*hdr.size, lim)
    assert decode_reduction(hdr, (ow, oh)) == k
    fast = prepare_file(big_jpeg, lim, prefer="png")
    full = read_image_file(big_jpeg)
    slow = prepare(full, lim, prefer="png")
    assert fast.transform == slow.transform
    assert (fast.info.width, fast.info.height) == (slow.info.width, slow.info.height)
    assert fast.transform.src_size == (4000, 3000)
    ref = cv2.resize(full.astype(np.float64), (ow, oh), interpolation=cv2.INTER_AREA)
    if fast.image.format == "png":  # lossless: the fitted pixels themselves
        got = cv2.imdecode(np.frombuffer(fast.image.data, np.uint8), cv2.IMREAD_COLOR_RGB)
        assert got.shape == (oh, ow, 3)
        assert _psnr(got, ref) >= 38.0


def test_reduced_decode_keeps_exif_orientation_and_mask_geometry(tmp_path):
    """A portrait phone photo stored sideways (orientation 6) comes out upright, mask aligned."""
    upright = _photo(1500, 2400)
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # what the camera wrote
    exif = Image.Exif()
    exif[0x0112] = 6
    p = tmp_path / "phone.jpg"
    Image.fromarray(stored).save(p, quality=92, exif=exif.tobytes())
    assert read_image_header(p).size == (1500, 2400)
    mask = np.zeros((2400, 1500), np.uint8)
    mask[:1200] = 255  # the top half of the upright picture
    out = prepare_file(p, Limits(long_max=1000), mask=mask, prefer="png")
    assert out.transform.src_size == (1500, 2400) and out.info.height == 1000
    got = cv2.imdecode(np.frombuffer(out.image.data, np.uint8), cv2.IMREAD_COLOR_RGB)
    ref = cv2.resize(upright, (out.info.width, out.info.height), interpolation=cv2.INTER_AREA)
    assert _psnr(got, ref) > 30  # upright, not rotated (a sideways image would score ~12 dB)
    m = cv2.imdecode(np.frombuffer(out.mask.data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert m[:495].min() == 255 and m[505:].max() == 0


def test_png_and_jpeg_fast_paths_equal_pillow(tmp_path):
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (37, 53, 4), dtype=np.uint8)
    for mode, arr in (("RGBA", rgba), ("RGB", rgba[..., :3]), ("L", rgba[..., 0])):
        p = tmp_path / f"{mode}.png"
        Image.fromarray(np.ascontiguousarray(arr), mode).save(p)
        np.testing.assert_array_equal(read_image_file(p), np.asarray(Image.open(p)))
    p = tmp_path / "g.jpg"
    Image.fromarray(rgba[..., 0]).save(p, quality=95)
    got = read_image_file(p)
    assert got.ndim == 2 and np.abs(got.astype(int) - np.asarray(Image.open(p)).astype(int)).max() <= 1


def test_frames_are_refused_or_chosen(tmp_path):
    frames = [Image.fromarray(np.full((8, 10, 3), 40 * i, np.uint8)) for i in range(4)]
    p = tmp_path / "pages.tif"
    frames[0].save(p, save_all=True, append_images=frames[1:])
    assert read_image_header(p).frames == 4
    from napari_youcam.errors import InputError

    with pytest.raises(InputError, match=r"pages.tif has 4 frames: pass --frame N \(0–3\)"):
        read_image_file(p)
    assert read_image_file(p, frame=2)[0, 0].tolist() == [80, 80, 80]
    with pytest.raises(InputError, match="no frame 4"):
        read_image_file(p, frame=4)
    with pytest.raises(InputError, match="whole number"):
        read_image_file(p, frame=True)


@pytest.mark.parametrize("frac", [0.95, 0.8, 0.6])
def test_cap_quality_is_predicted_close_to_the_best(frac):
    img = _photo(1920, 1280)
    cap = int(len(encode_jpeg(img, 92)) * frac)
    e = encode(img, Limits(max_bytes=cap))
    best = max(q for q in range(70, 93) if len(encode_jpeg(img, q)) < cap)
    assert e.nbytes < cap and e.data == encode_jpeg(img, e.quality)
    assert best - 4 <= e.quality <= best


def test_quiet_codecs_restores_stderr():
    code = (
        "import os, sys\nfrom napari_youcam.imaging.io import quiet_codecs\n"
        "with quiet_codecs():\n    os.write(2, b'hidden\\n')\n    with quiet_codecs():\n        pass\n"
        "    os.write(2, b'still hidden\\n')\nos.write(2, b'shown\\n')\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
    )
    assert r.returncode == 0 and r.stderr == "shown\n"
    with quiet_codecs():
        pass
    print("after", file=sys.stderr)  # the test process keeps its stderr too


def test_unreadable_bytes_give_input_errors(tmp_path):
    from napari_youcam.errors import InputError

    raw = io.BytesIO()
    Image.fromarray(_photo(64, 48)).save(raw, "JPEG")
    p = tmp_path / "cut.jpg"
    p.write_bytes(raw.getvalue()[:200])
    with pytest.raises(InputError, match="cut.jpg"):
        prepare_file(p, Limits(long_max=32))
