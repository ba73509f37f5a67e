"""What a CLI user trips over (issue 11, "CLI friction"), each through `cli.main` on the sandbox."""

from __future__ import annotations

import io
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cli_helpers import one_line_error
from napari_youcam import cli


@pytest.fixture
def big_photo(photo):
    """conftest's photo at 640×520: large enough for skin analysis (short side ≥ 480)."""
    p = photo.with_name("big.png")
    Image.open(photo).resize((640, 520)).save(p)
    return p


def _sidecar(out: str) -> dict:
    return json.loads(Path(json.loads(out)["sidecar"]).read_text())


def _nothing_sent(sb, before: tuple[int, int]) -> bool:
    return len(sb.ledger) == before[0] and not [r for r in sb.requests[before[1] :] if "/task/" in r["path"]]


# ---------------------------------------------------------------- list parameters
@pytest.mark.parametrize(
    "sets",
    [
        ["dst_actions=wrinkle,pore"],
        ["dst_actions=[wrinkle, pore]"],
        ['dst_actions=["wrinkle","pore"]'],
        ["dst_actions=wrinkle", "dst_actions=pore"],
    ],
)
def test_list_parameters_take_every_usual_syntax(capsys, env, sb, big_photo, sets):
    argv = ["run", "skin-analysis", str(big_photo), "--no-face-check", "--json"]
    argv += [w for s in sets for w in ("--set", s)]
    assert cli.main(argv) == 0
    assert _sidecar(capsys.readouterr().out)["params"]["dst_actions"] == ["wrinkle", "pore"]


@pytest.mark.parametrize("value", ["[wrinkle,pore", "wrinkle,,pore", '{"a": 1}'])
def test_a_malformed_list_says_the_syntax_and_sends_nothing(capsys, env, sb, big_photo, value):
    before = (len(sb.ledger), len(sb.requests))
    assert cli.main(["run", "skin-analysis", str(big_photo), "--set", f"dst_actions={value}"]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "a,b or [a,b]" in line and "repeat --set dst_actions=a" in line
    assert _nothing_sent(sb, before)


def test_a_scalar_given_twice_is_refused(capsys, env, sb, photo):
    before = (len(sb.ledger), len(sb.requests))
    assert cli.main(["run", "enhance", str(photo), "--set", "scale=2", "--set", "scale=4"]) == 2
    assert "given twice" in one_line_error(capsys.readouterr().err)
    assert _nothing_sent(sb, before)


def test_skin_analysis_without_concerns_uses_the_default_and_says_which(capsys, env, sb, big_photo):
    assert cli.main(["run", "skin-analysis", str(big_photo), "--no-face-check", "--json"]) == 0
    cap = capsys.readouterr()
    sent = _sidecar(cap.out)["params"]["dst_actions"]
    said = re.search(r"no dst_actions given: using ([a-z_, 0-9]+) \(", cap.err)
    assert said and said.group(1).split(", ") == sent
    assert len(sent) == 4 and not any(c.startswith("hd_") for c in sent)  # the inspector's SD default
    assert sb.ledger[-1]["feature"] == "skin-analysis"


# ---------------------------------------------------------------- did you mean
def test_every_synonym_names_catalogue_features():
    from napari_youcam import features as F
    from napari_youcam.features.synonyms import SYNONYMS

    assert {k for keys in SYNONYMS.values() for k in keys} <= set(F.FEATURES)
    assert not set(SYNONYMS) & set(F.FEATURES)  # a synonym never hides a real key


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("background-removal", "sod"),
        ("upscale", "enhance"),
        ("Background Removal", "sod"),
        ("outpaint", "out-paint"),
        ("enhanse", "enhance"),
    ],
)
def test_synonyms_and_typos_of_features_get_a_suggestion(capsys, env, sb, photo, typed, meant):
    before = (len(sb.ledger), len(sb.requests))
    assert cli.main(["run", typed, str(photo)]) == 2
    assert f"did you mean {meant} (" in one_line_error(capsys.readouterr().err)
    assert _nothing_sent(sb, before)


@pytest.mark.parametrize(
    "argv, hint",
    [
        (["rn", "sod", "x.png"], "did you mean run?"),
        (["featurs"], "did you mean features?"),
        (["sod", "x.png"], "youcam run sod IMAGE"),
        (["upscale", "x.png"], "youcam run enhance IMAGE"),
        (["qqqq"], "choose one of features, run"),
    ],
)
def test_mistyped_commands_get_a_suggestion(capsys, argv, hint):
    assert cli.main(argv) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "unknown command" in line and hint in line


# ---------------------------------------------------------------- API generation
@pytest.fixture
def mask_file(tmp_path):
    m = np.zeros((240, 320), np.uint8)
    m[60:120, 80:160] = 255
    p = tmp_path / "mask.png"
    Image.fromarray(m).save(p)
    return p


