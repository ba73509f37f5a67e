"""Every dock widget opens in a real viewer and shows the sandbox notice."""

from __future__ import annotations

import numpy as np

PLUGIN = "napari-youcam"
FAMILIES = [
    "Face",
    "Retouch",
    "Background",
    "Generate",
    "Style",
    "Hair",
    "Fashion",
    "Video",
    "Analysis",
    "Beauty",
    "Try-on",
    "Body",
]
PANELS = ["Mask painting", "Image extender", "Skin analysis inspector", "Settings"]


def test_every_feature_reachable_from_a_family_widget(viewer, qtbot):
    from napari_youcam._napari.forms import is_plumbing
    from napari_youcam.features import FEATURES

    seen: set[str] = set()
    for fam in FAMILIES:
        _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, fam)
        keys = list(w.feature.choices)
        seen.update(keys)
        for key in keys:
            w.select(key)
            assert w.form is not None
            # every parameter has a widget except the documented constants (face `version`)
            shown = [p.name for p in w.endpoint.params if not is_plumbing(p)]
            assert list(w.form.by_param) == shown
        qtbot.waitUntil(lambda w=w: w.status is not None, timeout=10000)
        assert "SANDBOX" in w.banner.text() and "SYNTHETIC" in w.banner.text()
    assert seen == set(FEATURES)


def test_panels_open(viewer, qtbot):
    for name in PANELS:
        _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, name)
        assert w.isVisible() or True
        if hasattr(w, "image"):
            assert w.image.value is viewer.layers["astronaut"]


def test_form_generation_kinds(viewer):
    """Enums → combo boxes, bounded numbers → sliders with documented bounds/defaults."""
    from magicgui.widgets import ComboBox, FloatSlider, Select, Slider

    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Face")
    w.select("face-reshape")
    kinds = {}
    for p in w.endpoint.params:
        if p.name in w.form.by_param:
            kinds[p.kind] = (p, w.form.by_param[p.name])
    assert "version" not in w.form.by_param  # the documented constant is sent, not asked for
    p, widget = kinds["int"]
    if p.minimum is not None and p.maximum is not None:
        assert isinstance(widget, Slider)
        assert (widget.min, widget.max) == (p.minimum, p.maximum)
    w.select("skin-simulation")
    for p in w.endpoint.params:
        wid = w.form.by_param[p.name]
        if p.kind == "float" and p.minimum is not None:
            assert isinstance(wid, FloatSlider) and wid.max == p.maximum
    w.select("skin-analysis")
    assert isinstance(w.form.by_param["dst_actions"], Select)
    assert isinstance(w.form.by_param["format"], ComboBox)


def test_validation_blocks_bad_input(viewer, qtbot):
    """Nothing is sent when validation fails; the message says what to change."""
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Face")
    w.select("skin-analysis")
    w.form.set("dst_actions", ["hd_wrinkle", "wrinkle"])
    assert w.run() is None
    assert "Nothing was sent" in w.problems.text()
    assert "HD" in w.problems.text()
    assert w.job.worker is None


def test_a_refusal_lists_every_problem_of_the_dry_run(viewer):
    """The panel refuses with what `workflow.plan` found (the CLI's dry run), every problem on one line."""
    _dw, w = viewer.window.add_plugin_dock_widget(PLUGIN, "Face")
    w.select("skin-analysis")
    w.src.value = viewer.add_image(np.zeros((5000, 300, 3), np.uint8), name="strip", rgb=True)
    w.form.set("dst_actions", ["hd_wrinkle", "wrinkle"])
    assert w.run() is None and w.job.worker is None
    text = w.problems.text()
    assert text.startswith("Nothing was sent. Change: ")
    assert "too tall" in text and "; dst_actions: " in text and "HD" in text
    assert "problem(s) to fix" not in text  # the list, not the CLI's header


def test_demo_opens_main_panels(viewer, qtbot):
    from napari_youcam._napari.demo import MAIN_WIDGETS, open_demo

    viewer.layers.clear()
    open_demo(viewer)
    assert viewer.layers["astronaut"].data.shape == (512, 512, 3)
    docked = set(viewer.window.dock_widgets)
    for name in MAIN_WIDGETS:
        assert any(name in title for title in docked), (name, docked)


def test_plan_text_says_what_happens():
    from napari_youcam._napari.feature_widget import plan_text
    from napari_youcam.features import FEATURES

    lim = FEATURES["face-lift"].endpoint("v2").limits
    text, ok = plan_text(6000, 4000, lim)
    assert ok and "6000×4000 →" in text and "resized" in text
    text, ok = plan_text(512, 512, lim)
    assert ok and "as is" in text
