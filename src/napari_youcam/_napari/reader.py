"""Reader: a skin-analysis result opens as one layer per concern mask.

A result is a ZIP (``format=zip``) or the job folder of a ``format=json`` run, whose
masks were saved as separate PNGs listed in the job record (`skin_model.read_skin_folder`).

The masks are blended over the photo the job ran on when it is open (the job
record's shape and hash, else an image of the masks' size; `skin_model.match_source`),
otherwise shown on their own at native size, and the notification says which. The
scores go into each layer's metadata and that notification.
Any other ZIP is declined so napari can offer it to other readers.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import napari
import napari.layers
import numpy as np
from napari.utils.notifications import show_info

from napari_youcam._napari.common import LayerData, geometry, image_hw, plane
from napari_youcam._napari.skin_layers import skin_groups, skin_layer_data
from napari_youcam._napari.skin_model import (
    SKIN_KEY,
    Candidate,
    folder_record,
    group_key,
    job_record,
    match_source,
    read_skin_folder,
)
from napari_youcam.imaging.skin import SkinResult, mask_alpha, read_skin_zip


def _is_skin_zip(path: str) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.endswith("score_info.json") for n in zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def get_reader(path: str | list[str]) -> Callable[[str | list[str]], list[LayerData]] | None:
    """npe2 reader hook: a callable for skin-analysis ZIPs and format=json job folders, None otherwise."""
    if isinstance(path, list):
        if len(path) != 1:
            return None
        path = path[0]
    if Path(path).is_dir():
        return read_skin_result if folder_record(path) is not None else None
    if not str(path).lower().endswith(".zip") or not _is_skin_zip(str(path)):
        return None
    return read_skin_result


def _candidates(viewer: napari.Viewer | None) -> list[Candidate]:
    """Open photos the masks could go over (not other skin masks)."""
    if viewer is None:
        return []

    def plane_of(layer: napari.layers.Image) -> Callable[[], np.ndarray]:
        return lambda: plane(layer, viewer)

    return [
        Candidate(lay.name, image_hw(lay), plane_of(lay))
        for lay in viewer.layers
        if isinstance(lay, napari.layers.Image) and SKIN_KEY not in lay.metadata
    ]


def read_skin_result(path: str | list[str]) -> list[LayerData]:
    """Layer-data tuples for the masks, placed over the job's photo when it is open.

    `path` is a result ZIP or a format=json job folder. A result already open in
    the viewer is not added twice (napari's null-layer
    sentinel `[(None,)]` adds nothing)."""
    if isinstance(path, list):
        path = path[0]
    viewer = napari.current_viewer()
    key = group_key(None, str(path), "")
    base = Path(path).stem
    if viewer is not None and key in skin_groups(viewer):
        show_info(f"{base}: this result is already open; pick it in the Skin analysis inspector.")
        return [(None,)]
    folder = Path(path).is_dir()
    skin: SkinResult = read_skin_folder(path) if folder else read_skin_zip(path)
    first = next(iter(skin.masks.values()), None)
    mask_hw = (mask_alpha(first).shape[0], mask_alpha(first).shape[1]) if first is not None else (0, 0)
    where = match_source(_candidates(viewer), mask_hw, folder_record(path) if folder else job_record(path))
    geom = geometry(viewer.layers[where.target]) if viewer is not None and where.target else None
    layers: list[LayerData] = list(
        skin_layer_data(skin, base=base, ref_geom=geom, provenance={"feature": "skin-analysis", "file": str(path)})
    )
    parts = [f"{name} {rec.raw_score:g}" for name, rec in skin.scores.items() if rec.raw_score is not None]
    extra = []
    if skin.skin_age is not None:
        extra.append(f"skin age {skin.skin_age}")
    if skin.overall is not None:
        extra.append(f"overall {skin.overall}")
    show_info(f"{base}: {len(layers)} masks, {where.reason}; raw scores: " + ", ".join(parts + extra))
    return layers
