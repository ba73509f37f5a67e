"""Shared test setup.

GUI tests need a real X server (xvfb-run + QT_QPA_PLATFORM=xcb). Offscreen is only
a fallback when no display exists at all — never forced when DISPLAY is set,
because offscreen + Xvfb renders a black canvas.
"""

from __future__ import annotations

import os

import pytest

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_user(tmp_path, monkeypatch):
    """Never read or write the real user config, credentials or results folder."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("YOUCAM_RESULTS_DIR", str(tmp_path / "results"))
    for k in ("YOUCAM_API_KEY", "YOUCAM_CLIENT_ID", "YOUCAM_CLIENT_SECRET", "YOUCAM_BASE_URL"):
        monkeypatch.delenv(k, raising=False)
    yield
