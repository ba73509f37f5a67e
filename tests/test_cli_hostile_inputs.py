"""Hostile image inputs through `cli.main` (issue 12, imaging part).

Every case asserts the exit code, exactly one `error:` line on stderr (captured at
the file-descriptor level, so a codec printing its own warning would show up), no
traceback, and for `youcam run` — read from the sandbox — that nothing was
uploaded, created or charged.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from cli_helpers import assert_refused, mark, one_line_error
from napari_youcam import cli

W, H = 96, 64


# ---------------------------------------------------------------- files


def _photo_array() -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W]
    return np.stack([(xx * 7) % 256, (yy * 5) % 256, ((xx + yy) * 3) % 256], -1).astype(np.uint8)


def _frames(n: int) -> list[Image.Image]:
    base = _photo_array()
    return [Image.fromarray(np.roll(base, 9 * i, axis=1)) for i in range(n)]


def _multi(path: Path, fmt: str, n: int) -> Path:
    ims = _frames(n)
    ims[0].save(path, fmt, save_all=True, append_images=ims[1:])
    return path


def _huge_chunk(png: bytes, late: bool) -> bytes:
    """A chunk declaring 2 GB after IHDR (`late`: just before IEND, past the pixels).

    libpng / OpenCV print their own complaints about it straight to stderr; the
    late one passes Pillow's header read and reaches OpenCV's decoder.
    """
    at = len(png) - 12 if late else 33
    return png[:at] + struct.pack(">I", 0x7FFF0000) + b"tEXt" + b"abc" + png[at:]


def _png_with_huge_chunk(path: Path, late: bool = False) -> Path:
    path.write_bytes(_huge_chunk(cv2.imencode(".png", _photo_array())[1].tobytes(), late))
    return path


def _skin_zip(path: Path, scores: dict, broken_mask: bool = False) -> Path:
    mask = np.zeros((H, W, 4), np.uint8)
    mask[10:30, 10:40] = (255, 0, 0, 200)
    png = cv2.imencode(".png", cv2.cvtColor(mask, cv2.COLOR_RGBA2BGRA))[1].tobytes()
    if broken_mask:
        png = _huge_chunk(png, late=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("skinanalysisResult/score_info.json", json.dumps(scores))
        zf.writestr("skinanalysisResult/hd_redness_output.png", png)
    return path


GOOD_SCORES = {
    "hd_redness": {"raw_score": 42.5, "ui_score": 71, "output_mask_name": "hd_redness_output.png"},
    "skin_age": 31,
    "all": {"score": 80},
}


def _bad_scores(concern_field: str, value: object) -> dict:
    s = json.loads(json.dumps(GOOD_SCORES))
    if concern_field in ("skin_age", "all"):
        s[concern_field] = value
    else:
        s["hd_redness"][concern_field] = value
    return s


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    photo = tmp_path / "photo.png"
    Image.fromarray(_photo_array()).save(photo)
    mask = np.zeros((H, W), np.uint8)
    mask[10:30, 20:60] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.jpg").write_text("this is not a picture\n")
    raw = io.BytesIO()
    Image.fromarray(_photo_array()).save(raw, "JPEG", quality=90)
    (tmp_path / "cut.jpg").write_bytes(raw.getvalue()[: len(raw.getvalue()) // 3])
    np.save(tmp_path / "stack.npy", np.zeros((3, H, W), np.uint8))
    np.save(tmp_path / "float.npy", np.full((H, W), 7.5, np.float32))
    out = {
        "photo": photo,
        "mask": tmp_path / "mask.png",
        "empty": tmp_path / "empty.png",
        "notes": tmp_path / "notes.jpg",
        "cut": tmp_path / "cut.jpg",
        "stack": tmp_path / "stack.npy",
        "float": tmp_path / "float.npy",
        "gif": _multi(tmp_path / "photo.gif", "GIF", 12),
        "webp": _multi(tmp_path / "anim.webp", "WEBP", 3),
        "tiff": _multi(tmp_path / "pages.tif", "TIFF", 4),
        "apng": _multi(tmp_path / "anim.png", "PNG", 2),
        "chunk": _png_with_huge_chunk(tmp_path / "chunk.png"),
        "late": _png_with_huge_chunk(tmp_path / "late.png", late=True),
        "other_size": tmp_path / "small.png",
    }
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(out["other_size"])
    bad = {
        "mask_number": _bad_scores("output_mask_name", 5),
        "mask_list": _bad_scores("output_mask_name", ["a"]),
        "raw_list": _bad_scores("raw_score", [1, 2]),
        "ui_text": _bad_scores("ui_score", "high"),
        "age_obj": _bad_scores("skin_age", {"years": 3}),
        "all_list": _bad_scores("all", [80]),
        "raw_nan": _bad_scores("raw_score", "nan"),
    }
    for k, v in bad.items():
        out[f"zip_{k}"] = _skin_zip(tmp_path / f"{k}.zip", v)
    out["zip_good"] = _skin_zip(tmp_path / "good.zip", GOOD_SCORES)
    out["zip_broken_mask"] = _skin_zip(tmp_path / "broken.zip", GOOD_SCORES, broken_mask=True)
    return out


def _argv(template: list[str], files: dict[str, Path], tmp_path: Path) -> list[str]:
    return [
        str(files[a[1:]]) if a.startswith("@") else str(tmp_path / a[4:]) if a.startswith("OUT:") else a
        for a in template
    ]


# ---------------------------------------------------------------- local commands (no service)

LOCAL_CASES = [
    # (argv template, exit code, words the error line must contain)
    (["prepare", "enhance", "@gif", "-o", "OUT:o.jpg"], 2, ["photo.gif has 12 frames", "--frame N (0–11)"]),
    (["prepare", "enhance", "@webp", "-o", "OUT:o.jpg"], 2, ["anim.webp has 3 frames", "(0–2)"]),
    (["prepare", "enhance", "@tiff", "-o", "OUT:o.jpg"], 2, ["pages.tif has 4 frames"]),
    (["prepare", "enhance", "@apng", "-o", "OUT:o.jpg"], 2, ["anim.png has 2 frames"]),
    (["prepare", "enhance", "@gif", "--frame", "12", "-o", "OUT:o.jpg"], 2, ["no frame 12", "(0–11)"]),
    (["prepare", "enhance", "@photo", "--frame", "1", "-o", "OUT:o.jpg"], 2, ["one frame", "no frame 1"]),
    (
        ["prepare", "obj-replace", "@photo", "--mask", "@photo", "--mask-out", "OUT:m.png", "-o", "OUT:o.jpg"],
        2,
        ["photo.png is a colour image", "grayscale"],
    ),
    (
        ["prepare", "obj-replace", "@photo", "--mask", "@stack", "--mask-out", "OUT:m.png", "-o", "OUT:o.jpg"],
        2,
        ["stack.npy has shape (3, 64, 96)", "2-D"],
    ),
    (
        ["prepare", "obj-replace", "@photo", "--mask", "@float", "--mask-out", "OUT:m.png", "-o", "OUT:o.jpg"],
        2,
        ["float32 values outside 0..1"],
    ),
    (
        ["prepare", "obj-replace", "@photo", "--mask", "@gif", "--mask-out", "OUT:m.png", "-o", "OUT:o.jpg"],
        2,
        ["photo.gif has 12 frames"],
    ),
    (["prepare", "enhance", "@chunk", "-o", "OUT:o.jpg"], 2, ["chunk.png"]),
    (["prepare", "enhance", "@late", "-o", "OUT:o.jpg"], 2, ["late.png"]),
    (["prepare", "enhance", "@cut", "-o", "OUT:o.jpg"], 2, ["cut.jpg"]),
    (["prepare", "enhance", "@empty", "-o", "OUT:o.jpg"], 2, ["empty.png is empty"]),
    (["prepare", "enhance", "@notes", "-o", "OUT:o.jpg"], 2, ["notes.jpg is not an image"]),
    (["mask", "@photo", "-o", "OUT:m.png"], 2, ["photo.png is a colour image"]),
    (["mask", "@gif", "-o", "OUT:m.png"], 2, ["photo.gif has 12 frames"]),
    (["mask", "@chunk", "-o", "OUT:m.png"], 2, ["chunk.png"]),
    (["mask", "@late", "-o", "OUT:m.png"], 2, ["late.png"]),
    (["mask", "@mask", "--like", "@other_size", "-o", "OUT:m.png"], 2, ["96×64", "10×10"]),
    (["mask", "@mask", "--like", "@webp", "-o", "OUT:m.png", "--labels", "x"], 2, ["--labels 'x'"]),
    (["skin", "scores", "@zip_mask_number"], 2, ["'hd_redness.output_mask_name'", "a file name", "5 (int)"]),
    (["skin", "scores", "@zip_mask_list"], 2, ["'hd_redness.output_mask_name'"]),
    (["skin", "scores", "@zip_raw_list"], 2, ["'hd_redness.raw_score'", "a number"]),
    (["skin", "scores", "--csv", "@zip_ui_text"], 2, ["'hd_redness.ui_score'", "'high'"]),
    (["skin", "scores", "--json", "@zip_age_obj"], 2, ["'skin_age'"]),
    (["skin", "scores", "@zip_all_list"], 2, ["'all'"]),
    (["skin", "scores", "@zip_raw_nan"], 2, ["'hd_redness.raw_score'", "finite"]),
    (["skin", "blend", "@zip_mask_number", "@photo", "-o", "OUT:b.png"], 2, ["output_mask_name"]),
    (["skin", "blend", "@zip_good", "@gif", "-o", "OUT:b.png"], 2, ["photo.gif has 12 frames"]),
    (["skin", "blend", "@zip_good", "@chunk", "-o", "OUT:b.png"], 2, ["chunk.png"]),
    (["skin", "blend", "@zip_broken_mask", "@photo", "-o", "OUT:b.png"], 2, ["hd_redness_output.png", "decoded"]),
    (["skin", "scores", "@zip_broken_mask"], 2, ["hd_redness_output.png"]),
    (["face-check", "skin-analysis", "@tiff"], 2, ["pages.tif has 4 frames"]),
    (["face-check", "skin-analysis", "@cut"], 2, ["cut.jpg"]),
    (["face-check", "skin-analysis", "@gif", "--frame", "-1"], 2, ["no frame -1"]),
    (["extend-plan", "@notes", "--aspect", "16:9"], 2, ["notes.jpg is not an image"]),
    (["extend-plan", "@empty", "--aspect", "16:9"], 2, ["empty.png is empty"]),
    (["extend-plan", "@photo", "--aspect", "16:9", "--x", "5"], 2, ["--x and --y"]),
]


@pytest.mark.parametrize("template, code, words", LOCAL_CASES, ids=[" ".join(c[0][:3]) for c in LOCAL_CASES])
def test_local_command_refuses_with_one_line(template, code, words, files, tmp_path, capfd):
    argv = _argv(template, files, tmp_path)
    assert cli.main(argv) == code
    out, err = capfd.readouterr()
    line = one_line_error(err)
    for w in words:
        assert w in line, line
    assert "WARN" not in err and "libpng" not in err and "read_chunk" not in err
    assert not list(tmp_path.glob("o.jpg")) and not list(tmp_path.glob("m.png")) and not list(tmp_path.glob("b.png"))


def test_frame_chooses_one_picture(files, tmp_path, capfd):
    """`--frame N` reads that frame: frame 3 of the GIF is frame 0 rolled by 27 px."""
    f0, f3 = tmp_path / "f0.png", tmp_path / "f3.png"
    assert cli.main(["prepare", "enhance", str(files["gif"]), "--frame", "0", "--png", "-o", str(f0)]) == 0
    assert cli.main(["prepare", "enhance", str(files["gif"]), "--frame", "3", "--png", "-o", str(f3)]) == 0
    a0 = cv2.imread(str(f0)).astype(int)
    a3 = cv2.imread(str(f3)).astype(int)
    assert a0.shape == a3.shape == (H, W, 3)
    assert np.abs(np.roll(a0, 27, axis=1) - a3).mean() < 12  # GIF palette noise only
    assert np.abs(a0 - a3).mean() > 20  # really another frame
    assert "error" not in capfd.readouterr().err


def test_valid_inputs_still_pass(files, tmp_path, capfd):
    """The same commands accept the well-formed files (the refusals above are not blanket)."""
    assert (
        cli.main(
            [
                "prepare",
                "obj-replace",
                str(files["photo"]),
                "--mask",
                str(files["mask"]),
                "--mask-out",
                str(tmp_path / "m.png"),
                "-o",
                str(tmp_path / "o.jpg"),
            ]
        )
        == 0
    )
    capfd.readouterr()
    assert cli.main(["skin", "scores", "--json", str(files["zip_good"])]) == 0
    j = json.loads(capfd.readouterr().out)
    assert j["scores"][0]["raw_score"] == 42.5 and j["skin_age"] == 31
    assert cli.main(["skin", "blend", str(files["zip_good"]), str(files["photo"]), "-o", str(tmp_path / "b.png")]) == 0
    assert cv2.imread(str(tmp_path / "b.png")).shape == (H, W, 3)


# ---------------------------------------------------------------- youcam run: refused at read time

RUN_CASES = [
    (["run", "enhance", "@gif", "--set", "scale=2"], ["photo.gif has 12 frames"]),
    (["run", "enhance", "@webp", "--set", "scale=2"], ["anim.webp has 3 frames"]),
    (["run", "enhance", "@tiff", "--set", "scale=2"], ["pages.tif has 4 frames"]),
    (["run", "enhance", "@chunk", "--set", "scale=2"], ["chunk.png"]),
    (["run", "enhance", "@late", "--set", "scale=2"], ["late.png"]),
    (["run", "obj-replace", "@photo", "--mask", "@gif", "--set", "prompt=a red chair"], ["photo.gif has 12 frames"]),
]


@pytest.mark.parametrize("template, words", RUN_CASES, ids=[" ".join(c[0][:3]) for c in RUN_CASES])
def test_run_refuses_before_anything_is_sent(template, words, files, tmp_path, env, sb, capfd):
    before = (len(sb.ledger), len(sb.requests))
    assert cli.main(_argv(template, files, tmp_path)) == 2
    line = one_line_error(capfd.readouterr().err)
    for w in words:
        assert w in line, line
    assert len(sb.ledger) == before[0]  # nothing charged
    sent = [r["path"] for r in sb.requests[before[1] :]]
    assert not [p for p in sent if "/file" in p or "/task" in p], sent  # nothing uploaded or created


def test_run_refuses_a_photo_given_as_mask_before_any_request(files, tmp_path, env, sb, capfd):
    """The one mask rule (imaging.load_mask) holds in `youcam run`: a colour photo is not a mask."""
    before = mark(sb)
    rc = cli.main(
        [
            "run",
            "obj-replace",
            str(files["photo"]),
            "--mask",
            str(files["photo"]),
            "--set",
            "prompt=a red chair",
            "--out",
            str(tmp_path / "res"),
        ]
    )
    out, err = capfd.readouterr()
    line = assert_refused(rc, out, err, exit_code=2, sb=sb, since=before)
    assert "photo.png is a colour image" in line and "not a mask" in line, line


def test_run_frame_reads_that_frame_and_records_it(files, tmp_path, env, sb, capfd):
    from napari_youcam.workflow.jobs import content_hash
    from napari_youcam.workflow.sidecar import load_sidecar

    res = tmp_path / "res"
    assert cli.main(["run", "enhance", str(files["tiff"]), "--frame", "2", "--set", "scale=2", "--out", str(res)]) == 0
    (job,) = [p.parent for p in res.glob("*/youcam-job.json")]
    rec = load_sidecar(job).record
    assert rec.source_frame == 2
    assert rec.source_sha256 == content_hash(np.asarray(_frames(4)[2]))
    capfd.readouterr()
    assert cli.main(["run", "enhance", str(files["tiff"]), "--frame", "-1", "--set", "scale=2"]) == 2
    assert "frame must be 0 or more" in one_line_error(capfd.readouterr().err)
