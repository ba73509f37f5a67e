"""Writer: a Labels layer saved as `*.png` becomes a YouCam mask.

The file is the grayscale mask the service expects (255 = area to act on, 0 =
keep), produced by `imaging.labels_to_mask` so the CLI and the widgets export the
same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_mask(path: str, data: Any, meta: dict) -> list[str]:
    """npe2 single-layer writer for Labels → mask PNG."""
    import numpy as np

    from napari_youcam.imaging import labels_to_mask
    from napari_youcam.imaging.encode import mask_png_bytes

    arr = np.asarray(data)
    while arr.ndim > 2:  # stacks: the plane the user painted on is the first one
        arr = arr[0]
    mask = labels_to_mask(arr)
    p = Path(path)
    if p.suffix.lower() != ".png":
        p = p.with_suffix(".png")
    p.write_bytes(mask_png_bytes(mask))
    return [str(p)]
