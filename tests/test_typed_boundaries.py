"""Function signatures under src/ say real types: `Any` is the exception, each with a reason.

A signature that mentions `Any` (bare or inside another type) must have a comment
starting ``# Any:`` on the line above its ``def`` that says why, and there are
fewer than 25 of them (issue 9's goal).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "napari_youcam"


def _annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    a = node.args
    args = a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x is not None]
    found = [x.annotation for x in args if x.annotation is not None]
    return found + ([node.returns] if node.returns is not None else [])


def _mentions_any(expr: ast.expr) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id == "Any")
        or (isinstance(n, ast.Attribute) and n.attr == "Any")
        or (isinstance(n, ast.Constant) and isinstance(n.value, str) and "Any" in n.value)
        for n in ast.walk(expr)
    )


def signatures_with_any() -> list[tuple[str, int, str, bool]]:
    """(file, line, function, has a ``# Any:`` reason above) for every signature mentioning Any."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _mentions_any(x) for x in _annotations(node)
            ):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                above = lines[first - 2].strip() if first >= 2 else ""
                out.append((str(path.relative_to(SRC)), node.lineno, node.name, above.startswith("# Any:")))
    return out


def test_every_any_in_a_signature_says_why():
    unexplained = [f"{f}:{line} {name}" for f, line, name, ok in signatures_with_any() if not ok]
    assert unexplained == [], "add a '# Any: <reason>' line above, or a real type: " + ", ".join(unexplained)


def test_fewer_than_25_signatures_mention_any():
    found = signatures_with_any()
    assert len(found) < 25, [f"{f}:{line} {name}" for f, line, name, _ in found]


def test_the_scan_sees_any_wherever_it_is_written(tmp_path):
    # the scanner itself: bare, nested, dotted and quoted forms all count
    code = (
        "import typing\nfrom typing import Any\n"
        "def a(x: Any) -> None: ...\n"
        "def b(x: dict[str, Any]) -> None: ...\n"
        "def c() -> typing.Any: ...\n"
        "def d(x: 'list[Any]') -> None: ...\n"
        "def e(x: dict[str, object]) -> int: ...\n"
    )
    tree = ast.parse(code)
    hits = [
        n.name
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef) and any(_mentions_any(x) for x in _annotations(n))
    ]
    assert hits == ["a", "b", "c", "d"]
