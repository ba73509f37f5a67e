"""Jobs against the bundled sandbox: results as new layers, progress, cancel, stalls."""

from __future__ import annotations

from pathlib import Path

import numpy as np

PLUGIN = "napari-youcam"


def _paint(labels_layer, y0=150, y1=260, x0=180, x1=330, value=1):
    data = labels_layer.data.copy()
    data[y0:y1, x0:x1] = value
    labels_layer.data = data


def test_object_removal_with_painted_mask(viewer, qtbot, slow_sandbox):
    _dw, panel = viewer.window.add_plugin_dock_widget(PLUGIN, "Mask painting")
    src = viewer.layers["astronaut"]
    before = src.data.copy()
    labels = panel.new_mask()
    assert labels.mode == "paint" and labels.data.shape == (512, 512)
    assert viewer.layers.selection.active is labels
    _paint(labels)
    panel.grow.value = 4
    qtbot.waitUntil(lambda: panel.model.exported is not None and panel.preview is not None, timeout=5000)
    mask = panel.model.exported.mask
    assert mask.max() == 255 and (mask > 0).sum() > 110 * 150  # grown
    assert panel.preview.data.shape == (512, 512)
    panel.feature.value = "generative-fill"

    assert panel.run() is not None, panel.problems.text()
    qtbot.waitUntil(lambda: panel.job.worker is None, timeout=30000)

    assert panel.job.last_error is None, panel.job.last_error
    assert {"preparing", "uploading", "waiting", "downloading"} <= set(panel.job.stages)
    name = "astronaut · object removal pro (generative fill)"
    assert name in viewer.layers
    res = viewer.layers[name]
    meta = res.metadata["youcam"]
    assert meta["feature"] == "generative-fill" and meta["task_id"]
    assert Path(meta["file"]).is_file() and Path(meta["sidecar"]).is_file()
    assert meta["sandbox"] is True
    assert res.data.shape[:2] == (512, 512)
    np.testing.assert_array_equal(src.data, before)  # the source is never overwritten


def test_source_removed_mid_run(viewer, qtbot, slow_sandbox):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Retouch")
    w.select("enhance")
    viewer.add_image(np.zeros((300, 300, 3), np.uint8), name="other", rgb=True)
    w.src.value = viewer.layers["astronaut"]
    assert w.run() is not None
    qtbot.waitUntil(lambda: "waiting" in w.job.stages, timeout=10000)
    viewer.layers.remove("astronaut")
    viewer.layers.selection.active = viewer.layers["other"]
    other_before = viewer.layers["other"].data.copy()
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=30000)
    assert w.job.last_error is None, w.job.last_error
    names = [lay.name for lay in viewer.layers]
    assert "astronaut · enhance" in names
    assert not any(n.startswith("other ·") for n in names)
    np.testing.assert_array_equal(viewer.layers["other"].data, other_before)


def test_cancel_before_the_task_is_created_costs_nothing(viewer, qtbot, slow_sandbox):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Background")
    w.select("sod")
    n_layers, charges = len(viewer.layers), len(slow_sandbox.ledger)
    slow_sandbox.inject("delay", path="/_upload/*", delay=1.5)
    assert w.run() is not None
    qtbot.waitUntil(lambda: "uploading" in w.job.stages, timeout=10000)
    w.job.cancel_btn.click()
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=15000)
    assert w.job.last_error == "cancelled"
    assert "cancelled" in w.job.bar.format().lower()
    assert len(viewer.layers) == n_layers
    assert len(slow_sandbox.ledger) == charges  # nothing charged


def test_cancel_while_waiting_keeps_the_paid_file_but_adds_nothing(viewer, qtbot, slow_sandbox):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Background")
    w.select("sod")
    n_layers = len(viewer.layers)
    assert w.run() is not None
    qtbot.waitUntil(lambda: "waiting" in w.job.stages, timeout=10000)
    w.job.cancel_btn.click()
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=15000)
    assert w.job.last_error == "cancelled"
    assert len(viewer.layers) == n_layers
    assert "saved to" in w.job.status.text()
    assert Path(w.job.last_result.files[0]).is_file()
    # the result was paid for: "Show result" adds it on request (issue 11)
    assert w.job.show_btn.isVisibleTo(w.job)
    w.job.show_btn.click()
    assert len(viewer.layers) == n_layers + 1
    assert viewer.layers[-1].name == "astronaut · background removal"


def test_service_error_is_a_friendly_notification(viewer, qtbot, slow_sandbox, monkeypatch):
    import napari_youcam._napari.common as common

    shown: list[str] = []
    monkeypatch.setattr(common, "show_error", lambda msg: shown.append(msg))
    slow_sandbox.fail_next_task("error_src_face_too_small")
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Face")
    w.select("skin-simulation")
    w.form.set("wrinkle", 0.5)
    assert w.run() is not None
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=30000)
    assert w.job.last_error and shown
    assert "Traceback" not in shown[0]
    assert "face" in shown[0].lower()


