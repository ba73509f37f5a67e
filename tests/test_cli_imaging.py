"""The imaging CLI commands, in-process through the dispatcher."""

from __future__ import annotations

import csv
import io
import json

import cv2
import numpy as np
import pytest
from skimage import data

from napari_youcam.cli import main
from test_imaging_skin_faces import make_zip  # tests/ is on sys.path (rootdir-less test dir)


def _save(path, arr):
    if arr.ndim == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_RGB2BGR)
    assert cv2.imwrite(str(path), arr)
    return str(path)


@pytest.fixture()
def photo(tmp_path):
    big = np.concatenate([data.astronaut()] * 4, axis=1)  # 2048×512
    return _save(tmp_path / "photo.png", big)


def test_prepare_with_mask_json(tmp_path, photo, capsys):
    mask = np.zeros((512, 2048), np.uint8)
    mask[100:200, 300:600] = 255
    m = _save(tmp_path / "m.png", mask)
    out, mo = tmp_path / "o.jpg", tmp_path / "mo.png"
    rc = main(["prepare", "obj-replace", photo, "-o", str(out), "--mask", m, "--mask-out", str(mo), "--json"])
    assert rc == 0
    j = json.loads(capsys.readouterr().out)
    assert j["format"] == "jpg" and (j["width"], j["height"]) == (2048, 512)  # obj-replace: long ≤ 2048
    img = cv2.imread(str(out))
    assert img.shape[1] == j["width"] and img.shape[0] == j["height"] and out.stat().st_size == j["bytes"]
    mk = cv2.imread(str(mo), cv2.IMREAD_UNCHANGED)
    assert mk.shape == img.shape[:2] and set(np.unique(mk)) == {0, 255}
    assert j["transform"]["src_size"] == [2048, 512]


def test_prepare_resizes_and_prints(tmp_path, photo, capsys):
    out = tmp_path / "o.jpg"
    assert main(["prepare", "hair-color", photo, "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "1919×480 JPG q92" in text and "resized 2048×512 → 1919×480" in text
    assert main(["prepare", "nope-feature", photo, "-o", str(out)]) == 2
    assert "unknown feature" in capsys.readouterr().err


def test_prepare_conflict_exit_2(tmp_path, capsys):
    strip = _save(tmp_path / "s.png", np.zeros((100, 3000, 3), np.uint8))
    assert main(["prepare", "skin-analysis", strip, "-o", str(tmp_path / "x.jpg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "crop" in err and err.count("\n") == 1


def test_mask_command(tmp_path, photo, capsys):
    lab = np.zeros((512, 2048), np.uint16)
    lab[10:50, 10:50] = 1000
    lab[100:120, 100:120] = 2
    np.save(tmp_path / "lab.npy", lab)
    out = tmp_path / "mask.png"
    rc = main(["mask", str(tmp_path / "lab.npy"), "-o", str(out), "--like", photo, "--labels", "1000", "--grow", "2"])
    assert rc == 0
    m = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert m.shape == (512, 2048) and m[30, 30] == 255 and m[110, 110] == 0 and m[9, 30] == 255
    assert "2048×512" in capsys.readouterr().out
    small = _save(tmp_path / "small.png", np.zeros((10, 10, 3), np.uint8))
    assert main(["mask", str(tmp_path / "lab.npy"), "-o", str(out), "--like", small]) == 2
    assert "10×10" in capsys.readouterr().err


def test_extend_plan_command(tmp_path, photo, capsys):
    assert main(["extend-plan", photo, "--aspect", "16:9", "--anchor", "left", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["params"]["output_width"] == 2048 and j["params"]["output_height"] == 1152
    assert j["params"]["input_x"] == 0 and j["params"]["input_y"] == 320
    assert main(["extend-plan", "1000x800", "--width", "1200", "--height", "900", "--x", "0", "--y", "0"]) == 0
    assert "output_width = 1200" in capsys.readouterr().out
    assert main(["extend-plan", "1000x800", "--width", "900", "--height", "900"]) == 2
    assert "canvas only 900" in capsys.readouterr().err
    assert main(["extend-plan", "1000x800", "--aspect", "1:1", "--crop", "1,2"]) == 2


def test_skin_commands(tmp_path, capsys):
    z = tmp_path / "r.zip"
    z.write_bytes(make_zip())
    assert main(["skin", "scores", str(z), "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows[0]["name"] == "hd_redness" and rows[0]["raw_score"] == "42.5" and rows[0]["ui_score"] == "71"
    assert main(["skin", "scores", str(z)]) == 0
    assert "skin age: 31" in capsys.readouterr().out
    src = _save(tmp_path / "src.png", np.full((48, 64, 3), 100, np.uint8))
    out = tmp_path / "blend.png"
    assert main(["skin", "blend", str(z), src, "-o", str(out), "--concern", "hd_pore", "--opacity", "1"]) == 0
    assert "hd_pore.forehead, hd_pore.whole" in capsys.readouterr().out
    b = cv2.imread(str(out))
    assert b.shape == (48, 64, 3) and (b[15, 15] != 100).any() and (b[40, 60] == 100).all()
    assert main(["skin", "blend", str(z), src, "-o", str(out), "--concern", "nothing"]) == 2
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"junk")
    assert main(["skin", "scores", str(bad)]) == 2


def test_face_check_command(tmp_path, capsys):
    src = _save(tmp_path / "a.png", data.astronaut())
    assert main(["face-check", "skin-analysis", src, "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert not j["ok"] and len(j["faces"]) == 1 and j["suggested_crop"]
    assert main(["face-check", "skin-analysis", src, "--strict"]) == 2
    assert "60%" in capsys.readouterr().out
    assert main(["face-check", "face-lift", src]) == 0
    assert "OK" in capsys.readouterr().out
