"""`youcam features | run | templates | credits | sandbox`, in process via `cli.main`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from cli_helpers import one_line_error
from napari_youcam import cli


def test_features_lists_all_and_json(capsys, env):
    from napari_youcam import features as F

    assert cli.main(["features"]) == 0
    out = capsys.readouterr().out
    assert all(k in out for k in F.FEATURES)
    assert cli.main(["features", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["key"] for d in data] == list(F.FEATURES)
    assert cli.main(["features", "enhance"]) == 0
    assert "scale" in capsys.readouterr().out


def test_run_prints_paths_and_exits_0(capsys, env, photo, tmp_path, sb):
    before = len(sb.ledger)
    assert cli.main(["run", "enhance", str(photo), "--set", "scale=2", "--out", str(tmp_path / "o")]) == 0
    cap = capsys.readouterr()
    paths = [ln for ln in cap.out.splitlines() if ln.strip()]
    assert len(paths) == 2 and paths[-1].endswith("youcam-job.json")
    assert all((tmp_path / "o").exists() and __import__("pathlib").Path(p).is_file() for p in paths)
    assert "SANDBOX" not in cap.err  # real credentials (pointing at a test host)
    assert len(sb.ledger) == before + 1 and sb.ledger[-1]["feature"] == "enhance"


def test_run_json_with_mask_and_v1(capsys, env, photo, tmp_path, sb):
    mask = tmp_path / "mask.png"
    m = np.zeros((240, 320), np.uint8)
    m[60:120, 80:160] = 255
    Image.fromarray(m).save(mask)
    env.delenv("YOUCAM_API_KEY")
    env.setenv("YOUCAM_CLIENT_ID", sb.client_id)
    env.setenv("YOUCAM_CLIENT_SECRET", sb.client_secret)
    assert cli.main(["run", "obj-removal", str(photo), "--mask", str(mask), "--api", "v1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["api"] == "v1" and data["feature"] == "obj-removal" and data["task_id"]
    assert str(tmp_path / "results") in data["files"][0]


def test_run_without_credentials_says_sandbox(capsys, photo):
    # conftest's autouse fixture removed every YOUCAM_* credential and isolated the config
    assert cli.main(["run", "sod", str(photo)]) == 0
    cap = capsys.readouterr()
    assert "SANDBOX: no credentials configured, results are synthetic" in cap.err
    assert cap.out.strip().splitlines()[-1].endswith("youcam-job.json")


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "enhance", "PHOTO", "--set", "scale=3"],  # not in 1|2|4
        ["run", "enhance", "/no/such/file.png", "--set", "scale=2"],
        ["run", "no-such-feature", "PHOTO"],
        ["run", "obj-removal", "PHOTO", "--api", "v1"],  # mask missing
        ["run", "enhance", "PHOTO", "--set", "novalue"],
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, env, photo, sb, argv):
    before = (len(sb.ledger), len(sb.requests))
    argv = [str(photo) if a == "PHOTO" else a for a in argv]
    if "--api" in argv and "v1" in argv:
        env.setenv("YOUCAM_CLIENT_ID", sb.client_id)
        env.setenv("YOUCAM_CLIENT_SECRET", sb.client_secret)
        env.delenv("YOUCAM_API_KEY")
    assert cli.main(argv) == 2
    line = one_line_error(capsys.readouterr().err)
    assert line.startswith("error:")
    assert len(sb.ledger) == before[0]
    assert not [r for r in sb.requests[before[1] :] if "/task/" in r["path"]]  # nothing was started


def test_task_failure_exits_1_with_one_line(capsys, env, photo, sb):
    sb.fail_next_task("error_no_face", feature="sod")
    assert cli.main(["run", "sod", str(photo)]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "error_no_face" in line and "face" in line


def test_service_error_exits_1(capsys, env, photo, sb):
    env.setenv("YOUCAM_API_KEY", "wrong-key-12345")
    assert cli.main(["credits"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "authentication" in line and "wrong-key-12345" not in line


def test_credits_and_templates(capsys, env, sb):
    assert cli.main(["credits", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["units"] == pytest.approx(sb.balance)
    assert cli.main(["templates", "hair-bang"]) == 0
    assert capsys.readouterr().out.strip()


def test_sandbox_command_prints_url_and_key(capsys):
    assert cli.main(["sandbox", "--port", "0", "--for", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "export YOUCAM_BASE_URL=http://127.0.0.1:" in out and "export YOUCAM_API_KEY=" in out


@pytest.fixture
def face_photo(tmp_path):
    """The astronaut: one face, about a quarter of the image width."""
    from skimage import data

    p = tmp_path / "astronaut.png"
    Image.fromarray(data.astronaut()).save(p)
    return p


def test_run_warns_about_face_rules_but_still_runs(capsys, env, face_photo, sb):
    before = len(sb.ledger)
    assert (
        cli.main(["run", "skin-analysis", str(face_photo), "--set", 'dst_actions=["wrinkle","pore","acne","redness"]'])
        == 0
    )
    err = capsys.readouterr().err
    assert "warning: face check (advisory)" in err and "60%" in err
    assert len(sb.ledger) == before + 1  # advisory: the run went ahead


def test_face_check_can_be_skipped_and_is_silent_elsewhere(capsys, env, face_photo):
    assert (
        cli.main(
            [
                "run",
                "skin-analysis",
                str(face_photo),
                "--no-face-check",
                "--set",
                'dst_actions=["wrinkle","pore","acne","redness"]',
            ]
        )
        == 0
    )
    assert "face check" not in capsys.readouterr().err
    assert cli.main(["run", "sod", str(face_photo)]) == 0  # no documented face rule
    assert "face check" not in capsys.readouterr().err


def test_invalid_input_gets_its_one_error_line_without_face_warnings(capsys, env, face_photo):
    assert cli.main(["run", "skin-analysis", str(face_photo), "--set", 'dst_actions=["hd_pore","wrinkle"]']) == 2
    assert "mixes HD" in one_line_error(capsys.readouterr().err)


def test_run_takes_three_photos_for_the_three_photo_analyzers(capsys, env, photo, tmp_path, sb):
    arr = np.asarray(Image.open(photo))
    views = []
    for i, name in enumerate(("front", "right", "left")):
        views.append(tmp_path / f"{name}.png")
        Image.fromarray(np.roll(arr, 30 * i, axis=1)).save(views[-1])
    uploads, before = len([r for r in sb.requests if "/file" in r["path"]]), len(sb.ledger)
    assert (
        cli.main(
            ["run", "hair-type-detection", *map(str, views), "--no-face-check", "--json", "--out", str(tmp_path / "o")]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["feature"] == "hair-type-detection" and data["task_id"]
    assert len(sb.ledger) == before + 1
    assert len([r for r in sb.requests if "/file" in r["path"]]) > uploads
    rec = json.loads(next((tmp_path / "o").glob("*/youcam-job.json")).read_text())
    assert [u["role"] for u in rec["uploads"]] == ["srcs", "srcs", "srcs"]
    # two photos for a three-photo analyzer, two for a one-photo feature: refused before anything is sent
    for argv, words in (
        (["hair-type-detection", *map(str, views[:2])], "give exactly 3"),
        (["sod", *map(str, views[:2])], "sod takes one source, 2 were given"),
    ):
        sent = len(sb.requests)
        assert cli.main(["run", *argv, "--no-face-check"]) == 2
        assert words in one_line_error(capsys.readouterr().err)
        assert len(sb.requests) == sent
