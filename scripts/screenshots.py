"""Screenshots of the plugin's main panels for docs/screenshots/.

Runs every job against the bundled local sandbox (synthetic results; no credentials
are read: HOME and the results folder point at a temporary directory). Needs a
display; on a headless machine:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1200x24" python scripts/screenshots.py

Windows are 1600×1000 with the docks at 350 px, the narrowest dock area every
panel is built to fit; `five_docks.png` opens five docks at once, as a user would.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
PLUGIN = "napari-youcam"

_tmp = tempfile.mkdtemp(prefix="yc-shots-")
os.environ["HOME"] = _tmp
os.environ["XDG_CONFIG_HOME"] = str(Path(_tmp) / ".config")
os.environ["YOUCAM_RESULTS_DIR"] = str(Path(_tmp) / "results")
for _k in ("YOUCAM_API_KEY", "YOUCAM_CLIENT_ID", "YOUCAM_CLIENT_SECRET", "YOUCAM_BASE_URL"):
    os.environ.pop(_k, None)


def wait(cond, timeout: float = 30.0) -> None:
    from qtpy.QtWidgets import QApplication

    end = time.monotonic() + timeout
    while not cond():
        QApplication.processEvents()
        time.sleep(0.01)
        if time.monotonic() > end:
            raise TimeoutError("timed out waiting for the panel")


def settle(seconds: float = 0.6) -> None:
    from qtpy.QtWidgets import QApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def new_viewer(title: str):
    import napari

    from napari_youcam._napari.sample_data import load_face

    v = napari.Viewer(title=title, show=True)
    v.window._qt_window.resize(1600, 1000)
    v.add_image(load_face(), name="astronaut", rgb=True)
    return v


def shot(viewer, name: str) -> Path:
    from qtpy.QtCore import Qt
    from qtpy.QtWidgets import QDockWidget

    win = viewer.window._qt_window
    docks = [d for d in win.findChildren(QDockWidget) if "napari-youcam" in d.windowTitle()]
    if docks:  # the narrow dock area the panels are built for, and room for the canvas
        win.resizeDocks(docks, [350] * len(docks), Qt.Orientation.Horizontal)
    settle(0.3)
    viewer.reset_view()
    settle()
    path = OUT / name
    viewer.screenshot(path=str(path), canvas_only=False, flash=False)
    print("wrote", path)
    viewer.close()
    return path


def face_reshape() -> None:
    v = new_viewer("Face reshape with a picked face")
    _dw, w = v.window.add_plugin_dock_widget(PLUGIN, "Face")
    w.select("face-reshape")
    wait(lambda: w.status is not None)
    w.face_picker.find_faces()
    wait(lambda: w.face_picker.job.worker is None)
    w.face_picker.pick(0)
    w.form.set("features.face_width", 40)
    w.run()
    wait(lambda: w.job.worker is None)
    shot(v, "face_reshape.png")


def mask_painting() -> None:
    v = new_viewer("Mask painting for object removal")
    _dw, p = v.window.add_plugin_dock_widget(PLUGIN, "Mask painting")
    labels = p.new_mask()
    data = labels.data.copy()
    data[170:250, 200:320] = 1
    labels.data = data
    p.grow.value = 6
    wait(lambda: p.preview is not None)
    wait(lambda: p.status is not None)
    shot(v, "mask_painting.png")


def extender() -> None:
    v = new_viewer("Image extender canvas")
    _dw, p = v.window.add_plugin_dock_widget(PLUGIN, "Image extender")
    p.preset.value = "16:9"
    p.replan(recenter=True)
    p.move_canvas(0, 60)
    p.show_preview()
    v.layers.move(v.layers.index(p.preview), 0)  # preview under the photo
    v.reset_view()
    wait(lambda: p.status is not None)
    shot(v, "image_extender.png")


def face_analyzer() -> None:
    v = new_viewer("Face attribute analysis: the result as a table")
    _dw, w = v.window.add_plugin_dock_widget(PLUGIN, "Face")
    w.select("face-attr-analysis")
    wait(lambda: w.status is not None)
    w.form.set("features", list(w.endpoint.param("features").choices))
    w.run()
    wait(lambda: w.job.worker is None)
    settle(0.2)
    w.scroll_area.ensureWidgetVisible(w.attributes, 0, 0)  # scroll the panel to the table
    shot(v, "face_attributes.png")


def extender_crop() -> None:
    v = new_viewer("Image extender with a crop rectangle")
    _dw, p = v.window.add_plugin_dock_widget(PLUGIN, "Image extender")
    p.preset.value = "16:9"
    p.replan(recenter=True)
    p.use_crop.value = True
    p.set_crop_rect(60, 90, 400, 330)  # drag the yellow rectangle: the crop fields follow
    p.show_preview()
    v.layers.move(v.layers.index(p.preview), 0)
    v.layers["astronaut"].opacity = 0.3  # the preview (what is sent) shows through the photo
    v.layers.selection.active = p.layer
    wait(lambda: p.status is not None)
    shot(v, "image_extender_crop.png")


def skin() -> None:
    from napari_youcam._napari.common import sample_data_dir
    from napari_youcam._napari.sample_data import SKIN_ZIP

    v = new_viewer("Skin analysis inspector")
    v.open(str(sample_data_dir() / SKIN_ZIP), plugin=PLUGIN)
    _dw, p = v.window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")
    p.reset_choices()
    for concern in ("texture", "oiliness", "pore"):
        p.set_visible(concern, False)
    wait(lambda: p.status is not None and p.face_note.last is not None)
    shot(v, "skin_inspector.png")


def settings() -> None:
    v = new_viewer("Settings")
    v.window.add_plugin_dock_widget(PLUGIN, "Settings")
    shot(v, "settings.png")


def five_docks() -> None:
    """Five docks open at once in a 1600×1000 window: each scrolls, Run stays visible."""
    v = new_viewer("Five YouCam docks open")
    panels = [
        v.window.add_plugin_dock_widget(PLUGIN, name)[1]
        for name in ("Face", "Retouch", "Mask painting", "Image extender", "Skin analysis inspector")
    ]
    panels[0].select("face-lift")
    panels[1].select("enhance")
    wait(lambda: all(p.status is not None for p in panels))
    shot(v, "five_docks.png")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[1:])
    for fn in (face_reshape, mask_painting, extender, extender_crop, face_analyzer, skin, settings, five_docks):
        if only and fn.__name__ not in only:
            continue
        fn()
    return 0


if __name__ == "__main__":
    sys.exit(main())
