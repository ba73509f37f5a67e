"""The one mask rule, skin-mask decoding on the pool, the plane blend and feathering."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from napari_youcam.errors import InputError
from napari_youcam.imaging import blend_masks, labels_to_mask, load_mask, read_skin_zip

H, W = 40, 60


def _save(path: Path, arr: np.ndarray) -> Path:
    Image.fromarray(arr).save(path)
    return path


def test_load_mask_accepts_the_documented_forms(tmp_path):
    gray = np.zeros((H, W), np.uint8)
    gray[5:20, 10:30] = 255
    assert load_mask(gray) is gray
    assert load_mask(_save(tmp_path / "g.png", gray)).tolist() == gray.tolist()
    as_rgb = np.repeat(gray[:, :, None], 3, axis=2)
    assert load_mask(_save(tmp_path / "rgb.png", as_rgb)).tolist() == gray.tolist()
    red = np.zeros((H, W, 3), np.uint8)
    red[gray > 0] = (220, 0, 0)
    assert load_mask(_save(tmp_path / "red.png", red)).tolist() == gray.tolist()  # two colours: red is the area
    rgba = np.zeros((H, W, 4), np.uint8)
    rgba[..., :3] = np.random.default_rng(0).integers(0, 256, (H, W, 3))  # a photo, but alpha says where
    rgba[..., 3] = gray
    assert load_mask(_save(tmp_path / "a.png", rgba)).tolist() == gray.tolist()
    labels = np.zeros((H, W), np.int32)
    labels[1:4, 1:4] = 7
    assert load_mask(labels).dtype == np.int32  # labels keep their values
    assert load_mask(np.where(gray > 0, 1.0, 0.0)).tolist() == gray.tolist()  # float 0..1 → 0..255


@pytest.mark.parametrize(
    "arr, words",
    [
        (np.random.default_rng(1).integers(0, 256, (H, W, 3), dtype=np.uint8), "colour image"),
        (
            np.dstack(
                [np.random.default_rng(2).integers(0, 256, (H, W, 3), dtype=np.uint8), np.full((H, W), 255, np.uint8)]
            ),
            "colour image",
        ),  # opaque RGBA photo
        (np.zeros((2, H, W), np.uint8), "has shape (2, 40, 60)"),
        (np.full((H, W), 3.5), "float64 values outside 0..1"),
        (np.full((H, W), np.nan), "float64 values outside 0..1"),
    ],
)
def test_load_mask_refuses_with_the_rule(arr, words):
    with pytest.raises(InputError, match="a mask is a 2-D") as e:
        load_mask(arr)
    assert words in str(e.value) and "\n" not in str(e.value)


def _zip(masks: dict[str, np.ndarray]) -> bytes:
    scores = {
        n: {"raw_score": 10.0 + i, "ui_score": 60, "output_mask_name": f"{n}_output.png"} for i, n in enumerate(masks)
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("skinanalysisResult/score_info.json", json.dumps(scores))
        for n, m in masks.items():
            bgr = cv2.cvtColor(m, cv2.COLOR_RGBA2BGRA) if m.ndim == 3 else m
            zf.writestr(f"skinanalysisResult/{n}_output.png", cv2.imencode(".png", bgr)[1].tobytes())
    return buf.getvalue()


def _masks(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    out = {}
    for i in range(n):
        m = np.zeros((H, W, 4), np.uint8)
        m[..., :3] = rng.integers(0, 256, 3)
        y, x = rng.integers(0, 25, 2)
        m[y : y + 15, x : x + 30, 3] = rng.integers(1, 256, (15, 30))
        out[f"hd_c{i}"] = m
    out["hd_gray"] = (rng.random((H, W)) > 0.7).astype(np.uint8) * 200
    return out


def test_pool_decode_alpha_only_equals_full_decode():
    z = _zip(_masks(6))
    full = read_skin_zip(z)
    alpha = read_skin_zip(z, alpha_only=True)
    assert list(full.masks) == list(alpha.masks)
    for n, m in full.masks.items():
        a = alpha.masks[n]
        assert a.ndim == 2 and a.flags.c_contiguous
        np.testing.assert_array_equal(a, m[:, :, 3] if m.ndim == 3 else m)


@pytest.mark.parametrize("opacity", [1.0, 0.6])
def test_plane_blend_equals_pillow_paste(opacity):
    """Same pixels as Pillow's in-C lerp (the previous implementation), mask after mask."""
    masks = _masks(5)
    src = np.random.default_rng(9).integers(0, 256, (H, W, 3), dtype=np.uint8)
    colors = {n: (30 * i % 256, 200, 255 - 40 * i % 256) for i, n in enumerate(masks)}
    got = blend_masks(src, masks, opacity=opacity, colors=colors)
    img = Image.fromarray(src)
    lut = np.rint(np.arange(256) * opacity).astype(np.uint8)
    for n, m in masks.items():
        a = m[:, :, 3] if m.ndim == 3 else m
        img.paste(colors[n], (0, 0, W, H), Image.fromarray(np.ascontiguousarray(lut[a]), "L"))
    np.testing.assert_array_equal(got, np.asarray(img))
    assert src.tolist() != got.tolist()


