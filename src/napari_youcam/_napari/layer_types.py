"""Plain types for the arrays and layer-data tuples the plugin hands around (no Qt, no napari).

napari ships no type information, so these say what the plugin relies on: a layer's
data is read through `ArrayData` (numpy, dask and zarr arrays all fit it), and a
result reaches napari as a `LayerTuple`.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from napari_youcam.limits import JsonObject


class ArrayData(Protocol):
    """A layer's data as the plugin reads it: a shape, indexing, and conversion to numpy."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    # Any: numpy's own spelling of "an array of any shape and dtype" (numpy, dask and zarr differ)
    def __array__(self) -> np.ndarray[Any, Any]: ...

    def __getitem__(self, index: tuple[int, ...], /) -> npt.ArrayLike: ...


#: a napari layer-data tuple: (data, layer keyword arguments, layer type such as "image")
LayerTuple = tuple[np.ndarray, JsonObject, str]
#: what a reader returns per layer: a `LayerTuple`, or napari's null layer ``(None,)`` that adds nothing
LayerData = LayerTuple | tuple[None]
