"""Issue 11: what a napari user meets on the way — each defect in a real viewer.

Every test here failed on the code before the fix (see the report for how each
was checked).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from napari_youcam._napari.sample_data import load_face

PLUGIN = "napari-youcam"
DOCKS = [
    "Face",
    "Retouch",
    "Background",
    "Generate",
    "Style",
    "Hair",
    "Fashion",
    "Video",
    "Mask painting",
    "Image extender",
    "Skin analysis inspector",
    "Settings",
]


def _frames(n: int = 3) -> np.ndarray:
    """An RGB stack whose frame k is a flat grey of value 40 + 80 k (easy to recognise)."""
    face = load_face()[:256, :256]
    return np.stack([np.full_like(face, 40 + 80 * k) for k in range(n)])


def _last_upload(sb) -> np.ndarray:
    fid = list(sb.uploads)[-1]
    with Image.open(io.BytesIO(sb.uploads[fid])) as im:
        return np.asarray(im.convert("RGB"))


# ---------------------------------------------------------------- defect 1: stacks
def test_a_stack_sends_the_frame_on_screen_and_records_it(viewer, qtbot, sandbox):
    stack = viewer.add_image(_frames(), name="stack", rgb=True)
    viewer.dims.set_current_step(0, 2)
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Background")
    w.select("sod")
    w.src.value = stack
    assert w.run() is not None, w.problems.text()
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=30000)
    assert w.job.last_error is None, w.job.last_error
    sent = _last_upload(sandbox)
    assert abs(float(sent.mean()) - 200) < 3  # frame 2 (grey 200), not frame 0 (grey 40)
    assert w.results[0].metadata["youcam"]["frame"] == [2]


def test_masks_and_multiscale_layers_give_the_plane_on_screen(viewer):
    from napari_youcam._napari.common import frame_of, plane

    labels = np.zeros((3, 256, 256), np.uint8)
    labels[1, 10:50, 10:50] = 1
    stack = viewer.add_image(_frames(), name="stack", rgb=True)
    mask = viewer.add_labels(labels, name="stack mask", metadata={"youcam_mask_for": "stack"})
    pyramid = [_frames(), _frames()[:, ::2, ::2]]
    ms = viewer.add_image(pyramid, name="pyramid", rgb=True, multiscale=True)
    viewer.dims.set_current_step(0, 1)
    assert frame_of(stack, viewer) == (1,)
    np.testing.assert_array_equal(plane(mask, viewer), labels[1])
    assert plane(ms, viewer).shape == (256, 256, 3) and plane(ms, viewer).mean() == 120
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Retouch")
    w.select("obj-replace", api="v2")
    w.src.value = stack
    w.mask_picker.value = mask
    w.form.set("prompt", "a vase")
    job = w.collect()
    np.testing.assert_array_equal(job["mask"], labels[1])
    assert job["provenance"] == {"frame": [1], "mask_frame": [1]}


# ---------------------------------------------------------------- defect 2: skin groups
def test_skin_inspector_keeps_one_group_per_job(viewer, qtbot):
    _dw, p = viewer.window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")

    def run_and_wait() -> None:  # every mask layer added (they arrive one per event-loop turn)
        assert p.run() is not None
        qtbot.waitUntil(lambda: p.job.worker is None, timeout=30000)
        qtbot.waitUntil(lambda: len(p.results) == len(p.job.last_result.layers), timeout=30000)
        qtbot.wait(20)

    p.mode.value = "SD"
    p.concerns.value = ["wrinkle", "pore"]
    run_and_wait()
    sd = list(p.rows)
    assert len(sd) == 2
    p.mode.value = "HD"
    p.concerns.value = p.concerns.choices[:3]
    run_and_wait()
    assert len(p.group.choices) == 2  # SD and HD never share a table
    assert all(c.startswith("hd_") for c in (lay.metadata["youcam_skin"]["concern"] for lay in p.rows))
    assert not any(lay.visible for lay in sd)  # the other job's masks are hidden
    sd_key = next(k for k in p.group.choices if k != p.group.value)
    p.group.value = sd_key
    assert {lay.metadata["youcam_skin"]["concern"] for lay in p.rows} == {"wrinkle", "pore"}
    assert all(lay.visible for lay in p.rows)
    # the layer list's eye and the inspector's box agree
    p.rows[0].visible = False
    assert not p.table.cellWidget(0, 0).isChecked()


# ---------------------------------------------------------------- defect 4: layout
def test_every_dock_fits_350_px_and_keeps_run_visible(viewer, qtbot):
    from qtpy.QtCore import Qt

    qt_window = viewer.window._qt_window
    qt_window.resize(1250, 900)
    viewer.window.show()
    for name in DOCKS:
        dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, name)
        qt_window.resizeDocks([dw], [350], Qt.Orientation.Horizontal)
        qtbot.waitUntil(lambda dw=dw: dw.width() <= 360, timeout=3000)
        assert dw.minimumSizeHint().width() <= 350, (name, dw.minimumSizeHint().width())
        scroll = w.scroll_area
        need = scroll.widget().minimumSizeHint().width()
        assert need <= scroll.viewport().width(), f"{name}: needs {need} px, has {scroll.viewport().width()}"
        assert scroll.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        run = getattr(w, "run_btn", None) or w.save_btn
        assert not scroll.widget().isAncestorOf(run), f"{name}: Run scrolls away with the form"
        assert run.isVisible() and run.visibleRegion().boundingRect().width() == run.width(), name
        job = getattr(w, "job", None)
        if job is not None:
            assert job.cancel_btn.visibleRegion().boundingRect().width() == job.cancel_btn.width(), name
        viewer.window.remove_dock_widget(dw)


# ---------------------------------------------------------------- defect 5: checkbox text
def test_checkboxes_carry_their_text(viewer):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Generate")
    w.select("text-to-image")
    assert w.form.by_param["prompt_extend"].native.text() == "prompt extend"
    _dw, f = viewer.window.add_plugin_dock_widget(PLUGIN, "Fashion")
    f.select("cloth")
    assert f.form.by_param["change_shoes"].native.text() == "change shoes"


# ---------------------------------------------------------------- defect 7: extender leftovers
def test_image_extender_cleans_up_after_itself(viewer, qtbot):
    from napari_youcam._napari import session

    image = viewer.layers["astronaut"]
    viewer.layers.selection.active = image
    dw, p = viewer.window.add_plugin_dock_widget(PLUGIN, "Image extender")
    assert p.replan(recenter=True) is not None and p.layer in viewer.layers
    assert viewer.layers.selection.active is image  # opening does not steal the selection
    lo = np.asarray(viewer.scene.camera.center)[-2:]  # the canvas is in view
    extent = p.layer.extent.world[:, -2:]
    assert np.all(extent[0] <= lo) and np.all(lo <= extent[1])
    assert "input_x" in p.plan_label.text()
    p.canvas_w.value = 100  # smaller than the photo: invalid
    assert p.error is not None and "input_x" not in p.plan_label.text()
    canvas = p.layer
    qtbot.waitUntil(lambda: session.pending_status_checks() == 0, timeout=20000)
    viewer.window.remove_dock_widget(dw)
    qtbot.wait(20)
    assert canvas not in viewer.layers
    p.refresh_status()  # a closed dock no longer asks the service for anything
    assert session.pending_status_checks() == 0


# ---------------------------------------------------------------- defect 8: the small ones
def test_run_is_disabled_while_a_job_runs_and_errors_clear(viewer, qtbot, slow_sandbox):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Retouch")
    w.select("obj-replace", api="v2")
    w.form.set("prompt", "a vase")
    assert w.run() is None and "mask" in w.problems.text()  # no mask painted yet
    labels = np.zeros((512, 512), np.uint8)
    labels[100:200, 100:200] = 1
    w.mask_picker.value = viewer.add_labels(labels, name="painted")
    assert w.problems.text() == ""  # the refusal went when the input changed
    assert w.run() is not None
    assert not w.run_btn.isEnabled()
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=30000)
    assert w.run_btn.isEnabled()


def test_find_faces_notifies_once(viewer, qtbot):
    from napari.utils.notifications import notification_manager

    said: list[str] = []
    notification_manager.notification_ready.connect(lambda n: said.append(str(n.message)))
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Face")
    w.select("face-lift")
    w.face_picker.find_faces()
    qtbot.waitUntil(lambda: w.face_picker.job.worker is None, timeout=30000)
    assert sum("Target face" in m for m in said) == 1, said


def test_settings_show_the_results_folder_from_the_environment(viewer, tmp_path):
    _dw, s = viewer.window.add_plugin_dock_widget(PLUGIN, "Settings")
    assert str(s.results_dir.value) == str(tmp_path / "results")  # conftest sets YOUCAM_RESULTS_DIR
    assert not s.results_dir.enabled


def test_cost_lines_and_menu_titles_read_as_text(viewer):
    import yaml

    from napari_youcam._napari.common import sample_data_dir

    _dw, m = viewer.window.add_plugin_dock_widget(PLUGIN, "Mask painting")
    m.feature.value = "generative-fill"
    assert "assumed" not in m.cost.text() and "units" in m.cost.text()
    manifest = yaml.safe_load((sample_data_dir().parent / "napari.yaml").read_text())
    titles = [c["title"] for c in manifest["contributions"]["commands"]]
    assert not any(t.endswith("(YouCam)") for t in titles)


# ---------------------------------------------------------------- progress, cost, cancel
def test_progress_reaches_the_activity_panel_and_waits_with_time(viewer, qtbot, slow_sandbox):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Background")
    w.select("sod")
    formats: list[str] = []
    w.job.bar.valueChanged.connect(lambda *_: formats.append(w.job.bar.format()))
    assert w.run() is not None
    qtbot.waitUntil(lambda: w.job.activity is not None, timeout=5000)  # napari's Activity panel
    qtbot.waitUntil(lambda: "waiting" in w.job.stages, timeout=10000)
    assert "waiting for the service" in w.job.activity.desc
    qtbot.wait(300)
    assert w.job.bar.maximum() == 0  # busy bar, no invented percentage
    assert "%" not in w.job.bar.format() and w.job.elapsed.text().endswith("s")
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=30000)
    assert w.job.activity is None  # closed in the Activity panel
    assert "done in" in w.job.status.text()


def test_run_button_shows_cost_and_asks_above_the_threshold(viewer, qtbot):
    from napari_youcam._napari.prefs import Prefs

    Prefs.load().confirm_above = 1
    _dw, p = viewer.window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")
    p.mode.value = "SD"
    p.concerns.value = ["wrinkle", "pore", "acne", "redness", "oiliness"]
    assert p.run_btn.text() == "Run skin analysis · 12 units"
    assert p.run() is None and p.job.worker is None  # asked, nothing started
    assert p.confirm_bar.isVisibleTo(p) and "12 units" in p.confirm_text.text()
    p.confirm_go.click()
    assert p.job.worker is not None
    qtbot.waitUntil(lambda: p.job.worker is None, timeout=30000)
    qtbot.waitUntil(lambda: "balance" in p.job.status.text(), timeout=10000)


# ---------------------------------------------------------------- plumbing, names, memory
def test_plumbing_hidden_and_parameters_remembered(viewer, qtbot):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Hair")
    w.select("hair-color", api="v2")
    offset = w.form.by_param.get("pattern.line_offset")
    assert offset is None or offset.value == 0
    _dw, f = viewer.window.add_plugin_dock_widget(PLUGIN, "Face")
    f.select("face-lift")
    assert "version" not in f.form.by_param
    f.form.set("features.cheek", 40)
    assert f.run() is not None
    qtbot.waitUntil(lambda: f.job.worker is None, timeout=30000)
    assert f.job.last_error is None, f.job.last_error
    assert f.results[0].name == "astronaut · face lift"
    assert f.results[0].metadata["youcam"]["params"]["version"] == "1.0"  # sent as documented
    f.save_preset("strong cheeks")
    viewer.window.remove_dock_widget("all")
    _dw, again = viewer.window.add_plugin_dock_widget(PLUGIN, "Face")  # a new session's dock
    again.select("face-lift")
    assert again.form.by_param["features.cheek"].value == 40
    assert "strong cheeks" in again.preset.choices


def test_mask_picker_preselects_the_mask_painted_on_the_image(viewer):
    _dw, m = viewer.window.add_plugin_dock_widget(PLUGIN, "Mask painting")
    other = viewer.add_image(np.zeros((64, 64)), name="other")
    m.image.value = viewer.layers["astronaut"]
    painted = m.new_mask()
    m.image.value = other
    m.labels.value = None
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Retouch")
    w.select("obj-replace", api="v2")
    w.src.value = other
    w.src.value = viewer.layers["astronaut"]
    assert w.mask_picker.value is painted
