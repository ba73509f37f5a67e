"""Shared test setup.

GUI tests need a real X server (xvfb-run + QT_QPA_PLATFORM=xcb). Offscreen is only
a fallback when no display exists at all — never forced when DISPLAY is set,
because offscreen + Xvfb renders a black canvas.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from sandbox_helpers import close_clients

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
    close_clients()  # the plain httpx clients a test opened on a sandbox


# ---------------------------------------------------------------- CLI tests
@pytest.fixture(scope="module")
def sb():
    """A sandbox for one test module (modules that need other settings define their own)."""
    from napari_youcam.sandbox import Sandbox

    with Sandbox(processing_seconds=0.02, units=1e5) as s:
        yield s


@pytest.fixture
def sb_client(sb):
    """A fast-retrying v2 client of `sb`; faults and processing time are reset after the test."""
    from napari_youcam.api import RetryPolicy
    from napari_youcam.connect import sandbox_client

    processing = sb.processing_seconds
    sb.clear_faults()
    with sandbox_client(sb, retry=RetryPolicy(attempts=3, base=0.01, ceiling=0.05, jitter=0.0), timeout=5.0) as c:
        yield c
    sb.clear_faults()
    sb.processing_seconds = processing


@pytest.fixture
def env(monkeypatch, sb):
    """Credentials for `sb` in the environment, as a user of the CLI would set them."""
    monkeypatch.setenv("YOUCAM_API_KEY", sb.api_key)
    monkeypatch.setenv("YOUCAM_BASE_URL", sb.base_url)
    return monkeypatch


@pytest.fixture
def photo(tmp_path):
    """A 320×240 RGB PNG on disk with structure in every channel."""
    yy, xx = np.mgrid[0:240, 0:320]
    arr = np.stack([xx % 256, yy % 256, (xx + yy) % 256], -1).astype(np.uint8)
    p = tmp_path / "photo.png"
    Image.fromarray(arr).save(p)
    return p


# ---------------------------------------------------------------- GUI tests
def _plugin_sandbox(qtbot, processing_seconds: float):
    """A sandbox of a test's own, as the plugin's client: the process-wide one
    enforces the service's rate limit (250 requests / 5 min), which a whole GUI
    suite would exhaust. Waits for the widgets' status checks before stopping it."""
    from napari_youcam._napari import session
    from napari_youcam.connect import sandbox_client
    from napari_youcam.sandbox import Sandbox

    sb = Sandbox(port=0, processing_seconds=processing_seconds)
    sb.start()
    session.set_client(sandbox_client(sb))
    yield sb
    qtbot.waitUntil(lambda: session.pending_status_checks() == 0, timeout=20000)
    session.reset_client()
    sb.stop()


@pytest.fixture
def sandbox(qtbot):
    """The plugin's sandbox, with quick tasks."""
    yield from _plugin_sandbox(qtbot, 0.05)


@pytest.fixture
def slow_sandbox(qtbot):
    """The plugin's sandbox with 1.5 s tasks, so a job can be interrupted mid-run."""
    yield from _plugin_sandbox(qtbot, 1.5)


@pytest.fixture
def viewer(make_napari_viewer, sandbox, qtbot):
    """A real napari viewer with the sample face photo, talking to `sandbox`."""
    from napari_youcam._napari import session
    from napari_youcam._napari.sample_data import load_face

    v = make_napari_viewer()
    v.add_image(load_face(), name="astronaut", rgb=True)
    yield v
    # a status check started by the last job must land before the widgets are deleted
    qtbot.waitUntil(lambda: session.pending_status_checks() == 0, timeout=20000)
    v.close()
    qtbot.wait(20)  # napari deletes the docks: they stop listening for client changes
