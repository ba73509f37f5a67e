"""The image extender's canvas plan, kept apart from its Qt view (`extender_panel.ExtenderPanel`).

What the extender dock edits — the output canvas (an aspect preset or a size), where
the photo sits on it, the optional crop — and the plan `imaging.plan_extend` makes of
them, or why there is none. No Qt and no viewer: the view copies the photo's size and
origin in, hands over the rectangles the user drags, and draws the rectangles this
model gives back.

Coordinates: rectangles are in Shapes-data units, i.e. source pixels with the photo's
top-left at ``origin`` (its translate divided by its scale); the plan's parameters are
in uploaded pixels (source × `ExtendPlan.prescale`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from napari_youcam.errors import InputError
from napari_youcam.features.spec import Api
from napari_youcam.imaging.extender import INPUT_LONG_MAX, ExtendPlan, plan_extend

CUSTOM = "custom size"
PRESETS = (CUSTOM, "1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16", "21:9")

Rect = tuple[float, float, float, float]  # (top, left, height, width) in Shapes-data units
Crop = tuple[int, int, int, int]  # (x, y, width, height) in source pixels


def rectangle(top: float, left: float, height: float, width: float) -> np.ndarray:
    """The four corners of a Shapes rectangle, (row, column) each, clockwise from top-left."""
    return np.array([[top, left], [top, left + width], [top + height, left + width], [top + height, left]])


def bounds(vertices: npt.ArrayLike) -> Rect:
    """(top, left, height, width) of the box around a drawn shape's vertices."""
    v = np.asarray(vertices, dtype=float)
    top, left = float(v[:, 0].min()), float(v[:, 1].min())
    return top, left, float(v[:, 0].max()) - top, float(v[:, 1].max()) - left


@dataclass
class ExtenderModel:
    """The canvas, the photo's place on it, the crop, and the plan of them (or why there is none)."""

    src_size: tuple[int, int] = (0, 0)  # (width, height) of the photo
    origin: tuple[float, float] = (0.0, 0.0)  # (top, left) of the photo, Shapes-data units
    preset: str = "4:3"  # an aspect ratio, or CUSTOM for `size`
    size: tuple[int, int] = (1024, 768)  # (width, height) of the canvas asked for with CUSTOM
    crop: Crop | None = None  # the part of the photo to send, if any
    api: Api = "v2"
    plan: ExtendPlan | None = None
    error: str | None = None  # why there is no plan

    # ------------------------------------------------------------------ planning
    def recentre(self) -> ExtendPlan | None:
        """Plan from the preset or size: the photo (or its crop) centred on the canvas."""
        w, h = self.src_size
        try:
            if self.preset == CUSTOM:
                plan = plan_extend(w, h, width=self.size[0], height=self.size[1], crop=self.crop, api=self.api)
            else:
                plan = plan_extend(w, h, aspect=self.preset, crop=self.crop, api=self.api)
        except InputError as e:
            self.flag(str(e))
            return None
        return self._planned(plan)

    def follow(self, canvas: Rect) -> ExtendPlan | None:
        """Plan from a dragged or resized canvas rectangle: the photo stays where it is on it."""
        w, h = self.src_size
        p = self.plan.prescale if self.plan is not None else min(1.0, INPUT_LONG_MAX / max(w, h))
        oy, ox = self.origin
        cx, cy = (self.crop[0], self.crop[1]) if self.crop else (0, 0)
        top, left, rh, rw = canvas
        x, y = round((ox + cx - left) * p), round((oy + cy - top) * p)
        try:
            plan = plan_extend(w, h, width=round(rw * p), height=round(rh * p), x=x, y=y, crop=self.crop, api=self.api)
        except InputError as e:
            self.flag(str(e))
            return None
        return self._planned(plan)

    def flag(self, message: str) -> None:
        """No plan: `message` says what to change (the view shows it and keeps Run off)."""
        self.plan, self.error = None, message

    def _planned(self, plan: ExtendPlan) -> ExtendPlan:
        self.plan, self.error = plan, None
        return plan

    # ------------------------------------------------------------------ the crop
    def crop_of(self, vertices: npt.ArrayLike) -> Crop:
        """(x, y, width, height) in source pixels of a drawn crop rectangle (it may lie outside)."""
        top, left, height, width = bounds(vertices)
        oy, ox = self.origin
        x, y = round(left - ox), round(top - oy)
        return x, y, round(left + width - ox) - x, round(top + height - oy) - y

    def crop_problem(self, crop: Crop) -> str | None:
        """Why a drawn crop cannot be sent (None when it lies inside the photo)."""
        w, h = self.src_size
        x, y, cw, ch = crop
        if cw < 1 or ch < 1:
            return f"the crop is {cw}×{ch} px: make it at least 1 px wide and tall"
        out = []
        if x < 0:
            out.append(f"{-x} px left")
        if y < 0:
            out.append(f"{-y} px above")
        if x + cw > w:
            out.append(f"{x + cw - w} px right")
        if y + ch > h:
            out.append(f"{y + ch - h} px below")
        if out:
            return f"the crop rectangle goes {', '.join(out)} of the {w}×{h} photo: drag it back inside the photo"
        return None

    # ------------------------------------------------------------------ what the view draws
    def rects(self) -> list[np.ndarray]:
        """The plan's canvas rectangle, and the crop's when there is a crop; [] without a plan."""
        plan = self.plan
        if plan is None:
            return []
        p, prm = plan.prescale, plan.params
        oy, ox = self.origin
        cx, cy, cw, ch = plan.crop_src
        out = [
            rectangle(
                oy + cy - prm["input_y"] / p, ox + cx - prm["input_x"] / p, plan.canvas[1] / p, plan.canvas[0] / p
            )
        ]
        if self.crop is not None:
            out.append(rectangle(oy + cy, ox + cx, ch, cw))
        return out

    def result_placement(self, scale: tuple[float, float]) -> dict[str, tuple[float, float]]:
        """translate / scale that put a canvas-sized result exactly on the canvas rectangle.

        ``scale`` is the photo's (row, column) layer scale; the result has the canvas's
        pixels, `prescale` times the photo's."""
        if self.plan is None:
            raise ValueError("no plan: the placement is invalid or the canvas was never shown")
        p = self.plan.prescale
        top, left, _h, _w = bounds(self.rects()[0])
        return {"translate": (top * scale[0], left * scale[1]), "scale": (scale[0] / p, scale[1] / p)}

    def plan_html(self) -> str:
        """The plan's parameters, warnings and notes for the dock's plan line."""
        if self.plan is None:
            return "<b>plan</b>: none (the placement is invalid)"
        prm = ", ".join(f"{k}={v}" for k, v in self.plan.params.items())
        extra = [f"⚠ {x}" for x in self.plan.warnings] + list(self.plan.notes)
        return "<br>".join([f"<b>plan</b>: {prm}", *extra])
