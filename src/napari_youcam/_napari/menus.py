"""Layers-menu actions.

napari 0.9 ignores plugin contributions to the layer-list context menu
(`napari/layers/context` is not in `MenuId.contributables()`), so these live in
the Layers menu bar (`napari/layers/annotate`, `napari/layers/measure`), which
plugins may extend. Each opens the right panel with the active layer chosen.
"""

from __future__ import annotations

import napari
import napari.layers
import napari.viewer
from magicgui.widgets import Widget
from magicgui.widgets.bases import BaseValueWidget

from napari_youcam._napari.common import show_warning, unwrap
from napari_youcam._napari.mask_panel import MaskPanel
from napari_youcam._napari.skin_panel import SkinPanel
from napari_youcam.connect import find_credentials
from napari_youcam.errors import InputError

PLUGIN = "napari-youcam"


def _mask_panel(viewer: napari.viewer.Viewer) -> MaskPanel:
    _dw, panel = unwrap(viewer).window.add_plugin_dock_widget(PLUGIN, "Mask painting")
    assert isinstance(panel, MaskPanel)  # the manifest's "Mask painting" widget
    panel.reset_choices()
    return panel


def _choose(picker: Widget, value: object) -> None:
    """Set one of a panel's pickers (magicgui's `create_widget` types them as plain `Widget`)."""
    assert isinstance(picker, BaseValueWidget)  # every picker is a combo box
    picker.value = value


def _use_mask(viewer: napari.viewer.Viewer, layer: napari.layers.Layer, feature: str) -> MaskPanel | None:
    if not isinstance(layer, napari.layers.Labels):
        show_warning("Select a Labels layer (the painted mask) first.")
        return None
    panel = _mask_panel(viewer)
    _choose(panel.labels, layer)
    panel.feature.value = feature
    src = layer.metadata.get("youcam_mask_for")
    if src and src in viewer.layers:
        _choose(panel.image, viewer.layers[src])
    return panel


def use_as_removal_mask(viewer: napari.viewer.Viewer, layer: napari.layers.Layer) -> MaskPanel | None:
    """Open Mask painting with this Labels layer as the object-removal mask.

    Object removal is `obj-removal` in the v1 API and `generative-fill` in v2: pick
    the one the configured credentials can run."""
    try:
        creds = find_credentials()  # environment / config file only, no request
    except InputError:  # a malformed saved key: Settings reports it
        creds = None
    key = "obj-removal" if creds is not None and creds.api == "v1" else "generative-fill"
    return _use_mask(viewer, layer, key)


def use_as_replace_mask(viewer: napari.viewer.Viewer, layer: napari.layers.Layer) -> MaskPanel | None:
    """Open Mask painting with this Labels layer as the AI-replace mask."""
    return _use_mask(viewer, layer, "obj-replace")


def new_mask_for_image(viewer: napari.viewer.Viewer, layer: napari.layers.Layer) -> napari.layers.Labels | None:
    """Create a mask layer for the active image, brush ready."""
    if not isinstance(layer, napari.layers.Image):
        show_warning("Select an image layer first.")
        return None
    panel = _mask_panel(viewer)
    _choose(panel.image, layer)
    return panel.new_mask()


def inspect_skin(viewer: napari.viewer.Viewer) -> SkinPanel:
    """Open the skin analysis inspector."""
    _dw, panel = unwrap(viewer).window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")
    assert isinstance(panel, SkinPanel)  # the manifest's "Skin analysis inspector" widget
    panel.reset_choices()
    return panel