def test_plane_blend_on_row_bands_matches_one_band():
    """A box above the band size is split across threads: the seams are invisible."""
    rng = np.random.default_rng(4)
    h, w = 1100, 1000  # 1.1 MP: two bands on two cores
    src = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    a = rng.integers(0, 256, (h, w), dtype=np.uint8)
    got = blend_masks(src, {"m": a}, opacity=1.0, colors={"m": (250, 10, 99)})
    ref = (src.astype(np.uint32) * (255 - a[..., None]) + np.array([250, 10, 99]) * a[..., None] + 127) // 255
    np.testing.assert_array_equal(got, ref.astype(np.uint8))


def test_feather_ramp_is_close_to_euclidean():
    lab = np.zeros((200, 200), np.uint8)
    lab[60:140, 70:120] = 1
    soft = labels_to_mask(lab, feather=6)
    assert (soft[lab > 0] == 255).all()
    outside = (lab == 0).astype(np.uint8)
    d = cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    exact = np.rint(np.clip(1 - d / 6, 0, 1) * 255)
    assert np.abs(soft.astype(int) - exact).max() <= 4
    assert soft[60:140, 70 - 7].max() == 0 and 0 < soft[100, 70 - 3] < 255


def test_cli_modules_import_nothing_heavy():
    """`youcam --help` parses before numpy, OpenCV, Pillow, httpx or cryptography load.

    (cli/service.py is checked by its own branch; here the dispatcher and the imaging commands.)
    """
    code = (
        "import argparse, sys\nimport napari_youcam.cli as c\nfrom napari_youcam.cli import imaging\n"
        "p = argparse.ArgumentParser(); imaging.register(p.add_subparsers())\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'numpy', 'cv2', 'PIL', 'httpx', 'cryptography', 'skimage', 'scipy'}))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
    )
    assert r.stdout.strip() == "[]", r.stdout + r.stderr


def test_image_commands_do_not_load_the_service_half(tmp_path):
    photo = _save(tmp_path / "p.png", np.random.default_rng(0).integers(0, 256, (H, W, 3), dtype=np.uint8))
    code = (
        "import sys\nfrom napari_youcam.cli import main\n"
        f"rc = main(['prepare', 'enhance', {str(photo)!r}, '-o', {str(tmp_path / 'o.jpg')!r}])\n"
        "print(rc, sorted({m for m in sys.modules if m in ('httpx', 'cryptography', 'napari_youcam.cli.service')}))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
    )
    assert r.stdout.strip().splitlines()[-1] == "0 []", r.stdout + r.stderr
    assert (tmp_path / "o.jpg").stat().st_size > 0


def test_image_command_names_match_their_parsers():
    import argparse

    from napari_youcam.cli import imaging

    sub = argparse.ArgumentParser().add_subparsers()
    imaging.register(sub)
    assert tuple(sub.choices) == imaging.COMMANDS
