"""Skin-analysis results as napari layers (shared by the reader and the inspector).

One Image layer per concern mask, named after the concern, drawn with the
concern's colour (from `imaging.concern_color`) fading from transparent, over the
face photo: when the mask was produced on a resized copy, the layer's scale maps it
back onto the reference image. Scores ride along in `metadata["youcam_skin"]` so
the inspector works the same on a fresh job and on a ZIP opened from disk.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from napari.utils.colormaps import Colormap

from napari_youcam._napari.common import geometry

SKIN_KEY = "youcam_skin"


def concern_colormap(name: str, rgb: tuple[int, int, int] | None = None) -> Colormap:
    """Transparent → the concern's colour, so unmasked skin shows the photo."""
    from napari_youcam.imaging import concern_color

    r, g, b = [c / 255.0 for c in (rgb or concern_color(name))]
    return Colormap(colors=[[r, g, b, 0.0], [r, g, b, 1.0]], name=f"youcam {name}", interpolation="linear")


def _ref_image(viewer: Any, ref_layer: Any) -> Any:
    """The image to blend over: the job's source, else the current/first image layer."""
    import napari.layers

    if ref_layer is not None and viewer is not None and ref_layer in viewer.layers:
        return ref_layer
    if viewer is None:
        return None
    active = viewer.layers.selection.active
    if isinstance(active, napari.layers.Image) and SKIN_KEY not in active.metadata:
        return active
    for lay in viewer.layers:
        if isinstance(lay, napari.layers.Image) and SKIN_KEY not in lay.metadata:
            return lay
    return None


def score_of(scores: dict[str, Any], concern: str) -> dict[str, Any]:
    """The score record for one concern as a plain dict ({} when the ZIP has none)."""
    rec = scores.get(concern)
    if rec is None:
        return {}
    if hasattr(rec, "as_dict"):
        return rec.as_dict()
    if isinstance(rec, dict):
        return dict(rec)
    return {"raw_score": rec}


def skin_layer_data(skin: Any, *, base: str, ref_layer: Any = None, viewer: Any = None,
                    provenance: dict[str, Any] | None = None, opacity: float = 0.6,
                    ref_geom: dict[str, Any] | None = None) -> list[tuple]:
    """napari layer-data tuples for a `SkinResult` (one per mask).

    Pure numpy + metadata, so a panel can build them on its worker thread with
    `ref_geom` (a `common.geometry` snapshot of the photo) and only hand the
    finished tuples to napari on the Qt thread. The mask's area fraction is
    computed here for the same reason: the inspector's table reads it from
    metadata instead of scanning every mask on the Qt thread.
    """
    from napari_youcam.imaging.skin import mask_alpha

    geom = ref_geom if ref_geom is not None else geometry(_ref_image(viewer, ref_layer))
    out: list[tuple] = []
    group = base
    for concern, mask in skin.masks.items():
        m = mask_alpha(mask)  # RGBA → A, gray → itself: the mask's strength per pixel
        kw: dict[str, Any] = {}
        if geom is not None:
            rh, rw = geom["hw"]
            rs = geom["scale"]
            kw["scale"] = (rs[0] * rh / m.shape[0], rs[1] * rw / m.shape[1])
            kw["translate"] = tuple(geom["translate"])
        meta = {
            SKIN_KEY: {
                "concern": concern,
                "group": group,
                "score": score_of(skin.scores, concern),
                "area": float(np.count_nonzero(m)) / m.size if m.size else 0.0,
                "file": (provenance or {}).get("file"),
                "skin_age": getattr(skin, "skin_age", None),
                "overall": getattr(skin, "overall", None),
            }
        }
        if provenance:
            meta["youcam"] = provenance
        out.append(
            (
                m,
                {
                    "name": f"{base} · {concern}" if base else concern,
                    "colormap": concern_colormap(concern),
                    "blending": "translucent",
                    "opacity": opacity,
                    "contrast_limits": (0, 255),
                    "metadata": meta,
                    **kw,
                },
                "image",
            )
        )
    return out


def add_skin_layers(viewer: Any, skin: Any, *, base: str, ref_layer: Any = None,
                    provenance: dict[str, Any] | None = None) -> list[Any]:
    """Add the concern layers to the viewer and return them."""
    added = []
    for data, kw, _kind in skin_layer_data(skin, base=base, ref_layer=ref_layer, viewer=viewer,
                                           provenance=provenance):
        added.append(viewer.add_image(data, **kw))
    return added


def skin_groups(viewer: Any) -> dict[str, list[Any]]:
    """Skin-result layers in the viewer, grouped by the result they came from."""
    groups: dict[str, list[Any]] = {}
    for lay in viewer.layers:
        info = lay.metadata.get(SKIN_KEY) if hasattr(lay, "metadata") else None
        if info:
            groups.setdefault(info.get("group") or "skin analysis", []).append(lay)
    return groups