def test_a_v1_only_feature_runs_on_v1_without_the_flag(capsys, env, sb, photo, mask_file):
    env.setenv("YOUCAM_CLIENT_ID", sb.client_id)
    env.setenv("YOUCAM_CLIENT_SECRET", sb.client_secret)  # the API key stays: v2 is the default
    assert cli.main(["run", "obj-removal", str(photo), "--mask", str(mask_file), "--json"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out)["api"] == "v1"
    assert "running it with --api v1" in cap.err
    assert sb.ledger[-1]["feature"] == "obj-removal"


def test_a_v1_only_feature_without_v1_credentials_says_what_to_set(capsys, env, sb, photo, mask_file):
    before = (len(sb.ledger), len(sb.requests))
    assert cli.main(["run", "obj-removal", str(photo), "--mask", str(mask_file)]) == 2
    line = one_line_error(capsys.readouterr().err)
    assert "only on the v1 API" in line and "YOUCAM_CLIENT_ID and YOUCAM_CLIENT_SECRET" in line
    assert _nothing_sent(sb, before)


# ---------------------------------------------------------------- progress and units
class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_tty_bar_covers_the_whole_job_with_stages_and_time(env, sb, photo, monkeypatch, capsys):
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert cli.main(["run", "enhance", str(photo), "--set", "scale=2"]) == 0
    frames = [f for f in term.getvalue().split("\r") if f.startswith("[")]
    parsed = [re.match(r"\[[#.]+\]\s+(\d+)% (\w+)\s+(\d+\.\d) s", f) for f in frames]
    assert all(parsed), frames
    percents = [int(m.group(1)) for m in parsed]
    stages = [m.group(2) for m in parsed]
    assert percents == sorted(percents) and percents[-1] == 100  # one bar, never restarting
    assert [s for i, s in enumerate(stages) if s not in stages[:i]] == [
        "validating",
        "preparing",
        "uploading",
        "creating",
        "waiting",
        "downloading",
        "writing",
        "done",
    ]
    assert [float(m.group(3)) for m in parsed] == sorted(float(m.group(3)) for m in parsed)
    assert re.search(r"units: 2 charged · [\d.]+ left", term.getvalue())


def test_every_run_ends_with_the_units_charged_and_the_balance(capsys, env, sb, photo):
    assert cli.main(["run", "sod", str(photo)]) == 0
    err = capsys.readouterr().err
    charged = sb.ledger[-1]["units"]
    assert f"units: {charged:g} charged · {sb.balance:g} left" in err
    assert cli.main(["run", "sod", str(photo), "--json", "--again"]) == 0  # the same photo: pay again
    data = json.loads(capsys.readouterr().out)
    assert data["units_charged"] == sb.ledger[-1]["units"] and data["balance"] == pytest.approx(sb.balance)
    assert data["charge_source"] == "history"


def test_features_shows_a_cost_column(capsys):
    from napari_youcam import features as F

    assert cli.main(["features"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["FEATURE", "API", "FAMILY", "UNITS", "TITLE"]
    rows = {ln.split()[0]: ln.split()[3] for ln in lines[1:]}
    assert set(rows) == set(F.FEATURES)
    assert rows["enhance"] == "2" and rows["out-paint"] == "2" and rows["skin-analysis"] == "varies"
    assert cli.main(["features", "skin-analysis"]) == 0
    assert "--set dst_actions=a,b,... {" in capsys.readouterr().out


# ---------------------------------------------------------------- out-paint
def _run_line(out: str) -> list[str]:
    line = [ln for ln in out.splitlines() if ln.startswith("run it: ")][-1]
    words = shlex.split(line.removeprefix("run it: "))
    assert words[:3] == ["youcam", "run", "out-paint"]
    return words[1:]


@pytest.mark.parametrize(
    "plan_args",
    [
        ["--aspect", "16:9", "--anchor", "left"],
        ["--width", "400", "--height", "300", "--x", "10", "--y", "20"],
    ],
)
def test_extend_plan_prints_a_run_line_that_runs_the_plan(capsys, env, sb, photo, plan_args):
    assert cli.main(["extend-plan", str(photo), *plan_args, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert cli.main(["extend-plan", str(photo), *plan_args]) == 0
    run = _run_line(capsys.readouterr().out)
    assert run == shlex.split(plan["run"])[1:]
    assert cli.main([*run, "--json"]) == 0
    assert _sidecar(capsys.readouterr().out)["params"] == plan["params"]


def test_run_out_paint_takes_aspect_and_anchor(capsys, env, sb, photo):
    from napari_youcam.imaging import plan_extend

    assert cli.main(["run", "out-paint", str(photo), "--aspect", "1:1", "--anchor", "top", "--json"]) == 0
    sent = _sidecar(capsys.readouterr().out)["params"]
    assert sent == plan_extend(320, 240, aspect="1:1", anchor="top").params
    assert sent["input_y"] == 0 and sent["output_width"] == sent["output_height"] == 320


@pytest.mark.parametrize(
    "argv, says",
    [
        (["run", "out-paint", "PHOTO", "--anchor", "left"], "--anchor needs --aspect"),
        (["run", "sod", "PHOTO", "--aspect", "16:9"], "apply to out-paint only"),
        (["run", "out-paint", "PHOTO", "--aspect", "16:9", "--set", "output_width=900"], "not both"),
        (["run", "out-paint", "PHOTO", "--aspect", "wide"], "aspect ratio 'wide'"),
    ],
)
def test_out_paint_option_mistakes_send_nothing(capsys, env, sb, photo, argv, says):
    before = (len(sb.ledger), len(sb.requests))
    assert cli.main([str(photo) if a == "PHOTO" else a for a in argv]) == 2
    assert says in one_line_error(capsys.readouterr().err)
    assert _nothing_sent(sb, before)


# ---------------------------------------------------------------- start-up cost
def test_the_service_commands_module_imports_nothing_heavy():
    code = (
        "import sys, napari_youcam.errors; before = set(sys.modules); "
        "import napari_youcam.cli.service; "
        "import json; print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    src = str(Path(__file__).resolve().parents[1] / "src")
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
    ).stdout
    loaded = json.loads(out)
    heavy = [
        m
        for m in loaded
        if m.startswith(
            ("napari_youcam.api", "napari_youcam.workflow", "napari_youcam.features", "numpy", "PIL", "napari.")
        )
    ]
    assert heavy == [], heavy
