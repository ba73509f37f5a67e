"""Write the per-feature dock widgets from the catalogue into napari.yaml and feature_docks.py.

Every catalogue feature gets a dock class (``_napari/feature_docks.py``), a command,
a widget titled with the feature's title, and an entry in its family's submenu
under Layers ▸ Filter ▸ YouCam AI. Only the text between the
``# >>> gen_manifest: NAME`` and ``# <<< gen_manifest: NAME`` markers is
rewritten; the rest of both files (other widgets, readers, writers) is left as it is.

    python scripts/gen_manifest.py          # rewrite the generated parts
    python scripts/gen_manifest.py --check  # exit 1 if they are out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from napari_youcam._napari import feature_docks as D  # noqa: E402
from napari_youcam.features import FEATURES  # noqa: E402

MANIFEST = ROOT / "src" / "napari_youcam" / "napari.yaml"
DOCKS = ROOT / "src" / "napari_youcam" / "_napari" / "feature_docks.py"
MODULE = "napari_youcam._napari.feature_docks"


def _q(text: str) -> str:
    """A YAML scalar for any title (a JSON string is a valid double-quoted YAML scalar)."""
    return json.dumps(text, ensure_ascii=False)


def _families() -> list[str]:
    return list(dict.fromkeys(spec.family for spec in FEATURES.values()))


def manifest_regions() -> dict[str, list[str]]:
    """The generated lines of each napari.yaml region, indented relative to its marker."""
    commands, widgets = [], []
    for key, spec in FEATURES.items():
        commands += [
            f"- id: {D.command_id(key)}",
            f"  title: {_q(spec.title)}",
            f"  python_name: {MODULE}:{D.class_name(key)}",
        ]
        widgets += [f"- command: {D.command_id(key)}", f"  display_name: {_q(spec.title)}"]
    submenus = ["submenus:", f"  - id: {D.MENU_ROOT}", "    label: YouCam AI"]
    menus = [f"{D.MENU_PARENT}:", f"  - submenu: {D.MENU_ROOT}", f"{D.MENU_ROOT}:"]
    for family in _families():
        submenus += [f"  - id: {D.family_menu(family)}", f"    label: {_q(D.family_label(family))}"]
        menus.append(f"  - submenu: {D.family_menu(family)}")
    for family in _families():
        menus.append(f"{D.family_menu(family)}:")
        menus += [f"  - command: {D.command_id(k)}" for k, s in FEATURES.items() if s.family == family]
    return {"commands": commands, "widgets": widgets, "submenus": submenus, "menus": menus}


def dock_region() -> list[str]:
    """The dock classes of feature_docks.py, one per feature, from one template."""
    lines: list[str] = []
    for i, key in enumerate(FEATURES):
        lines += [*([""] * (2 if i else 0)), f"class {D.class_name(key)}(FeatureDock):", f"    key = {_q(key)}"]
    return [*lines, "", ""]  # two blank lines before the closing marker, as `ruff format` writes them


def apply(text: str, regions: dict[str, list[str]]) -> str:
    """``text`` with each marked region's body replaced (indented like its marker)."""
    for name, body in regions.items():
        pattern = re.compile(
            rf"^([ \t]*)# >>> gen_manifest: {name}\b.*?\n(.*?)^[ \t]*# <<< gen_manifest: {name}\b", re.S | re.M
        )
        match = pattern.search(text)
        if match is None:
            raise SystemExit(f"no '# >>> gen_manifest: {name}' ... '# <<< gen_manifest: {name}' markers found")
        indent = match.group(1)
        new = "".join(f"{indent}{line}\n" if line else "\n" for line in body)
        text = text[: match.start(2)] + new + text[match.end(2) :]
    return text


def outputs() -> dict[Path, str]:
    """Each generated file and the full text it should have."""
    return {
        MANIFEST: apply(MANIFEST.read_text(), manifest_regions()),
        DOCKS: apply(DOCKS.read_text(), {"docks": dock_region()}),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only report whether the files are up to date")
    args = ap.parse_args(argv)
    stale = [path for path, text in outputs().items() if path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)} (run scripts/gen_manifest.py)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs().items():
        if path in stale:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
