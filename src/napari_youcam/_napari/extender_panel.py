"""Image extender (out-paint) on the napari canvas.

The target canvas is a rectangle in a Shapes layer around the image. Pick an
aspect preset or type a size; then drag the rectangle (select mode) or move the
image (its translate) to place the photo on the canvas. Every change is re-planned
by `imaging.plan_extend`, which holds all the documented rules: the ten request
parameters update live and an invalid placement is flagged (red rectangle, Run
disabled) before anything is sent. An optional crop is drawn as a second (yellow)
rectangle: drag or resize it and the crop fields and the plan follow live; a crop
that leaves the photo is flagged the same way.

Coordinates: the Shapes layer uses the image's scale and no translate, so its data
units are source pixels in the world; the plan's parameters are in uploaded pixels
(source × `plan.prescale`).
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

import napari.layers
import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, PushButton, SpinBox, create_widget
from qtpy.QtCore import QEvent
from qtpy.QtWidgets import QLabel, QPushButton

from napari_youcam import workflow
from napari_youcam._napari import session
from napari_youcam._napari.common import frame_meta, image_hw, plane, preview_name, result_name, show_warning
from napari_youcam._napari.jobs import ProgressFn
from napari_youcam._napari.panel_base import ServicePanel, cost_of, units_text
from napari_youcam._napari.results import Prepared, prepare_result, show_prepared
from napari_youcam.features import FEATURES
from napari_youcam.features.spec import Api
from napari_youcam.imaging.extender import prescale_image

if TYPE_CHECKING:
    from napari.qt.threading import WorkerBase

PRESETS = ("custom size", "1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16", "21:9")
OK_COLOR, BAD_COLOR, CROP_COLOR = "#00e5ff", "#ff1744", "#ffea00"


class ExtenderPanel(ServicePanel):
    """Canvas rectangle + live out-paint plan + run."""

    def __init__(self, napari_viewer: napari.viewer.Viewer) -> None:
        super().__init__(napari_viewer)
        self.image = create_widget(annotation=napari.layers.Image, label="image")
        self.preset = ComboBox(label="canvas", choices=list(PRESETS), value="4:3")
        self.width = SpinBox(label="width (px)", min=1, max=8192, value=1024)
        self.height = SpinBox(label="height (px)", min=1, max=8192, value=768)
        self.use_crop = CheckBox(label="crop the source first", value=False)
        self.crop_x = SpinBox(label="crop x", min=0, max=65535, value=0)
        self.crop_y = SpinBox(label="crop y", min=0, max=65535, value=0)
        self.crop_w = SpinBox(label="crop width", min=1, max=65535, value=1)
        self.crop_h = SpinBox(label="crop height", min=1, max=65535, value=1)
        self.show_btn = PushButton(text="Show canvas")
        self.controls = Container(
            widgets=[
                self.image,
                self.preset,
                self.width,
                self.height,
                self.use_crop,
                self.crop_x,
                self.crop_y,
                self.crop_w,
                self.crop_h,
                self.show_btn,
            ]
        )
        self.plan_label = QLabel("")
        self.plan_label.setWordWrap(True)
        self.cost = QLabel("")
        self.cost.setWordWrap(True)
        self.preview_btn = QPushButton("Preview (checker = area to invent)")
        self.preview_btn.clicked.connect(self.show_preview)
        self.run_title = "Run image extender"
        self.run_btn = QPushButton(self.run_title)
        self.run_btn.clicked.connect(self.run)
        self.job.guard(self.run_btn)
        self.arrange(
            [self.banner, self.controls, self.plan_label, self.cost, self.preview_btn],
            [self.problems, self.run_btn, self.job],
        )

        self.plan: Any = None
        self.error: str | None = None
        self.layer: Any = None  # Shapes: [canvas] or [canvas, crop]
        self.preview: Any = None
        self.results: list[Any] = []
        self._busy = False
        self._img_watched: Any = None

        self.preset.changed.connect(lambda *_: self.replan(recenter=True))
        self.width.changed.connect(self._on_size)
        self.height.changed.connect(self._on_size)
        for w in (self.use_crop, self.crop_x, self.crop_y, self.crop_w, self.crop_h):
            w.changed.connect(lambda *_: self.replan(recenter=False))
        self.show_btn.changed.connect(lambda *_: self.replan(recenter=True))
        self.image.changed.connect(self._on_image)
        session.events.changed.connect(self.refresh_status)
        self._toggle_crop()
        self.use_crop.changed.connect(self._toggle_crop)
        self.reset_choices()
        self.refresh_status()

    # ------------------------------------------------------------------ hooks
    def reset_choices(self, *_: Any) -> None:
        self.controls.reset_choices()
        if self.image.value is not self._img_watched:
            self._on_image()

    def status_changed(self) -> None:
        self._update_cost()

    def event(self, ev: QEvent | None) -> bool:
        # napari takes a closed dock's widget out of the window (setParent(None)):
        # the canvas rectangles were only ever a drawing aid of this dock, so they go too
        if ev is not None and ev.type() == QEvent.Type.ParentChange and self.parent() is None:
            self.remove_canvas()
        return super().event(ev)

    def remove_canvas(self) -> None:
        """Take the canvas rectangles out of the viewer (the dock closed)."""
        layer, self.layer = self.layer, None
        try:
            if layer is not None and layer in self.viewer.layers:
                self.viewer.layers.remove(layer)
        except RuntimeError:  # the viewer is being torn down
            pass

    @property
    def api(self) -> Api:
        return self.api_for("out-paint")

    def _update_cost(self) -> None:
        ep = FEATURES["out-paint"].endpoint(self.api)
        cost = cost_of(ep, dict(self.plan.params) if self.plan is not None else {})
        self.show_cost(self.run_btn, cost)
        self.cost.setText(f"cost: {units_text(cost)} ({ep.api} API) · {self.balance_text()}")

    def _toggle_crop(self, *_: Any) -> None:
        for w in (self.crop_x, self.crop_y, self.crop_w, self.crop_h):
            w.visible = bool(self.use_crop.value)

    def _on_image(self, *_: Any) -> None:
        img = self.image.value
        if self._img_watched is not None:
            with contextlib.suppress(TypeError, ValueError, RuntimeError):  # never connected, or gone
                self._img_watched.events.translate.disconnect(self._on_moved)
        self._img_watched = img
        if img is None:
            return
        h, w = image_hw(img)
        self.crop_w.value, self.crop_h.value = w, h
        img.events.translate.connect(self._on_moved)

    def _on_size(self, *_: Any) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            self.preset.value = "custom size"
        finally:
            self._busy = False
        self.replan(recenter=True)

    # ------------------------------------------------------------------ geometry
    def _img_origin(self) -> tuple[float, float]:
        """Top-left of the image in Shapes-data units (world / image scale)."""
        img = self.image.value
        t = np.asarray(img.translate)[-2:]
        s = np.asarray(img.scale)[-2:]
        return float(t[0] / s[0]), float(t[1] / s[1])

    def _crop(self) -> tuple[int, int, int, int] | None:
        if not self.use_crop.value:
            return None
        return int(self.crop_x.value), int(self.crop_y.value), int(self.crop_w.value), int(self.crop_h.value)

    def _canvas_rect(self) -> tuple[float, float, float, float] | None:
        """(top, left, height, width) of the drawn canvas rectangle, data units."""
        if self.layer is None or self.layer not in self.viewer.layers or not len(self.layer.data):
            return None
        v = np.asarray(self.layer.data[0])
        top, left = v[:, 0].min(), v[:, 1].min()
        return float(top), float(left), float(v[:, 0].max() - top), float(v[:, 1].max() - left)

    def _shape_crop(self) -> tuple[int, int, int, int] | None:
        """(x, y, w, h) of the drawn crop rectangle in source pixels (may lie outside)."""
        if self.layer is None or len(self.layer.data) < 2:
            return None
        v = np.asarray(self.layer.data[1])
        oy, ox = self._img_origin()
        top, left = float(v[:, 0].min()), float(v[:, 1].min())
        bottom, right = float(v[:, 0].max()), float(v[:, 1].max())
        x, y = round(left - ox), round(top - oy)
        return x, y, round(right - ox) - x, round(bottom - oy) - y

    def crop_problem(self, crop: tuple[int, int, int, int]) -> str | None:
        """Why a drawn crop cannot be sent (None when it lies inside the photo)."""
        h, w = image_hw(self.image.value)
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

    def _flag(self, message: str) -> None:
        self.plan, self.error = None, message
        self.problems.setText(f"Invalid placement — change: {message}")
        self.plan_label.setText("<b>plan</b>: none (the placement is invalid)")  # not the old one
        self.run_btn.setEnabled(False)
        self._color(BAD_COLOR)

    def replan(self, *, recenter: bool, redraw: bool = True) -> Any:
        """Plan from the controls (recenter) or from the dragged rectangles (not).

        `redraw=False` while a rectangle is being dragged: the fields and the plan
        follow, but the shapes are not rewritten under the user's mouse.
        """
        from napari_youcam.errors import InputError
        from napari_youcam.imaging import plan_extend

        img = self.image.value
        if img is None or self._busy:
            return None
        h, w = image_hw(img)
        crop = self._crop()
        rect = None if recenter else self._canvas_rect()
        p = self.plan.prescale if self.plan is not None else min(1.0, 4096 / max(w, h))
        try:
            if rect is None:
                if self.preset.value == "custom size":
                    plan = plan_extend(
                        w, h, width=int(self.width.value), height=int(self.height.value), crop=crop, api=self.api
                    )
                else:
                    plan = plan_extend(w, h, aspect=self.preset.value, crop=crop, api=self.api)
            else:
                oy, ox = self._img_origin()
                cx, cy = (crop[0], crop[1]) if crop else (0, 0)
                top, left, rh, rw = rect
                x = round((ox + cx - left) * p)
                y = round((oy + cy - top) * p)
                plan = plan_extend(w, h, width=round(rw * p), height=round(rh * p), x=x, y=y, crop=crop, api=self.api)
        except InputError as e:
            self._flag(str(e))
            return None
        self.plan, self.error = plan, None
        self.problems.setText("")
        self.run_btn.setEnabled(not self.job.running)
        self._show_plan(plan)
        self._update_cost()
        if rect is None:
            self._draw(plan)
        else:
            self._color(OK_COLOR)
            if redraw:
                self._draw_crop(plan)
        return plan

    def _show_plan(self, plan: Any) -> None:
        self._busy = True
        try:
            if self.preset.value != "custom size":
                self.width.value, self.height.value = plan.canvas
        finally:
            self._busy = False
        prm = ", ".join(f"{k}={v}" for k, v in plan.params.items())
        extra = "<br>".join(f"⚠ {x}" for x in plan.warnings) + "<br>".join(plan.notes)
        self.plan_label.setText(f"<b>plan</b>: {prm}" + (f"<br>{extra}" if extra else ""))

    def _rects(self, plan: Any) -> list[np.ndarray]:
        p = plan.prescale
        prm = plan.params
        oy, ox = self._img_origin()
        cx, cy, cw, ch = plan.crop_src
        left = ox + cx - prm["input_x"] / p
        top = oy + cy - prm["input_y"] / p
        W, H = plan.canvas[0] / p, plan.canvas[1] / p
        rects = [np.array([[top, left], [top, left + W], [top + H, left + W], [top + H, left]])]
        if self._crop() is not None:
            rects.append(
                np.array(
                    [[oy + cy, ox + cx], [oy + cy, ox + cx + cw], [oy + cy + ch, ox + cx + cw], [oy + cy + ch, ox + cx]]
                )
            )
        return rects

    def _draw(self, plan: Any) -> None:
        rects = self._rects(plan)
        img = self.image.value
        self._busy = True
        try:
            if self.layer is None or self.layer not in self.viewer.layers:
                before = self.viewer.layers.selection.active
                self.layer = self.viewer.add_shapes(
                    rects,
                    shape_type="rectangle",
                    name=result_name(img.name, "extender canvas"),
                    edge_color=[OK_COLOR, CROP_COLOR][: len(rects)],
                    face_color="transparent",
                    edge_width=4,
                    scale=tuple(np.asarray(img.scale)[-2:]),
                )
                self.layer.events.data.connect(self._on_dragged)
                self.layer.mode = "select"
                if before is not None:  # the user's layer stays selected; the canvas is in view
                    self.viewer.layers.selection.active = before
                self.viewer.reset_view()
            else:
                self.layer.data = rects
                self.layer.shape_type = ["rectangle"] * len(rects)
                self.layer.edge_color = [OK_COLOR, CROP_COLOR][: len(rects)]
        finally:
            self._busy = False

    def _draw_crop(self, plan: Any) -> None:
        """Add, move or remove the crop rectangle to match the crop fields."""
        if self.layer is None or self.layer not in self.viewer.layers or not len(self.layer.data):
            return
        rects = self._rects(plan)
        data = list(self.layer.data)[:1] + rects[1:2]
        self._busy = True
        try:
            self.layer.data = data
            self.layer.shape_type = ["rectangle"] * len(data)
            self.layer.edge_color = [OK_COLOR, CROP_COLOR][: len(data)]
        finally:
            self._busy = False

    def _color(self, color: str) -> None:
        if self.layer is not None and self.layer in self.viewer.layers and len(self.layer.data):
            colors = [color] + [CROP_COLOR] * (len(self.layer.data) - 1)
            self._busy = True
            try:
                self.layer.edge_color = colors
            finally:
                self._busy = False

    def _on_dragged(self, event: Any = None) -> None:
        """A rectangle was moved or resized: the canvas re-plans, the crop updates its fields."""
        if self._busy:
            return
        action = str(getattr(event, "action", "changed") or "changed")
        if action not in ("changed", "changing", "added"):
            return
        live = action == "changing"
        self._set_custom_quietly()
        if self.use_crop.value and self.layer is not None and len(self.layer.data) >= 2:
            crop = self._shape_crop()
            problem = self.crop_problem(crop) if crop else None
            if problem:
                self._flag(problem)
                return
            if crop and crop != self._crop():
                self._busy = True  # the fields follow the rectangle without re-planning 4 times
                try:
                    self.crop_x.value, self.crop_y.value, self.crop_w.value, self.crop_h.value = crop
                finally:
                    self._busy = False
        self.replan(recenter=False, redraw=not live)

    def _on_moved(self, *_: Any) -> None:
        if self._busy or self.layer is None:
            return
        self._set_custom_quietly()
        self.replan(recenter=False)

    def _set_custom_quietly(self) -> None:
        self._busy = True
        try:
            self.preset.value = "custom size"
        finally:
            self._busy = False

    def set_crop_rect(self, top: float, left: float, height: float, width: float) -> None:
        """Redraw the crop rectangle (what dragging its corners does); data units."""
        data = list(self.layer.data)
        rect = np.array([[top, left], [top, left + width], [top + height, left + width], [top + height, left]])
        data[1] = rect
        self.layer.data = data  # fires events.data → crop fields + plan

    def move_canvas(self, dy: float, dx: float) -> None:
        """Shift the canvas rectangle (what a drag in select mode does); for scripts and tests."""
        data = list(self.layer.data)
        data[0] = np.asarray(data[0]) + np.array([dy, dx])
        self.layer.data = data  # fires events.data → replan from the rectangle

    # ------------------------------------------------------------------ preview / run
    def show_preview(self) -> Any:
        from napari_youcam.imaging import extend_preview

        if self.plan is None:
            show_warning(f"Image extender: {self.error or 'show the canvas first'}")
            return None
        img = self.image.value
        prev = extend_preview(plane(img, self.viewer), self.plan)
        kw = self._result_placement()
        name = preview_name(img.name, "image extender")
        if self.preview is not None and self.preview in self.viewer.layers:
            self.viewer.layers.remove(self.preview)
        self.preview = self.viewer.add_image(prev, name=name, opacity=0.85, **kw)
        return self.preview

    def _result_placement(self) -> dict[str, Any]:
        """Put a canvas-sized result exactly on the canvas rectangle."""
        img = self.image.value
        s = np.asarray(img.scale)[-2:]
        p = self.plan.prescale
        rects = self._rects(self.plan)
        top, left = rects[0][:, 0].min(), rects[0][:, 1].min()
        return {"translate": (top * s[0], left * s[1]), "scale": (s[0] / p, s[1] / p)}

    def run(self) -> WorkerBase | None:
        """Plan the prescaled upload with the canvas parameters (`plan_or_refuse`), then start the job."""
        plan = self.plan if self.error is None else None
        img = self.image.value
        if plan is None or img is None:
            self.refuse("Image extender", self.error or "show the canvas and place the image first")
            return None
        upload = prescale_image(plane(img, self.viewer), plan)
        params, api = dict(plan.params), self.api
        checked = self.plan_or_refuse("Image extender", "out-paint", upload, params=params, api=api)
        if checked is None:
            return None
        source = {"layer": img, "name": img.name, "provenance": frame_meta(img, self.viewer)}
        place = self._result_placement()

        def work(again: bool, progress: ProgressFn, cancel: threading.Event) -> Prepared:
            res = workflow.run(
                "out-paint",
                upload,
                params=params,
                api=api,
                client=session.get_client(api),
                progress=progress,
                cancel=cancel,
                again=again,
            )
            prepared = prepare_result(
                res, {"name": source["name"], "provenance": source["provenance"]}, title="image extender"
            )
            W, H = plan.canvas
            for data, kw, _kind in prepared.layers:  # on the canvas rectangle, not the source frame
                h, w = data.shape[:2]
                kw["translate"] = place["translate"]
                kw["scale"] = (place["scale"][0] * H / h, place["scale"][1] * W / w)
            return prepared

        def done(prepared: Prepared) -> None:
            self.results = show_prepared(self.viewer, prepared, {"layer": None, "name": source["name"]})

        def finished() -> None:
            self.run_btn.setEnabled(self.error is None)  # an invalid plan keeps Run off

        return self.start_job(work, done, label="Image extender", cost=checked.unit_cost, on_finish=finished)
