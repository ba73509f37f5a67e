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
from typing import TYPE_CHECKING

import napari.layers
import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, PushButton, SpinBox
from qtpy.QtCore import QEvent
from qtpy.QtWidgets import QLabel, QPushButton

from napari_youcam._napari import session
from napari_youcam._napari.common import frame_meta, image_hw, plane, preview_name, result_name, show_warning
from napari_youcam._napari.extender_model import CUSTOM, PRESETS, Crop, ExtenderModel, bounds, rectangle
from napari_youcam._napari.jobs import ProgressFn
from napari_youcam._napari.panel_base import ServicePanel, cost_of, layer_picker, send, units_text
from napari_youcam._napari.results import Prepared, prepare_result, show_prepared
from napari_youcam.features import FEATURES
from napari_youcam.features.spec import Api
from napari_youcam.imaging import extend_preview
from napari_youcam.imaging.extender import ExtendPlan, prescale_image

if TYPE_CHECKING:
    import napari
    from napari.layers import Image, Layer, Shapes
    from napari.qt.threading import WorkerBase

OK_COLOR, BAD_COLOR, CROP_COLOR = "#00e5ff", "#ff1744", "#ffea00"


class ExtenderPanel(ServicePanel):
    """The view of an `ExtenderModel`: canvas rectangles in the viewer, the live plan, and Run."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(napari_viewer)
        self.model = ExtenderModel()
        self.image = layer_picker(napari.layers.Image, "image", ComboBox)
        self.preset = ComboBox(label="canvas", choices=list(PRESETS), value=self.model.preset)
        self.canvas_w = SpinBox(label="width (px)", min=1, max=8192, value=self.model.size[0])
        self.canvas_h = SpinBox(label="height (px)", min=1, max=8192, value=self.model.size[1])
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
                self.canvas_w,
                self.canvas_h,
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

        self.layer: Shapes | None = None  # [canvas] or [canvas, crop]
        self.preview: Image | None = None
        self.results: list[Layer] = []
        self._busy = False
        self._img_watched: Image | None = None

        self.preset.changed.connect(lambda *_: self.replan(recenter=True))
        self.canvas_w.changed.connect(self._on_size)
        self.canvas_h.changed.connect(self._on_size)
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
    def reset_choices(self, *_: object) -> None:
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

    def _toggle_crop(self, *_: object) -> None:
        for w in (self.crop_x, self.crop_y, self.crop_w, self.crop_h):
            w.visible = bool(self.use_crop.value)

    def _on_image(self, *_: object) -> None:
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

    def _on_size(self, *_: object) -> None:
        if self._busy:
            return
        self._set_custom_quietly()
        self.replan(recenter=True)

    # ------------------------------------------------------------------ geometry
    def _sync_model(self, img: Image) -> None:
        """Copy the photo's size and origin and the controls into the model before planning."""
        h, w = image_hw(img)
        t, sc = np.asarray(img.translate)[-2:], np.asarray(img.scale)[-2:]
        m = self.model
        m.src_size, m.origin = (w, h), (float(t[0] / sc[0]), float(t[1] / sc[1]))
        m.preset, m.size, m.api = str(self.preset.value), (int(self.canvas_w.value), int(self.canvas_h.value)), self.api
        m.crop = self._crop()

    def _crop(self) -> Crop | None:
        if not self.use_crop.value:
            return None
        return int(self.crop_x.value), int(self.crop_y.value), int(self.crop_w.value), int(self.crop_h.value)

    def _canvas_shown(self) -> bool:
        return self.layer is not None and self.layer in self.viewer.layers and len(self.layer.data) > 0

    def _flag(self, message: str) -> None:
        self.model.flag(message)
        self._show_invalid()

    def _show_invalid(self) -> None:
        self.problems.setText(f"Invalid placement — change: {self.model.error}")
        self.plan_label.setText(self.model.plan_html())  # not the old plan
        self.run_btn.setEnabled(False)
        self._color(BAD_COLOR)

    def replan(self, *, recenter: bool, redraw: bool = True) -> ExtendPlan | None:
        """Plan from the controls (recenter) or from the dragged rectangles (not).

        `redraw=False` while a rectangle is being dragged: the fields and the plan
        follow, but the shapes are not rewritten under the user's mouse.
        """
        img = self.image.value
        if img is None or self._busy:
            return None
        self._sync_model(img)
        shown = self.layer if not recenter and self._canvas_shown() else None
        plan = self.model.recentre() if shown is None else self.model.follow(bounds(shown.data[0]))
        if plan is None:
            self._show_invalid()
            return None
        self.problems.setText("")
        self.run_btn.setEnabled(not self.job.running)
        self._show_plan(plan)
        self._update_cost()
        if shown is None:
            self._draw(img)
        else:
            self._color(OK_COLOR)
            if redraw:
                self._draw_crop()
        return plan

    def _show_plan(self, plan: ExtendPlan) -> None:
        self._busy = True
        try:
            if self.preset.value != CUSTOM:
                self.canvas_w.value, self.canvas_h.value = plan.canvas
        finally:
            self._busy = False
        self.plan_label.setText(self.model.plan_html())

    def _draw(self, img: Image) -> None:
        """Draw the plan's canvas (and crop) rectangles, adding the Shapes layer the first time."""
        rects = self.model.rects()
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

    def _draw_crop(self) -> None:
        """Add, move or remove the crop rectangle to match the crop fields."""
        if self.layer is None or not self._canvas_shown():
            return
        rects = self.model.rects()
        data = list(self.layer.data)[:1] + rects[1:2]
        self._busy = True
        try:
            self.layer.data = data
            self.layer.shape_type = ["rectangle"] * len(data)
            self.layer.edge_color = [OK_COLOR, CROP_COLOR][: len(data)]
        finally:
            self._busy = False

    def _color(self, color: str) -> None:
        if self.layer is not None and self._canvas_shown():
            colors = [color] + [CROP_COLOR] * (len(self.layer.data) - 1)
            self._busy = True
            try:
                self.layer.edge_color = colors
            finally:
                self._busy = False

    def _on_dragged(self, event: object = None) -> None:
        """A rectangle was moved or resized: the canvas re-plans, the crop updates its fields."""
        img = self.image.value
        if self._busy or img is None:
            return
        action = str(getattr(event, "action", "changed") or "changed")
        if action not in ("changed", "changing", "added"):
            return
        live = action == "changing"
        self._set_custom_quietly()
        if self.use_crop.value and self.layer is not None and len(self.layer.data) >= 2:
            self._sync_model(img)
            crop = self.model.crop_of(self.layer.data[1])
            problem = self.model.crop_problem(crop)
            if problem:
                self._flag(problem)
                return
            if crop != self._crop():
                self._busy = True  # the fields follow the rectangle without re-planning 4 times
                try:
                    self.crop_x.value, self.crop_y.value, self.crop_w.value, self.crop_h.value = crop
                finally:
                    self._busy = False
        self.replan(recenter=False, redraw=not live)

    def _on_moved(self, *_: object) -> None:
        if self._busy or self.layer is None:
            return
        self._set_custom_quietly()
        self.replan(recenter=False)

    def _set_custom_quietly(self) -> None:
        self._busy = True
        try:
            self.preset.value = CUSTOM
        finally:
            self._busy = False

    def _shown_layer(self) -> Shapes:
        if self.layer is None:
            raise RuntimeError("Image extender: show the canvas first")
        return self.layer

    def set_crop_rect(self, top: float, left: float, height: float, width: float) -> None:
        """Redraw the crop rectangle (what dragging its corners does); data units."""
        layer = self._shown_layer()
        data = list(layer.data)
        data[1] = rectangle(top, left, height, width)
        layer.data = data  # fires events.data → crop fields + plan

    def move_canvas(self, dy: float, dx: float) -> None:
        """Shift the canvas rectangle (what a drag in select mode does); for scripts and tests."""
        layer = self._shown_layer()
        data = list(layer.data)
        data[0] = np.asarray(data[0]) + np.array([dy, dx])
        layer.data = data  # fires events.data → replan from the rectangle

    # ------------------------------------------------------------------ preview / run
    @property
    def plan(self) -> ExtendPlan | None:
        """The current valid plan (None while the placement is invalid or before the canvas is shown)."""
        return self.model.plan

    @property
    def error(self) -> str | None:
        """Why there is no plan."""
        return self.model.error

    def _result_placement(self, img: Image) -> dict[str, tuple[float, float]]:
        s = np.asarray(img.scale)[-2:]
        return self.model.result_placement((float(s[0]), float(s[1])))

    def show_preview(self) -> Image | None:
        """The canvas as it will be sent (checker = area to invent), as a layer on the canvas rectangle."""
        img = self.image.value
        if self.plan is None or img is None:
            show_warning(f"Image extender: {self.error or 'show the canvas first'}")
            return None
        prev = extend_preview(plane(img, self.viewer), self.plan)
        name = preview_name(img.name, "image extender")
        if self.preview is not None and self.preview in self.viewer.layers:
            self.viewer.layers.remove(self.preview)
        self.preview = self.viewer.add_image(prev, name=name, opacity=0.85, **self._result_placement(img))
        return self.preview

    def run(self) -> WorkerBase | None:
        """Plan the prescaled upload with the canvas parameters (`plan_or_refuse`), then start the job."""
        plan = self.plan
        img = self.image.value
        if plan is None or img is None:
            self.refuse("Image extender", self.error or "show the canvas and place the image first")
            return None
        upload = prescale_image(plane(img, self.viewer), plan)
        params, api = dict(plan.params), self.api
        checked = self.plan_or_refuse("Image extender", "out-paint", upload, params=params, api=api)
        if checked is None:
            return None
        source = {"name": img.name, "provenance": frame_meta(img, self.viewer)}
        place = self._result_placement(img)

        def work(again: bool, progress: ProgressFn, cancel: threading.Event) -> Prepared:
            res = send(checked, again, progress, cancel)
            prepared = prepare_result(res, source, title="image extender")
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
