"""The inputs a job takes: what `run`, `plan`, `validate`, `resume` and `find_faces` accept."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

import numpy as np

#: One image: an array (any napari dtype and shape) or the path of an image file.
#: A mask and each reference image are given the same way.
ImageSource: TypeAlias = str | Path | np.ndarray
#: A job's source: one image, a video (its path or its bytes), or several images
#: for an endpoint that takes many sources.
Source: TypeAlias = ImageSource | bytes | Sequence[ImageSource]
