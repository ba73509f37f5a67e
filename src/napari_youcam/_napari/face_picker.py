"""Face picking for face lift, face reshape and face swap.

"Find faces" runs the feature's pre-process on a worker thread (through
`workflow`), then draws each detected face as a rectangle in a Shapes layer with
its index as text, placed like the source image. Clicking inside a rectangle (or
choosing in the combo box) picks the target: it sets the form's `index` (lift,
reshape) or `face_mapping` (swap) parameter.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np
from magicgui.widgets import ComboBox
from qtpy.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from napari_youcam._napari import session
from napari_youcam._napari.common import placement, plane, result_name, show_info, show_warning
from napari_youcam._napari.jobs import JobPanel

if TYPE_CHECKING:
    from napari_youcam._napari.feature_widget import FeatureWidget


def box_xywh(box: Any) -> tuple[float, float, float, float]:
    """(x, y, w, h) of a FaceBox-like object, whatever its field names."""
    for names in (("x", "y", "width", "height"), ("x", "y", "w", "h"), ("left", "top", "width", "height")):
        if all(hasattr(box, n) for n in names):
            return tuple(float(getattr(box, n)) for n in names)  # type: ignore[return-value]
    if isinstance(box, dict):
        if "x" in box:
            return float(box["x"]), float(box["y"]), float(box["width"]), float(box["height"])
        if "bbox" in box:
            x1, y1, x2, y2 = box["bbox"]
            return float(x1), float(y1), float(x2 - x1), float(y2 - y1)
        return float(box["left"]), float(box["top"]), float(box["width"]), float(box["height"])
    bbox = getattr(box, "bbox", None)
    if bbox is not None:
        x1, y1, x2, y2 = bbox
        return float(x1), float(y1), float(x2 - x1), float(y2 - y1)
    raise TypeError(f"unknown face box {box!r}")


class FacePicker(QWidget):
    """Embedded in a family widget when the endpoint has a pre-process."""

    def __init__(self, owner: "FeatureWidget") -> None:
        super().__init__()
        self.owner = owner
        self.boxes: list[tuple[float, float, float, float]] = []
        self.indices: list[int] = []
        self.chosen: int | None = None
        self.layer: Any = None
        self.find_btn = QPushButton("Find faces")
        self.find_btn.clicked.connect(self.find_faces)
        self.target = ComboBox(label="target face", choices=[])
        self.target.changed.connect(self._on_target)
        self.info = QLabel("Single face? The first one (index 0) is used.")
        self.info.setWordWrap(True)
        self.job = JobPanel(self)
        row = QHBoxLayout()
        row.addWidget(self.find_btn)
        row.addWidget(self.target.native, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.info)
        lay.addWidget(self.job)

    def reset(self) -> None:
        self.boxes = []
        self.target.choices = []

    # ------------------------------------------------------------------ run
    def find_faces(self) -> Any:
        from napari_youcam import workflow

        src = self.owner.src.value
        if src is None:
            show_warning("Find faces: pick a source image first.")
            return None
        key = self.owner.spec.key
        ep = self.owner.endpoint
        arr = plane(src)
        source = {"layer": src, "name": src.name}

        def fn(progress: Any, cancel: threading.Event) -> Any:
            return workflow.find_faces(key, arr, api=ep.api, client=session.get_client(ep.api),
                                       progress=progress, cancel=cancel)

        return self.job.start(fn, lambda boxes: self.show_boxes(boxes, source), label="Find faces")

    def show_boxes(self, boxes: list[Any], source: dict[str, Any]) -> None:
        """Draw the faces (source-frame boxes) and let the user pick one."""
        viewer = self.owner.viewer
        self.boxes = [box_xywh(b) for b in boxes]
        # the service's face index (what `index` / face_mapping.position take)
        self.indices = [
            int(b.get("index", i) if isinstance(b, dict) else getattr(b, "index", i))
            for i, b in enumerate(boxes)
        ]
        if not self.boxes:
            self.info.setText("No face found: try a photo with a clear, frontal face.")
            show_warning("Find faces: no face found.")
            return
        rects = [np.array([[y, x], [y, x + w], [y + h, x + w], [y + h, x]]) for x, y, w, h in self.boxes]
        name = result_name(source["name"], "faces")
        if self.layer is not None and self.layer in viewer.layers:
            viewer.layers.remove(self.layer)
        self.layer = viewer.add_shapes(
            rects,
            shape_type="rectangle",
            name=name,
            edge_color="yellow",
            face_color="transparent",
            edge_width=3,
            features={"index": self.indices},
            text={"string": "{index}", "color": "yellow", "size": 14, "anchor": "upper_left"},
            metadata={"youcam": {"feature": self.owner.spec.key, "faces": self.boxes}},
            **placement(source["layer"]),
        )
        self.layer.mouse_drag_callbacks.append(self._on_click)
        self.target.choices = [(f"face {k}", k) for k in range(len(self.boxes))]
        self.target.value = 0
        self._on_target(0)
        self.info.setText(f"{len(self.boxes)} face(s). Click a rectangle to choose the target.")

    # ------------------------------------------------------------------ pick
    def face_at(self, y: float, x: float) -> int | None:
        """Index of the smallest box containing (y, x) in source pixels."""
        hits = [(w * h, i) for i, (bx, by, w, h) in enumerate(self.boxes)
                if bx <= x <= bx + w and by <= y <= by + h]
        return min(hits)[1] if hits else None

    def _on_click(self, layer: Any, event: Any) -> None:
        y, x = layer.world_to_data(event.position)[-2:]
        i = self.face_at(y, x)
        if i is not None:
            self.target.value = i

    def pick(self, index: int) -> None:
        self.target.value = index

    def _on_target(self, index: Any) -> None:
        if index is None or not self.boxes:
            return
        i = int(index)  # position in self.boxes
        service_index = self.indices[i] if i < len(self.indices) else i
        self.chosen = service_index
        form = self.owner.form
        if form is not None:
            if "index" in form.params:
                form.set("index", service_index)
            elif "face_mapping" in form.params:
                form.set("face_mapping", [{"index": 0, "position": service_index}])
        if self.layer is not None:
            colors = ["#ff3d00" if k == i else "yellow" for k in range(len(self.boxes))]
            self.layer.edge_color = colors
        show_info(f"Target face: {i}")
