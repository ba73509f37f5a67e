"""Mask painting for object removal, generative fill and AI replace.

One click creates a Labels layer the size of the chosen image with the brush
ready. Grow / feather / invert are applied by `imaging.labels_to_mask` — the same
export the writer and the CLI use — and the exported mask is shown live as a
preview layer, so what you see is exactly what will be uploaded.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Optional

import napari.layers
import numpy as np
from magicgui.widgets import CheckBox, ComboBox, Container, FloatSlider, LineEdit, SpinBox
from qtpy.QtCore import QTimer
from qtpy.QtWidgets import QLabel, QPushButton

from napari_youcam._napari import session
from napari_youcam._napari.common import (
    frame_meta,
    frame_of,
    geometry,
    image_hw,
    mask_for,
    placement,
    plane,
    preview_name,
    result_name,
    short_title,
    show_warning,
)
from napari_youcam._napari.jobs import ProgressFn
from napari_youcam._napari.mask_model import MaskExport, MaskModel
from napari_youcam._napari.panel_base import ServicePanel, cost_of, layer_picker, send, units_text
from napari_youcam._napari.results import Prepared, prepare_result, show_prepared
from napari_youcam.errors import InputError
from napari_youcam.features import FEATURES, with_defaults

if TYPE_CHECKING:
    import napari
    from napari.layers import Image, Labels, Layer
    from napari.qt.threading import WorkerBase

MASK_FEATURES = ("generative-fill", "obj-removal", "obj-replace")


class MaskPanel(ServicePanel):
    """Paint a mask on an image and send it to a mask-taking feature: the view of a `MaskModel`."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(napari_viewer)
        self.model = MaskModel()
        self.image = layer_picker(napari.layers.Image, "image", ComboBox)
        # magicgui reads the annotation at runtime and knows typing.Optional
        self.labels = layer_picker(Optional[napari.layers.Labels], "mask layer", ComboBox)  # noqa: UP045
        self.new_btn = QPushButton("New mask for this image (brush ready)")
        self.new_btn.clicked.connect(self.new_mask)
        self.feature = ComboBox(
            label="feature",
            choices=[(FEATURES[k].title, k) for k in MASK_FEATURES if k in FEATURES],
        )
        self.grow = SpinBox(
            label="grow (px)",
            min=-50,
            max=50,
            value=0,
            tooltip="dilate (+) or erode (-) the painted area before sending",
        )
        self.feather = FloatSlider(
            label="feather (px)", min=0, max=30, value=0, step=1, tooltip="soft edge outside the painted area"
        )
        self.invert = CheckBox(label="invert (act outside the painting)", value=False)
        self.prompt = LineEdit(label="prompt", tooltip="what should appear in the masked area")
        self.controls = Container(
            widgets=[self.image, self.labels, self.feature, self.grow, self.feather, self.invert, self.prompt]
        )
        self.coverage = QLabel("")
        self.coverage.setWordWrap(True)
        self.cost = QLabel("")
        self.cost.setWordWrap(True)
        self.run_btn = QPushButton("Run")
        self.run_btn.clicked.connect(self.run)
        self.preview: Image | None = None
        self.results: list[Layer] = []
        self.uses_prompt = False

        self.job.guard(self.run_btn)
        self.arrange(
            [self.banner, self.new_btn, self.controls, self.coverage, self.cost],
            [self.problems, self.run_btn, self.job],
        )

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.update_preview)
        self._watched: Labels | None = None
        for w in (self.grow, self.feather, self.invert):
            w.changed.connect(lambda *_: self._timer.start())
        self.labels.changed.connect(self._watch)
        self.image.changed.connect(self._on_image)
        self.feature.changed.connect(self._on_feature)
        session.events.changed.connect(self.refresh_status)
        self.reset_choices()
        self._on_feature()
        self.refresh_status()

    # ------------------------------------------------------------------ napari hooks
    def reset_choices(self, *_: object) -> None:
        self.controls.reset_choices()
        self._watch()

    def status_changed(self) -> None:
        self._on_feature()

    def _on_image(self, *_: object) -> None:
        """The mask painted on the chosen image becomes the mask layer."""
        img = self.image.value
        painted = mask_for(self.viewer, img) if img is not None else None
        if painted is not None:
            self.labels.value = painted

    # ------------------------------------------------------------------ mask
    def new_mask(self) -> Labels | None:
        """A Labels layer the size of the image, selected, in paint mode."""
        img = self.image.value
        if img is None:
            show_warning("Mask painting: open an image first.")
            return None
        h, w = image_hw(img)
        layer = self.viewer.add_labels(
            np.zeros((h, w), dtype=np.uint8),
            name=result_name(img.name, "mask"),
            metadata={"youcam_mask_for": img.name},
            **placement(img),
        )
        layer.selected_label = 1
        layer.brush_size = max(5, int(min(h, w) * 0.03))
        self.viewer.layers.selection.active = layer
        layer.mode = "paint"
        self.labels.reset_choices()
        self.labels.value = layer
        return layer

    def _watch(self, *_: object) -> None:
        """Follow paint/data events of the chosen Labels layer to refresh the preview."""
        layer = self.labels.value
        if layer is self._watched:
            return
        if self._watched is not None:
            for ev in ("paint", "data"):
                with contextlib.suppress(TypeError, ValueError, RuntimeError):  # never connected, or gone
                    getattr(self._watched.events, ev).disconnect(self._schedule)
        self._watched = layer
        if layer is not None:
            layer.events.paint.connect(self._schedule)
            layer.events.data.connect(self._schedule)
        self._schedule()

    def _schedule(self, *_: object) -> None:
        self._timer.start()

    def export(self) -> MaskExport:
        """The mask that will be sent, from the painted plane on screen; raises InputError."""
        layer = self.labels.value
        if layer is None:
            raise InputError("no mask layer: click 'New mask for this image' and paint the area")
        return self.model.export(*self._painted(layer))

    def _painted(self, layer: Labels) -> tuple[np.ndarray, tuple[int, int] | None, tuple[int, ...]]:
        """What the model exports from: the painted plane on screen, the image's size, the plane's frame."""
        self.model.grow, self.model.feather = int(self.grow.value), float(self.feather.value)
        self.model.invert = bool(self.invert.value)
        img = self.image.value
        return plane(layer, self.viewer), (image_hw(img) if img is not None else None), frame_of(layer, self.viewer)

    def update_preview(self) -> None:
        """Show the exported mask as a translucent layer over the image."""
        layer = self.labels.value
        if layer is None:
            self.model.clear()
            self.coverage.setText("")
            return
        got = self.model.update(*self._painted(layer))
        if got is None:
            self.coverage.setText(f"mask: {self.model.error}")
            return
        self.problems.setText("")  # the mask exports again: an earlier refusal no longer applies
        self.coverage.setText(got.summary())
        if self.preview is not None and self.preview in self.viewer.layers:
            self.preview.data = got.mask
        else:
            img = self.image.value
            self.preview = self.viewer.add_image(
                got.mask,
                name=preview_name(img.name if img is not None else layer.name, "mask"),
                colormap="magenta",
                blending="additive",
                opacity=0.5,
                contrast_limits=(0, 255),
                **placement(layer),
            )
            # keep painting on the labels layer, not on the preview
            self.viewer.layers.selection.active = layer

    # ------------------------------------------------------------------ run
    def _on_feature(self, *_: object) -> None:
        key = self.feature.value
        ep = FEATURES[key].endpoint(self.api_for(key))
        self.uses_prompt = any(p.name == "prompt" for p in ep.params)
        self.prompt.visible = self.uses_prompt
        cost = cost_of(ep, {})
        self.show_cost(self.run_btn, cost)
        self.cost.setText(f"cost: {units_text(cost)} ({ep.api} API) · {self.balance_text()}")

    def run(self) -> WorkerBase | None:
        """Plan the painted mask on the image (`plan_or_refuse`), then start the job."""
        key = self.feature.value
        api = self.api_for(key)
        img = self.image.value
        exported: MaskExport | None = None
        missing: list[str] = []
        if img is None:
            missing.append("open an image and pick it")
        else:
            try:
                exported = self.export()
            except InputError as e:
                missing.append(str(e))
        mask = exported.mask if exported is not None else None
        prompt = {"prompt": self.prompt.value} if self.uses_prompt and self.prompt.value else {}
        params = with_defaults(FEATURES[key].endpoint(api), prompt)
        src = plane(img, self.viewer) if img is not None else None
        plan = self.plan_or_refuse("Mask painting", key, src, mask=mask, params=params, api=api, missing=missing)
        if plan is None or img is None or exported is None:
            return None
        title = short_title(FEATURES[key].title)
        mask_frame = list(exported.frame)
        source = {
            "layer": img,
            "name": img.name,
            "geom": geometry(img),
            "provenance": {**frame_meta(img, self.viewer), **({"mask_frame": mask_frame} if mask_frame else {})},
        }

        def work(again: bool, progress: ProgressFn, cancel: threading.Event) -> Prepared:
            res = send(plan, again, progress, cancel)
            return prepare_result(res, source, title=title)  # layer data built off the Qt thread

        def done(prepared: Prepared) -> None:
            self.results = show_prepared(self.viewer, prepared, source)

        return self.start_job(work, done, label=FEATURES[key].title, cost=plan.unit_cost)
