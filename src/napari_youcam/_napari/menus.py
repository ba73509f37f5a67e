"""Layers-menu actions.

napari 0.9 ignores plugin contributions to the layer-list context menu
(`napari/layers/context` is not in `MenuId.contributables()`), so these live in
the Layers menu bar (`napari/layers/annotate`, `napari/layers/measure`), which
plugins may extend. Each opens the right panel with the active layer chosen.
"""

from __future__ import annotations

from typing import Any

import napari
import napari.layers
import napari.viewer

from napari_youcam._napari.common import show_warning, unwrap

PLUGIN = "napari-youcam"


def _dock(viewer: Any, name: str) -> Any:
    _dw, widget = unwrap(viewer).window.add_plugin_dock_widget(PLUGIN, name)
    return widget


def _use_mask(viewer: Any, layer: Any, feature: str) -> Any:
    if not isinstance(layer, napari.layers.Labels):
        show_warning("Select a Labels layer (the painted mask) first.")
        return None
    panel = _dock(viewer, "Mask painting")
    panel.reset_choices()
    panel.labels.value = layer
    panel.feature.value = feature
    src = layer.metadata.get("youcam_mask_for")
    if src and src in viewer.layers:
        panel.image.value = viewer.layers[src]
    return panel


def use_as_removal_mask(viewer: napari.viewer.Viewer, layer: napari.layers.Layer) -> Any:
    """Open Mask painting with this Labels layer as the object-removal mask.

    Object removal is `obj-removal` in the v1 API and `generative-fill` in v2: pick
    the one the configured credentials can run."""
    from napari_youcam.connect import find_credentials
    from napari_youcam.errors import InputError

    try:
        creds = find_credentials()  # environment / config file only, no request
    except InputError:  # a malformed saved key: Settings reports it
        creds = None
    key = "obj-removal" if creds is not None and creds.api == "v1" else "generative-fill"
    return _use_mask(viewer, layer, key)


def use_as_replace_mask(viewer: napari.viewer.Viewer, layer: napari.layers.Layer) -> Any:
    """Open Mask painting with this Labels layer as the AI-replace mask."""
    return _use_mask(viewer, layer, "obj-replace")


def new_mask_for_image(viewer: napari.viewer.Viewer, layer: napari.layers.Layer) -> Any:
    """Create a mask layer for the active image, brush ready."""
    if not isinstance(layer, napari.layers.Image):
        show_warning("Select an image layer first.")
        return None
    panel = _dock(viewer, "Mask painting")
    panel.reset_choices()
    panel.image.value = layer
    return panel.new_mask()


def inspect_skin(viewer: napari.viewer.Viewer) -> Any:
    """Open the skin analysis inspector."""
    panel = _dock(viewer, "Skin analysis inspector")
    panel.reset_choices()
    return panel
