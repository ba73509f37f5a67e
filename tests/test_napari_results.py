"""Result views and less common inputs, run from the widgets against the local sandbox.

JSON results as a table, video results as time series, face swap with a mapping
per reference image, the extender's crop rectangle, v1 style templates and a
video file as input.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from napari_youcam._napari.common import short_title
from napari_youcam._napari.sample_data import load_face

PLUGIN = "napari-youcam"


def _run(qtbot, w, timeout=30000):
    assert w.run() is not None, w.problems.text()
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=timeout)
    assert w.job.last_error is None, w.job.last_error


def test_face_attributes_shown_as_a_table(viewer, qtbot, monkeypatch):
    from napari_youcam._napari import results

    shown: list[str] = []
    monkeypatch.setattr(results, "show_info", lambda msg: shown.append(msg))
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Face")
    w.select("face-attr-analysis")
    assert w.attributes.isHidden()
    w.form.set("features", ["eyeShape", "faceShape", "horizontalThird", "eyeColor", "age"])
    n_layers = len(viewer.layers)
    _run(qtbot, w)
    assert len(viewer.layers) == n_layers  # JSON: no layer, a table
    view = w.attributes
    assert not view.isHidden()
    first = view.table.item(0, 0).text()
    assert first.startswith("face quality")  # the usability verdict comes first
    assert view.value("face quality · frontal") == "good"
    # ratios stay numbers, one row
    third = view.value("facialratio · horizontal third")
    assert [float(x) for x in third.split("·")] == pytest.approx([0.33, 0.34, 0.33])
    assert view.value("agegender · age").isdigit()
    # bookkeeping is not an attribute; hex colours get a swatch
    keys = [view.table.item(r, 0).text() for r in range(view.table.rowCount())]
    assert "sandbox" not in keys and not any(k.startswith("requested") for k in keys)
    r = keys.index("color · eye color")
    assert view.table.item(r, 1).background().color().name() == view.value("color · eye color").lower()
    assert view.table.rowCount() == len(view.rows) > 20
    assert "SANDBOX" in view.title.text()
    # the notification is one short line, not the JSON
    assert len(shown) == 1 and len(shown[0]) < 300 and "{" not in shown[0]
    assert "face quality: good" in shown[0]
    assert "\t" in view.as_tsv()


def test_image_to_video_result_is_a_time_series(viewer, qtbot):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Video")
    w.select("image-to-video", variant="youcam")
    w.form.set("resolution", "480")
    w.form.set("dst_duration", 5)
    _run(qtbot, w)
    name = f"astronaut · {short_title(w.spec.title)}"
    assert name in viewer.layers
    lay = viewer.layers[name]
    assert lay.rgb and lay.data.ndim == 4 and lay.data.shape[-1] == 3
    assert lay.data.shape[0] > 1  # several frames, scrubbed with the time slider
    assert lay.metadata["video"]["frames"] == lay.data.shape[0]
    assert Path(lay.metadata["youcam"]["file"]).suffix == ".mp4"
    assert viewer.dims.ndim == 3 and viewer.dims.nsteps[0] == lay.data.shape[0]


def test_video_result_that_cannot_be_decoded_is_announced(viewer, qtbot, monkeypatch):
    from napari_youcam._napari import results, video

    def broken(*_a, **_k):
        raise video.VideoDecodeError("cannot open image-to-video.mp4 with OpenCV")

    shown: list[str] = []
    monkeypatch.setattr(video, "video_layer_data", broken)
    monkeypatch.setattr(results, "show_info", lambda msg: shown.append(msg))
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Video")
    w.select("image-to-video", variant="youcam")
    w.form.set("resolution", "480")
    w.form.set("dst_duration", 5)
    n = len(viewer.layers)
    _run(qtbot, w)
    assert len(viewer.layers) == n
    assert "video saved to" in shown[-1] and "could not be shown" in shown[-1]


def test_video_file_input_and_source_preview(viewer, qtbot, tmp_path):
    import cv2

    path = tmp_path / "clip.mp4"
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10, (160, 120))
    assert out.isOpened()
    for t in range(12):
        frame = np.full((120, 160, 3), 20 * t, np.uint8)
        out.write(frame)
    out.release()
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Video")
    w.select("video-sr")
    assert w.uses["video"] and not w.uses["src"]
    w.video.value = path
    # the source video opens as a time series (decoded on a worker)
    assert w.show_video() is not None
    qtbot.waitUntil(lambda: w.job.worker is None, timeout=20000)
    assert w.job.last_error is None, w.job.last_error
    assert w.video_layer.data.shape[:3] == (12, 120, 160)
    assert w.video_layer.data[5].mean() == pytest.approx(100, abs=6)  # frames in order
    w.form.set("dst_duration", 1)
    _run(qtbot, w)
    res = [lay for lay in viewer.layers if lay.name == f"clip · {short_title(w.spec.title)}"]
    meta = w.job.last_result.result
    assert meta.feature == "video-sr" and meta.files[0].suffix == ".mp4"
    assert res and res[0].data.shape[0] > 1


def test_face_swap_maps_each_reference_to_a_face(viewer, qtbot):
    face = load_face()
    viewer.add_image(np.concatenate([face, face], axis=1), name="two", rgb=True)  # w/h = 2: two faces
    red = np.zeros((256, 256, 3), np.uint8)
    red[..., 0] = 255
    blue = np.zeros((256, 256, 3), np.uint8)
    blue[..., 2] = 255
    viewer.add_image(red, name="red", rgb=True)
    viewer.add_image(blue, name="blue", rgb=True)
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Style")
    w.select("face-swap")
    w.src.value = viewer.layers["two"]
    w.refs.value = [viewer.layers["red"], viewer.layers["blue"]]
    fp = w.face_picker
    fp.find_faces()
    qtbot.waitUntil(lambda: fp.job.worker is None, timeout=30000)
    assert fp.job.last_error is None, fp.job.last_error
    assert len(fp.boxes) == 2 and len(fp._mapping_combos) == 2
    assert fp.target.visible is False  # face swap: one row per reference instead
    # default: reference order = face order
    assert w.form.values()["face_mapping"] == [{"index": 0, "position": 0}, {"index": 1, "position": 1}]
    # swap them by clicking: "clicks assign to" starts at ref 1, then moves to ref 2
    (x0, y0, bw, bh), (x1, y1, _, _) = fp.boxes
    fp.click(y1 + bh / 2, x1 + bw / 2)  # ref 1 (red) → face 1
    assert fp.click_ref.value == 1
    fp.click(y0 + bh / 2, x0 + bw / 2)  # ref 2 (blue) → face 0
    mapping = w.form.values()["face_mapping"]
    assert mapping == [{"index": 1, "position": 0}, {"index": 0, "position": 1}]  # ordered by face
    assert [c.value for c in fp._mapping_combos] == [1, 0]
    assert list(fp.layer.features["label"]) == ["0 ← ref 2", "1 ← ref 1"]
    _run(qtbot, w)
    res = viewer.layers["two · face swap"]
    assert res.metadata["youcam"]["params"]["face_mapping"] == mapping
    px0 = res.data[int(y0 + bh / 2), int(x0 + bw / 2)]
    px1 = res.data[int(y1 + bh / 2), int(x1 + bw / 2)]
    assert px0[2] > 200 and px0[0] < 60  # blue on the left face
    assert px1[0] > 200 and px1[2] < 60  # red on the right face
    # a face is mapped once: giving face 1 to ref 2 frees ref 1
    fp.set_mapping(1, 1)
    assert fp.mapping == {0: -1, 1: 1}
    assert w.form.values()["face_mapping"] == [{"index": 1, "position": 1}]


def test_v1_style_template_run_from_the_templates_panel(viewer, qtbot):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Hair")
    w.select("hair-ext", api="v1")
    assert w.endpoint.api == "v1" and not w.templates.isHidden()
    w.templates.load()
    qtbot.waitUntil(lambda: w.templates.job.worker is None, timeout=30000)
    assert w.templates.job.last_error is None, w.templates.job.last_error
    assert w.templates.list.count() >= 1
    w.templates.pick(w.templates.list.count() - 1)
    vals = w.form.values()
    tpl = w.templates.templates[-1]
    tid = int(tpl.get("id") if isinstance(tpl, dict) else tpl.id)  # v1 style ids are integers
    assert vals["style_ids"] == [tid] and isinstance(vals["style_group_id"], int)
    _run(qtbot, w)
    res = viewer.layers[f"astronaut · {short_title(w.spec.title)}"]
    meta = res.metadata["youcam"]
    assert meta["params"]["style_ids"] == [tid]
    assert w.job.last_result.result.api == "v1"


def test_extender_crop_rectangle_drives_the_crop_fields(viewer, qtbot):
    _dw, p = viewer.window.add_plugin_dock_widget(PLUGIN, "Image extender")
    p.preset.value = "16:9"
    p.replan(recenter=True)
    p.use_crop.value = True
    assert len(p.layer.data) == 2  # canvas + crop rectangle
    # "drag" the crop corners: the fields and the plan follow
    p.set_crop_rect(100, 50, 300, 400)
    assert (p.crop_x.value, p.crop_y.value, p.crop_w.value, p.crop_h.value) == (50, 100, 400, 300)
    assert p.error is None and p.plan is not None
    assert p.plan.crop_src == (50, 100, 400, 300)
    assert p.plan.params["crop_input_width"] == round(400 * p.plan.prescale)
    assert p.run_btn.isEnabled()
    # a crop leaving the photo is flagged, the fields keep the last valid crop
    p.set_crop_rect(-30, 50, 300, 400)
    assert p.plan is None and "30 px above" in p.problems.text()
    assert not p.run_btn.isEnabled() and p.run() is None
    assert p.crop_y.value == 100
    p.set_crop_rect(120, 60, 200, 200)
    assert p.error is None and p.plan.crop_src == (60, 120, 200, 200)
    # mid-drag ("changing" events) the fields and plan follow, the shapes are not rewritten
    data = list(p.layer.data)
    data[1] = np.asarray(data[1]) + np.array([10.0, 5.0])
    p._busy = True
    p.layer.data = data
    p._busy = False
    before = np.asarray(p.layer.data[1]).copy()
    p._on_dragged(SimpleNamespace(action="changing"))
    assert (p.crop_x.value, p.crop_y.value) == (65, 130)
    assert p.plan.crop_src == (65, 130, 200, 200)
    np.testing.assert_array_equal(np.asarray(p.layer.data[1]), before)
    # typing in the fields moves the rectangle
    p.crop_x.value = 10
    v = np.asarray(p.layer.data[1])
    assert v[:, 1].min() == pytest.approx(10)
    _run(qtbot, p)
    res = viewer.layers["astronaut · image extender"]
    assert res.metadata["youcam"]["params"]["crop_input_width"] == p.plan.params["crop_input_width"]
