"""Skin result ZIPs (incl. hostile ones), blending, tables; face boxes and checks."""

from __future__ import annotations

import csv
import io
import json
import zipfile
import zlib

import cv2
import numpy as np
import pytest
from skimage import data

from napari_youcam.errors import InputError
from napari_youcam.imaging import (
    blend_masks,
    concern_color,
    face_check,
    mask_stats,
    read_skin_zip,
    scores_table,
)

W, H = 64, 48


def _png(arr: np.ndarray) -> bytes:
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = cv2.cvtColor(arr, cv2.COLOR_RGBA2BGRA)
    return cv2.imencode(".png", arr)[1].tobytes()


def _rgba(color, alpha) -> np.ndarray:
    m = np.zeros((H, W, 4), np.uint8)
    m[..., :3] = color
    m[..., 3] = alpha
    return m


SCORES = {
    "hd_redness": {"raw_score": 42.5, "ui_score": 71, "output_mask_name": "hd_redness_output.png"},
    "hd_pore": {
        "forehead": {"raw_score": 30.1, "ui_score": 60, "output_mask_name": "hd_pore_output_forehead.png"},
        "whole": {"raw_score": 35.0, "ui_score": 65, "output_mask_name": "hd_pore_output_all.png"},
    },
    "hd_acne": {"whole": {"raw_score": 12.0, "ui_score": 80, "output_mask_name": "hd_acne_output.png"}},
    "all": {"score": 77},
    "skin_age": 31,
}