def test_face_reshape_with_picked_face(viewer, qtbot):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Face")
    w.select("face-reshape")
    assert w.face_picker.isVisible() or w.face_picker.isVisibleTo(w)
    w.face_picker.find_faces()
    qtbot.waitUntil(lambda: w.face_picker.job.worker is None, timeout=30000)
    assert w.face_picker.job.last_error is None, w.face_picker.job.last_error
    shapes = w.face_picker.layer
    assert shapes is not None and len(shapes.data) >= 1
    assert shapes.name == "astronaut · faces"
    # pick the last face by "clicking" inside its rectangle
    last = len(w.face_picker.boxes) - 1
    x, y, bw, bh = w.face_picker.boxes[last]
    assert w.face_picker.face_at(y + bh / 2, x + bw / 2) in range(len(w.face_picker.boxes))
    w.face_picker.pick(last)
    assert w.form.values()["index"] == w.face_picker.indices[last]
    w.form.set("features.face_width", 30) if "features.face_width" in w.form.params else None
    assert w.run() is not None
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=30000)
    assert w.job.last_error is None, w.job.last_error
    res = viewer.layers["astronaut · face reshape"]
    assert res.metadata["youcam"]["params"]["index"] == w.face_picker.indices[last]


def test_image_extender_dragged_placement(viewer, qtbot):
    _dw, p = viewer.window.add_plugin_dock_widget(PLUGIN, "Image extender")
    p.preset.value = "16:9"
    plan = p.replan(recenter=True)
    assert plan is not None and p.layer is not None
    W, H = plan.canvas
    assert abs(W / H - 16 / 9) < 0.01
    x0 = plan.params["input_x"]
    # drag the canvas rectangle 40 px to the right: the photo moves left on the canvas
    p.move_canvas(0, 40)
    assert p.plan is not None and p.error is None
    assert p.plan.params["input_x"] == x0 - 40
    # an invalid placement is flagged before anything is sent
    p.move_canvas(0, 10_000)
    assert p.plan is None and "Invalid placement" in p.problems.text()
    assert not p.run_btn.isEnabled()
    assert p.run() is None
    p.move_canvas(0, -10_000)
    assert p.plan is not None
    # moving the image (its translate) is the other way to place it
    img = viewer.layers["astronaut"]
    img.translate = (0, 20)
    assert p.plan.params["input_x"] == x0 - 40 + 20
    prev = p.show_preview()
    assert prev.data.shape[:2] == (H, W)
    assert p.run() is not None
    qtbot.waitUntil(lambda: p.job.worker is None, timeout=30000)
    assert p.job.last_error is None, p.job.last_error
    res = viewer.layers["astronaut · image extender"]
    assert res.metadata["youcam"]["params"]["output_width"] == W
    assert res.metadata["youcam"]["feature"] == "out-paint"


def test_skin_masks_arrive_one_layer_per_turn(viewer, qtbot):
    """Skin results: masks are decoded in the worker and added one layer per event-loop
    turn (stalls are measured in benchmarks/gui_stall.py); the table fills at the end."""
    _dw, p = viewer.window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")
    p.mode.value = "SD"
    qtbot.waitUntil(lambda: p.status is not None, timeout=10000)
    concerns = ["wrinkle", "pore", "texture", "acne", "oiliness", "radiance", "eye_bag", "age_spot"]
    p.concerns.value = concerns
    assert p.run() is not None, p.problems.text()
    qtbot.waitUntil(lambda: p.job.worker is None, timeout=30000)
    assert p.job.last_error is None, p.job.last_error
    assert 1 <= len(p.results) < len(concerns)  # not all at once: the rest follow turn by turn
    qtbot.waitUntil(lambda: len(p.rows) == len(concerns), timeout=10000)
    assert len(p.results) == len(concerns)
    assert sorted(p.concerns.value) == sorted(concerns)  # a layer change keeps the user's choice


def test_an_error_after_cancel_is_still_shown(qtbot):
    """Cancel pressed, then the job fails for another reason (e.g. its deadline, with
    the command to resume the paid task): the user must read that error, not
    'Cancelled. Nothing was added.'"""
    from napari_youcam._napari.jobs import JobPanel
    from napari_youcam.errors import YouCamError

    panel = JobPanel()
    qtbot.addWidget(panel)

    def job(progress, cancel):
        progress("waiting", 0.5)
        assert cancel.wait(10)
        raise YouCamError("task still running after the deadline; resume it with: youcam resume /tmp/job")

    panel.start(job, on_done=lambda _r: None, label="test job")
    qtbot.waitUntil(lambda: "waiting" in panel.stages, timeout=5000)
    panel.cancel()
    qtbot.waitUntil(lambda: panel.worker is None, timeout=10000)
    assert panel.last_error != "cancelled"
    assert "youcam resume /tmp/job" in panel.status.text()


def test_cancel_before_create_reads_as_cancelled(qtbot):
    from napari_youcam._napari.jobs import JobPanel
    from napari_youcam.workflow import CancelledError

    panel = JobPanel()
    qtbot.addWidget(panel)

    def job(progress, cancel):
        assert cancel.wait(10)
        raise CancelledError("cancelled before the task was created: nothing was charged")

    panel.start(job, on_done=lambda _r: None)
    panel.cancel()
    qtbot.waitUntil(lambda: panel.worker is None, timeout=10000)
    assert panel.last_error == "cancelled" and "Nothing was added" in panel.status.text()
