"""Advisory face pre-check shown above a feature's Run button.

Several features fail *after* the upload (and some after charging) when the photo
has no clear face, several faces, or a face narrower than 60 % of the width.
`imaging.face_check` checks those documented rules locally with scikit-image's
face cascade; this widget runs it off the Qt thread whenever the source or the
feature changes, shows the warning, and offers the suggested crop as a NEW layer
(the source is never modified). It only advises: Run stays enabled, because the
detector can miss a face the service would find.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from napari.qt.threading import create_worker
from qtpy.compat import isalive
from qtpy.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from napari_youcam import features
from napari_youcam._napari.common import plane
from napari_youcam.imaging import face_check
from napari_youcam.imaging.faces import FACE_RULES, FaceCheck

if TYPE_CHECKING:
    import napari
    from napari.layers import Image
    from napari.qt.threading import FunctionWorker

#: what identifies one check: the layer, its data and the feature (ids, compared, never dereferenced)
CheckKey = tuple[int, int, str]


class FaceCheckNote(QWidget):
    """A warning line plus a "Use suggested crop" button; hidden when all is well."""

    def __init__(self, viewer: napari.Viewer, on_crop: Callable[[Image], None]) -> None:
        super().__init__()
        self.viewer = viewer
        self._on_crop = on_crop
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setStyleSheet("color: #ffd54f;")
        self.crop_btn = QPushButton("Use suggested crop (adds a new layer)")
        self.crop_btn.clicked.connect(self.use_crop)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.crop_btn)
        self.last: FaceCheck | None = None  # the check shown, for tests and the crop button
        self.worker: FunctionWorker[FaceCheck] | None = None
        self._key: CheckKey | None = None
        self._layer: Image | None = None
        self._show(None)

    def check(self, layer: Image | None, feature_key: str) -> None:
        """(Re)check when the layer, its data or the feature changed; otherwise do nothing."""
        if layer is None or feature_key not in FACE_RULES:
            self._key, self._layer = None, None
            self._show(None)
            return
        key = (id(layer), id(layer.data), feature_key)
        if key == self._key:
            return
        self._key, self._layer = key, layer
        self.label.setText("checking the face rules…")
        self.label.setVisible(True)
        self.crop_btn.setVisible(False)
        data = np.asarray(plane(layer, self.viewer))
        short_min = features.get(feature_key).endpoints[0].limits.short_min
        self.worker = create_worker(face_check, data, feature_key, short_min=short_min, _start_thread=False)
        self.worker.returned.connect(lambda result, k=key: self._done(k, result))
        self.worker.start()

    def _done(self, key: CheckKey, result: FaceCheck) -> None:
        # the dock may have been closed (its labels deleted) while the detector ran,
        # or the user moved on to another layer or feature
        if not isalive(self.label) or key != self._key:  # type: ignore[no-untyped-call]  # qtpy.compat is unannotated
            return
        self._show(result)

    def _show(self, result: FaceCheck | None) -> None:
        self.last = result
        if result is None or result.ok:
            self.label.setText("")
            self.label.setVisible(False)
        else:
            self.label.setText("⚠ face check (advisory, you can still run): " + "; ".join(result.warnings))
            self.label.setVisible(True)
        self.crop_btn.setVisible(bool(result is not None and not result.ok and result.suggested_crop))

    def use_crop(self) -> Image | None:
        """Add the suggested crop as a new layer placed over the source, and hand it on."""
        result, layer = self.last, self._layer
        if result is None or not result.suggested_crop or layer is None:
            return None
        x, y, w, h = result.suggested_crop
        data = np.asarray(plane(layer, self.viewer))[y : y + h, x : x + w]
        scale = np.asarray(layer.scale)[-2:]
        translate = np.asarray(layer.translate)[-2:] + np.array([y, x]) * scale
        crop_layer = self.viewer.add_image(
            data,
            name=f"{layer.name} · crop for {result.feature}",
            rgb=layer.rgb,
            translate=tuple(translate),
            scale=tuple(scale),
            metadata={"youcam": {"crop_of": layer.name, "crop_xywh": [x, y, w, h]}},
        )
        self._on_crop(crop_layer)
        return crop_layer
