"""The mask-painting export, kept apart from its Qt view (`mask_panel.MaskPanel`).

Painted labels become the binary mask the service receives: exactly the image's size,
grown / feathered / inverted by `imaging.labels_to_mask` (the same export the writer
and the CLI use), 255 = act here. The model also says which label values became the
mask, which plane of a stack they were painted on, and gives the PNG bytes to upload
or save. No Qt and no viewer: the view hands in the painted plane and the image's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from napari_youcam.errors import InputError
from napari_youcam.imaging import labels_to_mask
from napari_youcam.imaging.encode import mask_png_bytes


@dataclass(frozen=True)
class MaskExport:
    """One exported mask: exactly what will be sent."""

    mask: np.ndarray  # uint8 (H, W) of the image, 255 = act here (feathered edges in between)
    labels: tuple[int, ...]  # the painted label values that became the mask
    frame: tuple[int, ...] = ()  # the plane of a stack the labels were painted on; () for 2-D

    @property
    def coverage(self) -> float:
        """The fraction of the image the service acts on."""
        return float((self.mask > 0).mean())

    def png(self) -> bytes:
        """The mask as the grayscale PNG that is uploaded (and that a `.mask.png` file holds)."""
        return mask_png_bytes(self.mask)

    def summary(self) -> str:
        """One line for the dock: size, coverage, and which labels were merged into the mask."""
        h, w = self.mask.shape
        text = f"exported mask: {w}×{h}, {self.coverage:.1%} of the image (255 = act here)"
        note = labels_note(self.labels)
        return f"{text}; {note}" if note else text


def painted_values(labels: np.ndarray) -> tuple[int, ...]:
    """The non-zero label values in a labels plane, ascending (a boolean plane paints 1)."""
    if labels.dtype == np.bool_:
        return (1,) if labels.any() else ()
    if labels.dtype.kind == "u" and labels.dtype.itemsize <= 2:  # napari's usual uint8 / uint16: count, no sort
        return tuple(int(v) + 1 for v in np.flatnonzero(np.bincount(labels.ravel())[1:]))
    return tuple(int(v) for v in np.unique(labels) if v != 0)


def labels_note(values: tuple[int, ...]) -> str | None:
    """What a user must hear when several labels become one mask (None for one label)."""
    if len(values) <= 1:
        return None
    shown = ", ".join(str(v) for v in values[:10]) + (" …" if len(values) > 10 else "")
    return f"labels {shown} were all merged into the mask; erase the ones you do not want sent"


@dataclass
class MaskModel:
    """How painted labels become the mask (grow, feather, invert), and the last export or why none."""

    grow: int = 0  # px: dilate (+) or erode (-) the painted area
    feather: float = 0.0  # px of soft edge outside the painted area
    invert: bool = False  # act outside the painting
    exported: MaskExport | None = None
    error: str | None = None  # why the last export failed

    def export(self, painted: np.ndarray, image_hw: tuple[int, int] | None, frame: tuple[int, ...] = ()) -> MaskExport:
        """The mask of a painted 2-D labels plane for an image of ``image_hw``; raises `InputError`."""
        labels = np.asarray(painted)
        mask = labels_to_mask(labels, shape=image_hw, grow=self.grow, feather=self.feather, invert=self.invert)
        return MaskExport(mask, painted_values(labels), tuple(frame))

    def update(
        self, painted: np.ndarray, image_hw: tuple[int, int] | None, frame: tuple[int, ...] = ()
    ) -> MaskExport | None:
        """`export`, kept as `exported` (or the reason in `error`): what the live preview shows."""
        try:
            self.exported, self.error = self.export(painted, image_hw, frame), None
        except InputError as e:
            self.exported, self.error = None, str(e)
        return self.exported

    def clear(self) -> None:
        """No labels layer chosen: nothing exported, nothing to complain about."""
        self.exported, self.error = None, None
