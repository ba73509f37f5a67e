"""Packaging: the library and the `youcam` CLI work without napari or Qt, and the
built distribution's metadata keeps napari and Qt in extras only."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

import napari_youcam

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
GUI_MODULES = ("napari", "magicgui", "qtpy", "PyQt6", "PyQt5", "PySide6", "vispy", "psygnal")
GUI_REQUIREMENTS = {"napari", "magicgui", "qtpy", "pyqt6", "pyqt6-qt6", "pyqt5", "pyside6", "vispy", "psygnal"}

# Runs `youcam` in a fresh interpreter where every GUI package raises ImportError,
# as on a machine where only `pip install napari-youcam` (no extras) ran.
BLOCKED_CLI = textwrap.dedent(
    """
    import importlib.abc
    import sys

    BLOCKED = {blocked!r}

    class NoGui(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{{name}} is not installed (blocked by the packaging test)")
            return None

    sys.meta_path.insert(0, NoGui())
    from napari_youcam.cli import main

    code = main(sys.argv[1:])
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not loaded, loaded
    sys.exit(code)
    """
).format(blocked=GUI_MODULES)


def run_without_gui(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOUCAM_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["HOME"] = str(tmp_path / "home")
    env["YOUCAM_RESULTS_DIR"] = str(tmp_path / "results")
    return subprocess.run(
        [sys.executable, "-c", BLOCKED_CLI, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )


def test_blocker_really_blocks(tmp_path: Path) -> None:
    """The blocker itself works: code that needs napari fails in that interpreter."""
    script = BLOCKED_CLI.replace("from napari_youcam.cli import main", "import napari_youcam._napari.session")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False
    )
    assert proc.returncode != 0
    assert "blocked by the packaging test" in proc.stderr


def test_cli_help_and_features_without_gui(tmp_path: Path) -> None:
    helped = run_without_gui(tmp_path, "--help")
    assert helped.returncode == 0, helped.stderr
    assert "features" in helped.stdout and "run" in helped.stdout
    listed = run_without_gui(tmp_path, "features", "--json")
    assert listed.returncode == 0, listed.stderr
    keys = {row["key"] for row in json.loads(listed.stdout)}
    assert {"obj-removal", "obj-replace", "skin-analysis"} <= keys


def test_cli_sandbox_run_without_gui(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_without_gui(
        tmp_path,
        "run",
        "obj-removal",
        str(SAMPLES / "astronaut.png"),
        "--mask",
        str(SAMPLES / "astronaut_mask.png"),
        "--api",
        "v1",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert "SANDBOX" in proc.stdout + proc.stderr
    assert [p for p in out.rglob("*.png") if p.stat().st_size > 0], list(out.rglob("*"))


def requirement_name(req: str) -> str:
    return re.split(r"[\s;\[<>=!~]", req, maxsplit=1)[0].lower().replace("_", "-")


def core_requirements(requires: list[str]) -> list[str]:
    return [r for r in requires if "extra ==" not in r]


@pytest.fixture(scope="module")
def built_metadata(tmp_path_factory: pytest.TempPathFactory) -> importlib.metadata.PackageMetadata:
    """The metadata `pip install .` installs: build the wheel of this checkout and read it."""
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = out.glob("napari_youcam-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(out / "unpacked")
    (info,) = (out / "unpacked").glob("napari_youcam-*.dist-info")
    return importlib.metadata.PathDistribution(info).metadata


def test_built_metadata_keeps_napari_and_qt_in_extras(built_metadata: importlib.metadata.PackageMetadata) -> None:
    requires = built_metadata.get_all("Requires-Dist") or []
    core = {requirement_name(r) for r in core_requirements(requires)}
    assert core, requires
    assert not core & GUI_REQUIREMENTS, core
    assert {"numpy", "httpx", "cryptography", "pillow"} <= core
    napari_extra = {requirement_name(r) for r in requires if "extra == 'napari'" in r or 'extra == "napari"' in r}
    assert {"napari", "magicgui", "psygnal"} <= napari_extra
    all_extra = {requirement_name(r) for r in requires if "extra == 'all'" in r or 'extra == "all"' in r}
    assert {"napari", "magicgui", "psygnal", "pyqt6"} <= all_extra


def test_one_version_source(built_metadata: importlib.metadata.PackageMetadata) -> None:
    assert built_metadata["Version"] == napari_youcam.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", napari_youcam.__version__)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert not re.search(r"^version\s*=", pyproject, flags=re.MULTILINE)


def test_shipped_files() -> None:
    assert (ROOT / "src" / "napari_youcam" / "py.typed").is_file()
    assert "BSD 3-Clause License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\d+\.\d+\.\d+)", changelog, flags=re.MULTILINE)
    assert napari_youcam.__version__ in headings, headings


def test_readme_test_command_runs_the_checks() -> None:
    """CI runs the README's second bash block verbatim: it must reach ruff, mypy and pytest."""
    blocks = re.findall(r"^```bash\n(.*?)^```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S | re.M)
    assert "scripts/check.sh" in blocks[1]
    check = (ROOT / "scripts" / "check.sh").read_text(encoding="utf-8")
    order = [check.index(s) for s in ('ruff" check .', 'ruff" format --check .', 'mypy"', "pytest")]
    assert order == sorted(order)
    assert "set -euo pipefail" in check


def test_demo_without_napari_says_what_to_install(tmp_path: Path) -> None:
    script = BLOCKED_CLI.replace("from napari_youcam.cli import main", "from napari_youcam._napari.demo import main")
    script = script.replace("code = main(sys.argv[1:])", "code = main()")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        (
            "napari-youcam-demo: napari is not installed; install the plugin with its GUI: "
            "pip install 'napari-youcam[all]' (or run scripts/setup.sh)"
        )
    ]
