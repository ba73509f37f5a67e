"""Skin-analysis results as napari layers (shared by the reader and the inspector).

One Image layer per concern mask, named after the concern, drawn with the
concern's colour (from `imaging.concern_color`) fading from transparent, over the
face photo the job ran on: when the mask was produced on a resized copy, the
layer's scale maps it back onto that image (which image is `skin_model`'s
decision). Scores ride along in `metadata["youcam_skin"]` so the inspector works
the same on a fresh job and on a ZIP opened from disk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from napari.utils.colormaps import Colormap

from napari_youcam._napari.layer_types import LayerTuple
from napari_youcam._napari.skin_model import SKIN_KEY, SkinGroup, group_key, group_label, group_layers
from napari_youcam.imaging import concern_color
from napari_youcam.imaging.skin import ConcernScore, SkinResult, mask_alpha
from napari_youcam.limits import JsonObject

if TYPE_CHECKING:
    import napari


def concern_colormap(name: str, rgb: tuple[int, int, int] | None = None) -> Colormap:
    """Transparent → the concern's colour, so unmasked skin shows the photo."""
    r, g, b = [c / 255.0 for c in (rgb or concern_color(name))]
    return Colormap(colors=[[r, g, b, 0.0], [r, g, b, 1.0]], name=f"youcam {name}", interpolation="linear")


def score_of(scores: dict[str, ConcernScore], concern: str) -> JsonObject:
    """The score record for one concern as a plain dict ({} when the ZIP has none)."""
    rec = scores.get(concern)
    return {} if rec is None else rec.as_dict()


def skin_layer_data(
    skin: SkinResult,
    *,
    base: str,
    provenance: JsonObject | None = None,
    opacity: float = 0.6,
    ref_geom: JsonObject | None = None,
) -> list[LayerTuple]:
    """napari layer-data tuples for a `SkinResult` (one per mask).

    Pure numpy + metadata, so a panel can build them on its worker thread with
    `ref_geom` (a `common.geometry` snapshot of the photo) and only hand the
    finished tuples to napari on the Qt thread; without it the masks sit at their
    native size. The mask's area fraction is computed here for the same reason: the
    inspector's table reads it from metadata instead of scanning every mask on the
    Qt thread. Every layer of one job shares a `group` key (`skin_model.group_key`).
    """
    geom = ref_geom
    out: list[LayerTuple] = []
    prov = provenance or {}
    group = group_key(prov.get("task_id"), prov.get("file"), base)
    label = group_label(base, list(skin.masks))
    for concern, mask in skin.masks.items():
        m = mask_alpha(mask)  # RGBA → A, gray → itself: the mask's strength per pixel
        kw: JsonObject = {}
        if geom is not None:
            rh, rw = geom["hw"]
            rs = geom["scale"]
            kw["scale"] = (rs[0] * rh / m.shape[0], rs[1] * rw / m.shape[1])
            kw["translate"] = tuple(geom["translate"])
        meta = {
            SKIN_KEY: {
                "concern": concern,
                "group": group,
                "group_label": label,
                "score": score_of(skin.scores, concern),
                "area": float(np.count_nonzero(m)) / m.size if m.size else 0.0,
                "file": prov.get("file"),
                "skin_age": skin.skin_age,
                "overall": skin.overall,
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


def skin_groups(viewer: napari.Viewer) -> dict[str, SkinGroup]:
    """Skin-result layers in the viewer, one group per job (see `skin_model.group_layers`)."""
    return group_layers(viewer.layers)
