"""Sample data: the face photo and a skin-analysis result for it (SYNTHETIC masks).

Files live in the repository's `sample_data/` (copied into the wheel); see
`sample_data/README.md` for their origin.
"""

from __future__ import annotations

import napari
import numpy as np
from PIL import Image

from napari_youcam._napari.common import sample_data_dir
from napari_youcam._napari.layer_types import LayerData, LayerTuple
from napari_youcam._napari.reader import read_skin_result

FACE = "astronaut.png"
SKIN_ZIP = "astronaut_skin_analysis_SYNTHETIC.zip"


def load_face() -> np.ndarray:
    """The astronaut photo as an (H, W, 3) uint8 array."""
    with Image.open(sample_data_dir() / FACE) as im:
        return np.asarray(im.convert("RGB"))


def face_photo() -> list[LayerTuple]:
    """npe2 sample: the face photo (scikit-image's astronaut, public domain)."""
    return [(load_face(), {"name": "astronaut", "rgb": True}, "image")]


def skin_result() -> list[LayerData]:
    """npe2 sample: the photo plus its synthetic skin-analysis masks over it."""
    viewer = napari.current_viewer()
    out: list[LayerData] = []
    have_face = viewer is not None and "astronaut" in [lay.name for lay in viewer.layers]
    if not have_face:
        photo = face_photo()
        if viewer is not None:  # so the masks are scaled onto the photo
            data, kw, _kind = photo[0]
            viewer.add_image(data, **kw)
        else:
            out += photo
    return out + read_skin_result(str(sample_data_dir() / SKIN_ZIP))
