"""Hand-made panels: skin inspector, templates, settings, layer menu actions."""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import numpy as np

from napari_youcam._napari.common import sample_data_dir
from napari_youcam._napari.sample_data import SKIN_ZIP

PLUGIN = "napari-youcam"


def test_skin_analysis_run_toggle_and_export(viewer, qtbot, tmp_path):
    _dw, p = viewer.window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")
    p.mode.value = "HD"
    assert all(c.startswith("hd_") for c in p.concerns.choices)
    p.concerns.value = []
    assert p.run() is None and "dst_actions" in p.problems.text()  # refused locally
    assert p.job.worker is None
    p.mode.value = "SD"
    p.concerns.value = ["wrinkle", "pore", "acne", "redness", "oiliness"]
    assert "12" in p.cost.text()  # 5-8 SD concerns: 12 units
    assert p.run() is not None
    qtbot.waitUntil(lambda: p.job.worker is None, timeout=30000)
    assert p.job.last_error is None, p.job.last_error
    qtbot.waitUntil(lambda: len(p.rows) == 5, timeout=10000)  # mask layers arrive turn by turn
    raws = [float(p.table.item(r, 2).text()) for r in range(p.table.rowCount())]
    assert raws == sorted(raws, reverse=True)  # raw score first, highest on top
    concern = p.rows[0].metadata["youcam_skin"]["concern"]
    layer = p.rows[0]
    assert layer.visible
    p.set_visible(concern, False)
    assert not layer.visible
    p.set_visible(concern, True)
    assert layer.visible
    p.opacity.setValue(25)
    assert all(abs(lay.opacity - 0.25) < 1e-6 for lay in p.rows)
    p.set_color(concern, (0, 255, 0))
    np.testing.assert_allclose(layer.colormap.colors[-1][:3], (0, 1, 0))
    out = p.export_csv(tmp_path / "scores.csv")
    rows = list(csv.DictReader(out.open()))
    assert {r["name"] for r in rows} >= {"wrinkle", "pore", "acne"}
    assert rows[0].keys() >= {"raw_score", "ui_score", "area_fraction"}
    assert list(rows[0].keys()).index("raw_score") < list(rows[0].keys()).index("ui_score")


def test_inspector_works_on_a_zip_opened_with_the_reader(viewer, qtbot, tmp_path):
    viewer.open(str(sample_data_dir() / SKIN_ZIP), plugin=PLUGIN)
    _dw, p = viewer.window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")
    assert p.group.current_choice.startswith("astronaut_skin_analysis_SYNTHETIC · SD, 8 concerns")
    assert len(p.rows) == 8
    p.set_visible("acne", False)
    assert not viewer.layers["astronaut_skin_analysis_SYNTHETIC · acne"].visible
    out = p.export_csv(tmp_path / "s.csv")
    assert "skin_age" in out.read_text()


def test_templates_browser_sets_template_id(viewer, qtbot):
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Hair")
    w.select("hair-bang", api="v2")
    assert not w.templates.isHidden()
    w.templates.load()
    qtbot.waitUntil(lambda: w.templates.job.worker is None, timeout=30000)
    assert w.templates.job.last_error is None, w.templates.job.last_error
    assert w.templates.list.count() >= 1
    w.templates.pick(0)
    tid = w.form.values()["template_id"]
    assert tid and str(tid) in w.templates.chosen.text()
    first = w.templates.templates[0]
    assert first.category and f"({first.category}) id={first.id}" in w.templates.list.item(0).toolTip()
    w.templates.hide()
    w.templates.show()  # Qt's show(): filling the list has its own name (show_templates)
    assert not w.templates.isHidden() and w.templates.list.count() >= 1


def test_settings_saves_0600_and_never_shows_secret(viewer, qtbot):
    from napari_youcam.api.credentials import config_path, load_config

    _dw, s = viewer.window.add_plugin_dock_widget(PLUGIN, "Settings")
    assert s.sandbox.value is True  # no credentials: the sandbox is the default
    assert "SYNTHETIC" in s.state.text()
    s.generation.value = "v2"
    secret = "fake-test-0123456789abcdefWXYZ"
    s.api_key.value = secret
    s.base_url.value = "http://127.0.0.1:9"
    path = s.save()
    assert Path(path) == config_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_config()["api_key"] == secret
    assert s.api_key.value == ""  # emptied after saving
    assert secret not in s.api_key.native.placeholderText()
    assert s.api_key.native.placeholderText().endswith("WXYZ)")
    assert s.sandbox.value is False
    s.forget()
    assert "api_key" not in load_config()
    assert s.sandbox.value is True


def test_settings_opens_with_a_malformed_saved_key(viewer, qtbot):
    """A key with a control character in the config is reported, never echoed, and
    still counts as configured (to be fixed, not silently replaced by the sandbox)."""
    from napari_youcam.api.credentials import save_config

    save_config({"api_key": "sk-bad\x07key-0123456789"})
    _dw, s = viewer.window.add_plugin_dock_widget(PLUGIN, "Settings")  # must not raise
    assert s.has_credentials() is True
    assert "No credentials" not in s.state.text()
    assert "sk-bad" not in s.state.text() and "sk-bad" not in s.api_key.native.placeholderText()


