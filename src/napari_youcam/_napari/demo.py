"""`napari-youcam-demo`: napari with the plugin's main panels on the sample face photo.

With no credentials configured every job runs on the bundled local sandbox and the
widgets say the results are synthetic; with credentials they use the service.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from napari_youcam import workflow

if TYPE_CHECKING:
    import napari

PLUGIN = "napari-youcam"
MAIN_WIDGETS = ("Face", "Retouch", "Mask painting", "Skin analysis inspector")


def open_demo(viewer: napari.Viewer | None = None, widgets: tuple[str, ...] = MAIN_WIDGETS) -> napari.Viewer:
    """Load the face photo into `viewer` (a new one by default) and dock the panels."""
    import napari  # this module runs without napari too (`main` says what to install)

    from napari_youcam._napari.sample_data import face_photo

    if viewer is None:
        viewer = napari.Viewer(title="napari-youcam demo")
    data, kw, _ = face_photo()[0]
    viewer.add_image(data, **kw)
    docks = []
    for name in widgets:
        dw, _w = viewer.window.add_plugin_dock_widget(PLUGIN, name, tabify=True)
        docks.append(dw)
    if docks:
        docks[0].raise_()
    return viewer


def _has_display() -> bool:
    return sys.platform != "linux" or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def headless_demo(shot: Path) -> Path:
    """Open the demo, run object removal once on the sample's flag, save a window screenshot.

    This is what a newcomer on a machine without a screen (a server, CI) gets from
    the README's first command: proof that the whole flow works — panels, a job
    against the service (the sandbox when no credentials are set), a result layer —
    as a picture they can open.
    """
    import napari
    from qtpy.QtWidgets import QApplication

    from napari_youcam._napari.common import sample_data_dir
    from napari_youcam._napari.results import add_result_layers

    viewer = open_demo(napari.Viewer(title="napari-youcam demo", show=True))
    source = viewer.layers[0]
    mask = np.asarray(Image.open(sample_data_dir() / "astronaut_mask.png"))
    viewer.add_labels((mask > 0).astype(np.uint8), name=f"{source.name} · mask", opacity=0.4)
    job = workflow.run("generative-fill", source.data, mask=mask)
    add_result_layers(viewer, job, {"layer": source, "name": source.name}, title="object removal")
    for _ in range(20):
        QApplication.processEvents()
    viewer.screenshot(path=str(shot), canvas_only=False, flash=False)
    print(f"result: {job.files[0]}{' (SANDBOX: synthetic)' if job.sandbox else ''}")
    viewer.close()
    return shot


def main() -> None:
    """Console-script entry point: a window when there is a screen, a screenshot when not."""
    try:
        import napari  # noqa: F401  (the demo is napari: say so plainly when it is missing)
    except ImportError:
        sys.exit(
            "napari-youcam-demo: napari is not installed; install the plugin with its GUI: "
            "pip install 'napari-youcam[all]' (or run scripts/setup.sh)"
        )
    shot = os.environ.get("YOUCAM_DEMO_SCREENSHOT")
    if shot:
        print(f"no display: saved a screenshot of the demo window to {headless_demo(Path(shot))}")
        return
    if not _has_display():
        xvfb = shutil.which("xvfb-run")
        if not xvfb:
            sys.exit(
                "napari-youcam-demo: no display found and xvfb-run is not installed; "
                "run it on a desktop, or install xvfb (apt-get install xvfb xauth)"
            )
        env = dict(os.environ, QT_QPA_PLATFORM="xcb", YOUCAM_DEMO_SCREENSHOT=str(Path.cwd() / "napari-youcam-demo.png"))
        args = [xvfb, "-a", "-s", "-screen 0 1280x900x24", sys.executable, "-m", "napari_youcam._napari.demo"]
        os.execve(xvfb, args, env)
    import napari

    open_demo()
    napari.run()


if __name__ == "__main__":
    main()
