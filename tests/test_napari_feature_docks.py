"""One dock widget per catalogue feature: manifest, menus, and each dock in a real viewer."""

from __future__ import annotations

import dataclasses
import html
import importlib.util
from pathlib import Path

import pytest

from napari_youcam._napari import feature_docks as D
from napari_youcam.features import FEATURES, unit_cost, with_defaults

PLUGIN = "napari-youcam"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gen():
    """scripts/gen_manifest.py as a module."""
    spec = importlib.util.spec_from_file_location("gen_manifest", ROOT / "scripts" / "gen_manifest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def manifest():
    from npe2 import PluginManifest

    return PluginManifest.from_file(ROOT / "src" / "napari_youcam" / "napari.yaml")


def test_generated_manifest_and_docks_match_the_catalogue(gen):
    stale = [str(p) for p, text in gen.outputs().items() if p.read_text() != text]
    assert stale == [], f"run scripts/gen_manifest.py: {stale} disagree with the catalogue"
    assert gen.main(["--check"]) == 0


def test_a_feature_added_to_the_catalogue_makes_the_check_fail(gen, monkeypatch, capsys):
    from napari_youcam import features as F

    new = dataclasses.replace(F.FEATURES["sod"], key="new-thing", title="AI New Thing")
    monkeypatch.setitem(F.FEATURES, "new-thing", new)
    assert gen.main(["--check"]) == 1
    assert "run scripts/gen_manifest.py" in capsys.readouterr().err
    assert "class DockNewThing(FeatureDock):" in gen.outputs()[gen.DOCKS]
    assert 'display_name: "AI New Thing"' in gen.outputs()[gen.MANIFEST]


def test_every_feature_has_a_widget_titled_with_its_title(manifest):
    commands = {c.id: c for c in manifest.contributions.commands}
    widgets = {w.display_name: w.command for w in manifest.contributions.widgets}
    assert len(widgets) == len(manifest.contributions.widgets)  # titles are unique
    for key, spec in FEATURES.items():
        cid = widgets[spec.title]
        assert cid == D.command_id(key)
        module, name = commands[cid].python_name.split(":")
        assert module == D.__name__ and getattr(D, name).key == key


def test_docks_are_grouped_by_family_in_a_layers_menu(manifest):
    from napari._app_model.constants._menus import is_menu_contributable

    menus = {k: [getattr(i, "submenu", None) or i.command for i in v] for k, v in manifest.contributions.menus.items()}
    assert is_menu_contributable(D.MENU_PARENT) and D.MENU_ROOT in menus[D.MENU_PARENT]
    families = {s.family for s in FEATURES.values()}
    assert set(menus[D.MENU_ROOT]) == {D.family_menu(f) for f in families}
    for key, spec in FEATURES.items():
        assert D.command_id(key) in menus[D.family_menu(spec.family)]
    labels = {s.id: s.label for s in manifest.contributions.submenus}
    assert labels[D.MENU_ROOT] == "YouCam AI" and labels[D.family_menu("face")] == "Face"


def test_every_feature_docks_showing_that_feature(viewer, qtbot):
    from napari_youcam._napari.feature_docks import FeatureDock
    from napari_youcam._napari.forms import is_plumbing
    from napari_youcam._napari.panel_base import units_text

    for key, spec in FEATURES.items():
        dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, spec.title)
        assert isinstance(w, FeatureDock) and list(w.specs) == [key] and w.spec.key == key
        assert spec.title in dw.name and w.feature.native.currentText() == spec.title
        assert not w.feature.enabled  # the dock is that feature, not a picker
        ep = w.endpoint
        assert ep in spec.endpoints
        assert list(w.form.by_param) == [p.name for p in ep.params if not is_plumbing(p)]
        cost = w.cost_label.text()
        assert html.escape(f"(documented: {ep.units or '—'})") in cost
        try:
            expected = unit_cost(ep, with_defaults(ep, w.form.values()))
        except Exception:  # noqa: BLE001 - e.g. a required list still empty: the widget says so too
            expected = None
        if expected is not None:
            assert units_text(expected) in cost
        viewer.window.remove_dock_widget(dw)
        w.deleteLater()  # removed docks are not deleted by napari; a live one would still check the status
    qtbot.wait(50)


def test_the_family_menu_entry_opens_the_dock(viewer, qtbot):
    from napari._app_model import get_app_model

    app = get_app_model()
    root = [getattr(i, "submenu", None) for i in app.menus.get_menu(D.MENU_PARENT)]
    assert D.MENU_ROOT in root  # napari accepted the submenu in Layers ▸ Filter
    items = [getattr(i, "command", None) for i in app.menus.get_menu(D.family_menu("background"))]
    assert D.command_id("sod") in [c.id for c in items if c is not None]
    app.commands.execute_command(D.command_id("sod")).result()
    title = FEATURES["sod"].title
    assert any(title in name for name in viewer.window.dock_widgets)
    assert viewer.window.dock_widgets[next(n for n in viewer.window.dock_widgets if title in n)].spec.key == "sod"


def test_the_all_features_dock_searches_and_opens_a_feature_dock(viewer, qtbot):
    _dw, browser = viewer.window.add_plugin_dock_widget(PLUGIN, "All features")
    assert browser.keys == list(FEATURES)
    browser.query.setText("background removal")
    assert browser.keys == ["sod"] and "key sod" in browser.info.text()
    dock = browser.open()
    assert dock.spec.key == "sod" and FEATURES["sod"].title in " ".join(viewer.window.dock_widgets)
    browser.query.setText("upscale")
    assert browser.keys[0] == "enhance"
    browser.query.setText("qqqq zzzz")
    assert browser.keys == [] and not browser.open_btn.isEnabled() and browser.open() is None
    assert "No feature matches" in browser.info.text()
