"""Reader: a skin-analysis result ZIP opens as one layer per concern mask.

The masks are blended over the current image when one is open (see
`skin_layers`), and the scores go into each layer's metadata and a notification.
Any other ZIP is declined so napari can offer it to other readers.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Callable


def _is_skin_zip(path: str) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.endswith("score_info.json") for n in zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def get_reader(path: str | list[str]) -> Callable[[Any], list[tuple]] | None:
    """npe2 reader hook: a callable for skin-analysis ZIPs, None otherwise."""
    if isinstance(path, list):
        if len(path) != 1:
            return None
        path = path[0]
    if not str(path).lower().endswith(".zip") or not _is_skin_zip(str(path)):
        return None
    return read_skin_result


def read_skin_result(path: str | list[str]) -> list[tuple]:
    """Layer-data tuples for the masks; the scores are announced once."""
    import napari
    from napari.utils.notifications import show_info

    from napari_youcam._napari.skin_layers import skin_layer_data
    from napari_youcam.imaging import read_skin_zip

    if isinstance(path, list):
        path = path[0]
    skin = read_skin_zip(path)
    viewer = napari.current_viewer()
    base = Path(path).stem
    layers = skin_layer_data(skin, base=base, viewer=viewer,
                             provenance={"feature": "skin-analysis", "file": str(path)})
    parts = [f"{name} {rec.raw_score:g}" for name, rec in skin.scores.items() if rec.raw_score is not None]
    extra = []
    if getattr(skin, "skin_age", None) is not None:
        extra.append(f"skin age {skin.skin_age}")
    if getattr(skin, "overall", None) is not None:
        extra.append(f"overall {skin.overall}")
    show_info(f"{base}: {len(layers)} masks; raw scores: " + ", ".join(parts + extra))
    return layers