def make_zip(prefix="skinanalysisResult/", scores=SCORES, drop=(), extra=None) -> bytes:
    buf = io.BytesIO()
    alpha = np.zeros((H, W), np.uint8)
    alpha[10:20, 10:30] = 200
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(prefix + "score_info.json", json.dumps(scores))
        files = {
            "hd_redness_output.png": _png(_rgba((255, 0, 0), alpha)),
            "hd_pore_output_forehead.png": _png(alpha),  # L mask: value = alpha
            "hd_pore_output_all.png": _png(_rgba((0, 255, 0), alpha // 2)),
            "hd_acne_output.png": _png(_rgba((0, 0, 255), alpha)),
        }
        for n, b in files.items():
            if n not in drop:
                zf.writestr(prefix + n, b)
        for n, b in (extra or {}).items():
            zf.writestr(n, b)
    return buf.getvalue()


def test_read_skin_zip_scores_and_masks(tmp_path):
    r = read_skin_zip(make_zip(extra={"readme.txt": b"hi"}))
    assert list(r.scores) == ["hd_redness", "hd_pore.forehead", "hd_pore.whole", "hd_acne.whole"]
    s = r.scores["hd_pore.forehead"]
    assert (s.raw_score, s.ui_score) == (30.1, 60.0)
    assert r.skin_age == 31 and r.overall == 77
    assert r.masks["hd_redness"].shape == (H, W, 4) and r.masks["hd_pore.forehead"].shape == (H, W)
    assert r.masks["hd_redness"][15, 15].tolist() == [255, 0, 0, 200]
    assert r.extra_files == ["readme.txt"]
    flat = tmp_path / "r.zip"
    flat.write_bytes(make_zip(prefix="", drop=("hd_acne_output.png",)))
    r2 = read_skin_zip(flat)
    assert r2.missing_masks == ["hd_acne.whole"] and "hd_acne.whole" in r2.scores
    assert "hd_acne.whole" not in r2.masks


def _raw_zip(name: str, payload: bytes, compress=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as zf:
        zf.writestr("skinanalysisResult/score_info.json", json.dumps(SCORES))
        zf.writestr(zipfile.ZipInfo(name), payload)
    return buf.getvalue()


@pytest.mark.parametrize(
    "name,match",
    [
        ("../../evil.png", "traversal"),
        ("/etc/passwd", "absolute"),
        ("C:/x.png", "absolute"),
        ("a\\..\\..\\b.png", "traversal"),
    ],
)
def test_hostile_names(name, match):
    with pytest.raises(InputError, match=match):
        read_skin_zip(_raw_zip(name, b"x"))


def test_bombs_and_oversize():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("skinanalysisResult/score_info.json", json.dumps(SCORES))
        zf.writestr("skinanalysisResult/hd_redness_output.png", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(InputError, match="decompression bomb"):
        read_skin_zip(buf.getvalue())
    with pytest.raises(InputError, match="declares"):
        read_skin_zip(_raw_zip("big.bin", b"\1" * 5000, zipfile.ZIP_STORED), max_member_bytes=4000)
    with pytest.raises(InputError, match="in total"):
        read_skin_zip(make_zip(), max_total_bytes=1000)
    # a PNG whose header claims a huge pixel count is refused before decoding
    big = cv2.imencode(".png", np.zeros((1, 1), np.uint8))[1].tobytes()
    ihdr = b"IHDR" + (9000).to_bytes(4, "big") + (9000).to_bytes(4, "big") + big[24:29]
    big = big[:12] + ihdr + zlib.crc32(ihdr).to_bytes(4, "big") + big[33:]  # valid header, 81 MP
    z = make_zip(extra={"skinanalysisResult/hd_redness_output.png": big}, drop=("hd_redness_output.png",))
    with pytest.raises(InputError, match="pixels"):
        read_skin_zip(z)
    with pytest.raises(InputError, match="not a ZIP"):
        read_skin_zip(b"nope")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("other.json", "{}")
    with pytest.raises(InputError, match="score_info.json"):
        read_skin_zip(buf.getvalue())


def test_blend_masks_alpha_colors_and_resize():
    r = read_skin_zip(make_zip())
    src = np.full((H, W, 3), 100, np.uint8)
    out = blend_masks(src, r, names=["hd_redness"], opacity=1.0, colors={"hd_redness": (255, 0, 0)})
    a = 200 / 255
    assert out[15, 15].tolist() == [round(255 * a + 100 * (1 - a)), round(100 * (1 - a)), round(100 * (1 - a))]
    assert out[0, 0].tolist() == [100, 100, 100]
    half = blend_masks(src, r, names=["hd_redness"], opacity=0.5, colors={"hd_redness": (255, 0, 0)})
    assert 100 < half[15, 15, 0] < out[15, 15, 0]
    big = np.full((H * 2, W * 2, 3), 100, np.uint8)  # masks resized to the source frame
    outb = blend_masks(big, r, names=["hd_pore.forehead"], opacity=1.0)
    assert outb.shape == big.shape and (outb[30, 40] != 100).any() and (outb[90, 120] == 100).all()
    allm = blend_masks(src, r)
    assert allm.shape == (H, W, 3) and (allm[15, 15] != 100).any()
    with pytest.raises(InputError, match="no mask named"):
        blend_masks(src, r, names=["hd_nope"])
    assert concern_color("hd_pore.forehead") == concern_color("pore") == concern_color("hd_pore_output_all")
    assert concern_color("hd_redness") != concern_color("hd_acne")
    assert all(0 <= c <= 255 for c in concern_color("some_new_thing"))


def test_tables_and_stats():
    r = read_skin_zip(make_zip())
    st = {s["name"]: s for s in mask_stats(r)}
    assert st["hd_redness"]["area_fraction"] == pytest.approx(200 / (W * H))
    assert st["hd_redness"]["mean_alpha"] == pytest.approx(200 / 255)
    rows = list(csv.DictReader(io.StringIO(scores_table(r, "csv"))))
    assert list(rows[0])[:3] == ["name", "raw_score", "ui_score"]
    assert rows[0]["name"] == "hd_redness" and float(rows[0]["raw_score"]) == 42.5
    assert rows[-2]["name"] == "skin_age" and rows[-1]["name"] == "all"
    j = json.loads(scores_table(r, "json"))
    assert j["skin_age"] == 31 and j["scores"][1]["name"] == "hd_pore.forehead"


# ------------------------------------------------------------------ faces


def test_face_check_on_astronaut():
    img = data.astronaut()
    fc = face_check(img, "skin-analysis")
    assert len(fc.faces) == 1 and not fc.ok
    f = fc.faces[0]
    assert 150 < f.left + f.width / 2 < 300 and 60 < f.top + f.height / 2 < 200  # her face
    assert "60%" in fc.warnings[0]
    x, y, w, h = fc.suggested_crop
    assert x >= 0 and x + w <= 512 and y >= 0 and y + h <= 512
    assert x <= f.left and f.right <= x + w and y <= f.top and f.bottom <= y + h
    assert f.width * 1.25 / w >= 0.6  # the suggested crop satisfies the rule
    crop = img[y : y + h, x : x + w]
    assert face_check(crop, "skin-simulation").faces  # still finds the face in the crop
    assert face_check(img, "face-lift").ok  # no width rule there
    blank = np.full((256, 256, 3), 127, np.uint8)
    nf = face_check(blank, "hair-style")
    assert not nf.ok and "no frontal face" in nf.warnings[0]
    two = np.concatenate([img, img], axis=1)
    tf = face_check(two, "mu-transfer")
    assert len(tf.faces) == 2 and "single face" in tf.warnings[0] and tf.suggested_crop[2] < 1024


def test_face_check_warns_when_the_suggested_crop_is_below_the_given_short_min():
    img = data.astronaut()  # 512 px: a crop around her face is far below 480 px on its short side
    plain = face_check(img, "skin-analysis")
    assert not any("upscaled" in w for w in plain.warnings)
    fc = face_check(img, "skin-analysis", short_min=480)
    short = min(fc.suggested_crop[2:])
    assert short < 480
    assert f"short side ({short} px) is below the feature's 480 px minimum and will be upscaled" in fc.warnings[-1]
    assert not any("upscaled" in w for w in face_check(img, "skin-analysis", short_min=short).warnings)
