"""Assertions shared by the CLI tests."""

from __future__ import annotations


def one_line_error(err: str) -> str:
    """The CLI's stderr holds exactly one error line (besides SANDBOX notices), no traceback."""
    lines = [ln for ln in err.strip().splitlines() if ln.strip() and not ln.startswith("SANDBOX")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("error: ")
    return lines[0]