def test_removal_mask_action_follows_the_configured_generation(viewer, qtbot, monkeypatch):
    """Object removal is generative-fill in v2 and obj-removal (v1 only) in v1."""
    from napari_youcam._napari import menus

    labels = menus.new_mask_for_image(viewer, viewer.layers["astronaut"])
    assert menus.use_as_removal_mask(viewer, labels).feature.value == "generative-fill"  # no credentials
    monkeypatch.setenv("YOUCAM_CLIENT_ID", "demo-client")
    monkeypatch.setenv("YOUCAM_CLIENT_SECRET", "demo-secret-not-a-key")
    assert menus.use_as_removal_mask(viewer, labels).feature.value == "obj-removal"


def test_layers_menu_actions(viewer, qtbot):
    from napari_youcam._napari import menus

    img = viewer.layers["astronaut"]
    labels = menus.new_mask_for_image(viewer, img)
    assert labels.name == "astronaut · mask" and labels.mode == "paint"
    panel = menus.use_as_replace_mask(viewer, labels)
    assert panel.feature.value == "obj-replace"
    assert panel.labels.value.name == labels.name
    assert panel.image.value.name == "astronaut"
    # the manifest puts them in the Layers menu (napari 0.9 has no plugin layer context menu)
    from npe2 import PluginManager

    mf = PluginManager.instance().get_manifest(PLUGIN)
    menu_ids = set(mf.contributions.menus)
    assert "napari/layers/annotate" in menu_ids


def test_face_check_warns_and_offers_a_crop_as_a_new_layer(viewer, qtbot):
    """Skin analysis needs a face ≥ 60 % of the width; the astronaut's is ~24 %.
    The panel says so before any unit is spent and adds the suggested crop as a new
    layer (the source untouched), which becomes the photo of the next run."""
    _dw, p = viewer.window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")
    src = viewer.layers["astronaut"]
    before = src.data.copy()
    qtbot.waitUntil(lambda: p.face_note.last is not None, timeout=20000)
    assert p.face_note.last.ok is False
    assert "60%" in p.face_note.label.text() and p.face_note.label.isVisibleTo(p)
    assert p.face_note.crop_btn.isVisibleTo(p)
    crop = p.face_note.use_crop()
    x, y, w, h = p.face_note.last.suggested_crop
    assert crop.name == "astronaut · crop for skin-analysis"
    assert crop.data.shape[:2] == (h, w)
    np.testing.assert_array_equal(crop.data, before[y : y + h, x : x + w])
    np.testing.assert_array_equal(np.asarray(crop.translate)[-2:], [y, x])  # sits over the source
    np.testing.assert_array_equal(src.data, before)
    assert p.image.value is crop
    # the crop now passes the width rule (only the advisory upscale note may remain)
    qtbot.waitUntil(lambda: p.face_note.last.image_size == (w, h), timeout=20000)
    assert not any("spans about" in m for m in p.face_note.last.warnings)


def test_generated_widgets_check_faces_only_where_documented(viewer, qtbot):
    _dw, face = viewer.window.add_plugin_dock_widget(PLUGIN, "Face")
    face.select("skin-simulation")
    qtbot.waitUntil(
        lambda: face.face_note.last is not None and face.face_note.last.feature == "skin-simulation", timeout=20000
    )
    assert "60%" in face.face_note.label.text()
    _dw, bg = viewer.window.add_plugin_dock_widget(PLUGIN, "Background")
    bg.select("sod")
    assert bg.face_note.last is None and not bg.face_note.label.isVisibleTo(bg)


def test_inspector_opens_the_job_folder_of_a_json_skin_run(viewer, qtbot, tmp_path):
    from napari_youcam import workflow
    from napari_youcam._napari import session

    photo = viewer.layers["astronaut"]
    res = workflow.run(
        "skin-analysis",
        photo.data,
        params={"dst_actions": ["wrinkle", "pore", "acne"], "format": "json"},
        client=session.get_client("v2"),
        out_dir=tmp_path / "results",
    )
    folder = res.sidecar.parent
    assert sorted(p.name for p in folder.glob("*_mask_*.png")) == [
        "skin-analysis_mask_acne_whole.png",
        "skin-analysis_mask_pore_whole.png",
        "skin-analysis_mask_wrinkle_whole.png",
    ]
    viewer.open(str(folder), plugin=PLUGIN)
    _dw, p = viewer.window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")
    assert p.group.current_choice.startswith(f"{folder.name} · SD, 3 concerns")
    assert sorted(lay.metadata["youcam_skin"]["concern"] for lay in p.rows) == ["acne", "pore", "wrinkle"]
    acne = viewer.layers[f"{folder.name} · acne"]
    raw = next(o["raw_score"] for o in res.data["output"] if o["type"] == "acne")
    assert acne.metadata["youcam_skin"]["score"]["raw_score"] == raw
    assert tuple(acne.scale) == tuple(photo.scale)  # over the photo the job ran on
    p.set_visible("acne", False)
    assert not acne.visible
    text = p.export_csv(tmp_path / "s.csv").read_text()
    assert text.splitlines()[0].startswith("name,raw_score")
    row = next(line for line in text.splitlines() if line.startswith("acne,"))
    assert float(row.split(",")[1]) == raw
