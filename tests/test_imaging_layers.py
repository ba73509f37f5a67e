"""The imaging layer's boundaries: numpy helpers that import only the leaf modules below them."""

from __future__ import annotations

import ast
from pathlib import Path

from napari_youcam import imaging

IMAGING_DIR = Path(imaging.__file__).parent
ALLOWED = ("napari_youcam.imaging", "napari_youcam.limits", "napari_youcam.errors")


def _package_imports(path: Path) -> set[str]:
    """The package modules a source file imports (relative imports resolved inside imaging)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.add(f"napari_youcam.imaging.{node.module or ''}".rstrip("."))
            elif node.module == "napari_youcam":
                names.update(f"napari_youcam.{alias.name}" for alias in node.names)
            elif node.module:
                names.add(node.module)
    return {n for n in names if n.startswith("napari_youcam")}


def test_imaging_imports_only_itself_and_the_leaf_modules():
    offenders = {}
    for path in sorted(IMAGING_DIR.glob("*.py")):
        bad = {m for m in _package_imports(path) if not m.startswith(ALLOWED)}
        if bad:
            offenders[path.name] = sorted(bad)
    assert offenders == {}
    assert {"faces.py", "fit.py", "skin.py"} <= {p.name for p in IMAGING_DIR.glob("*.py")}


def test_the_import_scan_sees_every_import_form(tmp_path):
    # the check above would pass vacuously if the scan missed one of these forms
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import numpy\nfrom napari_youcam import features\n"
        "import napari_youcam.api.client\nfrom .fit import fit_size\n",
        encoding="utf-8",
    )
    assert _package_imports(probe) == {
        "napari_youcam.features",
        "napari_youcam.api.client",
        "napari_youcam.imaging.fit",
    }
