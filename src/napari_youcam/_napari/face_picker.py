"""Face picking for face lift, face reshape and face swap.

"Find faces" runs the feature's pre-process on a worker thread (through
`workflow`), then draws each detected face as a rectangle in a Shapes layer with
its index as text, placed like the source image. Clicking inside a rectangle (or
choosing in the combo box) picks the target: it sets the form's `index` (lift,
reshape) parameter.

Face swap takes several reference images, so it gets one row per reference
("ref 2: anna → face 1") instead of a single target: clicking a rectangle assigns
that face to the reference named in "clicks assign to", then moves on to the next
reference, so clicking the faces in reference order maps them all. The rows write
the form's `face_mapping` ([{"index": ref, "position": face}], ordered by face as
the service wants); a face is never mapped twice.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np
from magicgui.widgets import ComboBox, Container
from magicgui.widgets.bases import BaseValueWidget
from qtpy.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from napari_youcam import workflow
from napari_youcam._napari import session
from napari_youcam._napari.common import placement, plane, result_name, show_info, show_warning
from napari_youcam._napari.jobs import JobPanel, ProgressFn
from napari_youcam.limits import JsonObject

if TYPE_CHECKING:
    from napari.layers import Image, Shapes
    from napari.utils.events import Event

    from napari_youcam._napari.feature_widget import FeatureWidget
    from napari_youcam._napari.jobs import JobWorker


def box_xywh(box: JsonObject) -> tuple[float, float, float, float]:
    """(x, y, w, h) of a face found by `workflow.find_faces`, in source pixels."""
    return float(box["x"]), float(box["y"]), float(box["width"]), float(box["height"])


class FacePicker(QWidget):
    """Embedded in a family widget when the endpoint has a pre-process."""

    def __init__(self, owner: FeatureWidget) -> None:
        super().__init__()
        self.owner = owner
        self.boxes: list[tuple[float, float, float, float]] = []
        self.indices: list[int] = []
        self.chosen: int | None = None
        self.layer: Shapes | None = None
        self.find_btn = QPushButton("Find faces")
        self.find_btn.clicked.connect(self.find_faces)
        self.target = ComboBox(label="target face", choices=[])
        self.target.changed.connect(self._on_target)
        self.info = QLabel("Single face? The first one (index 0) is used.")
        self.info.setWordWrap(True)
        # face swap: one face combo per reference image, and which one a click sets
        self.mapping: dict[int, int] = {}  # reference index → face position (-1 = unused)
        self.click_ref = ComboBox(label="clicks assign to", choices=[])
        self.mapping_box: Container[ComboBox] = Container(labels=True)
        self._mapping_combos: list[ComboBox] = []
        self._quiet = False
        self.job = JobPanel(self)
        self.job.guard(self.find_btn)
        row = QHBoxLayout()
        row.addWidget(self.find_btn)
        row.addWidget(self.target.native, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.click_ref.native)
        lay.addWidget(self.mapping_box.native)
        lay.addWidget(self.info)
        lay.addWidget(self.job)
        self._show_mapping_ui()

    def reset(self) -> None:
        self.boxes = []
        self.indices = []
        self.mapping = {}
        self.target.choices = []
        self._show_mapping_ui()
        self.refs_changed()

    # ------------------------------------------------------------------ face swap mapping
    @property
    def maps_refs(self) -> bool:
        """True when the form takes a face_mapping (face swap) rather than one `index`."""
        form = self.owner.form
        return form is not None and "face_mapping" in form.params

    def _show_mapping_ui(self) -> None:
        on = self.maps_refs
        self.target.visible = not on
        self.click_ref.visible = on
        self.mapping_box.visible = on

    def _ref_names(self) -> list[str]:
        refs = self.owner.refs
        chosen: list[Image] = (refs.value if isinstance(refs, BaseValueWidget) else None) or []
        return [lay.name for lay in chosen]

    def refs_changed(self) -> None:
        """Rebuild one face combo per reference image, keeping what was already mapped."""
        self._show_mapping_ui()
        if not self.maps_refs:
            return
        names = self._ref_names()
        n_faces = len(self.boxes)
        # references keep their face; new ones take the next unused face in order
        self.mapping = {r: f for r, f in self.mapping.items() if r < len(names) and f < n_faces}
        used = set(self.mapping.values())
        for r in range(len(names)):
            if r not in self.mapping:
                free = [f for f in range(n_faces) if f not in used]
                self.mapping[r] = free[0] if free else -1
                used.add(self.mapping[r])
        self._quiet = True
        try:
            self.mapping_box.clear()
            self._mapping_combos = []
            choices = [("(not used)", -1)] + [(f"face {k}", k) for k in range(n_faces)]
            for r, name in enumerate(names):
                combo = ComboBox(label=f"ref {r + 1}: {name[:24]}", choices=choices, value=self.mapping[r])
                combo.changed.connect(lambda v, _r=r: self._on_combo(_r, v))
                self._mapping_combos.append(combo)
                self.mapping_box.append(combo)
            self.click_ref.choices = [(f"ref {r + 1}: {n[:24]}", r) for r, n in enumerate(names)]
        finally:
            self._quiet = False
        self._write_mapping()

    def _on_combo(self, ref: int, face: int) -> None:
        if not self._quiet:
            self.set_mapping(ref, int(face))

    def set_mapping(self, ref: int, face: int) -> None:
        """Put reference `ref` on face position `face` (-1: not used); a face is used once."""
        for r, f in list(self.mapping.items()):
            if r != ref and f == face and face >= 0:
                self.mapping[r] = -1
        self.mapping[ref] = face
        self._quiet = True
        try:
            for r, combo in enumerate(self._mapping_combos):
                combo.value = self.mapping.get(r, -1)
        finally:
            self._quiet = False
        self._write_mapping()

    def face_mapping(self) -> list[dict[str, int]]:
        """The face_mapping the service wants: service face indices, ordered by position."""
        pairs = []
        for ref, pos in self.mapping.items():
            if pos < 0:
                continue
            service = self.indices[pos] if pos < len(self.indices) else pos
            pairs.append({"index": int(ref), "position": int(service)})
        return sorted(pairs, key=lambda m: m["position"])

    def _write_mapping(self) -> None:
        form = self.owner.form
        mapping = self.face_mapping()
        if form is not None and "face_mapping" in form.params and mapping:
            form.set("face_mapping", mapping)
        self._label_faces()

    def _label_faces(self) -> None:
        """Write "face k ← ref r" on the rectangles and colour the mapped ones."""
        if self.layer is None or not self.boxes or not self.maps_refs:
            return
        by_face = {f: r for r, f in self.mapping.items() if f >= 0}
        labels = [f"{k} ← ref {by_face[k] + 1}" if k in by_face else str(k) for k in range(len(self.boxes))]
        self.layer.features = {"index": self.indices, "label": labels}
        self.layer.text.string = "{label}"
        self.layer.edge_color = ["#ff3d00" if k in by_face else "yellow" for k in range(len(self.boxes))]

    # ------------------------------------------------------------------ run
    def find_faces(self) -> JobWorker | None:
        picker = self.owner.src
        src: Image | None = picker.value if isinstance(picker, BaseValueWidget) else None
        if src is None:
            show_warning("Find faces: pick a source image first.")
            return None
        key = self.owner.spec.key
        ep = self.owner.endpoint
        arr = plane(src, self.owner.viewer)
        name = src.name  # as it is now: a rename while the job runs does not rename the faces layer

        def fn(progress: ProgressFn, cancel: threading.Event) -> list[JsonObject]:
            return workflow.find_faces(
                key, arr, api=ep.api, client=session.get_client(ep.api), progress=progress, cancel=cancel
            )

        return self.job.start(fn, lambda boxes: self.show_boxes(boxes, src, name), label="Find faces")

    def show_boxes(self, boxes: list[JsonObject], source: Image, source_name: str) -> None:
        """Draw the faces (source-frame boxes) over `source` and let the user pick one."""
        viewer = self.owner.viewer
        self.boxes = [box_xywh(b) for b in boxes]
        # the service's face index (what `index` / face_mapping.position take)
        self.indices = [int(b.get("index", i)) for i, b in enumerate(boxes)]
        if not self.boxes:
            self.info.setText("No face found: try a photo with a clear, frontal face.")
            show_warning("Find faces: no face found.")
            return
        rects = [np.array([[y, x], [y, x + w], [y + h, x + w], [y + h, x]]) for x, y, w, h in self.boxes]
        name = result_name(source_name, "faces")
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
            **placement(source),
        )
        self.layer.mouse_drag_callbacks.append(self._on_click)
        with self.target.changed.blocked():  # filling the list is not a pick
            self.target.choices = [(f"face {k}", k) for k in range(len(self.boxes))]
        if self.maps_refs:
            self.mapping = {}
            self.refs_changed()
            self.info.setText(
                f"{len(self.boxes)} face(s). Each reference goes on the face in its row; "
                'click a rectangle to give it to the reference in "clicks assign to".'
            )
            return
        with self.target.changed.blocked():
            self.target.value = 0
        self._on_target(0)  # one pick, one notification
        self.info.setText(f"{len(self.boxes)} face(s). Click a rectangle to choose the target.")

    # ------------------------------------------------------------------ pick
    def face_at(self, y: float, x: float) -> int | None:
        """Index of the smallest box containing (y, x) in source pixels."""
        hits = [(w * h, i) for i, (bx, by, w, h) in enumerate(self.boxes) if bx <= x <= bx + w and by <= y <= by + h]
        return min(hits)[1] if hits else None

    def _on_click(self, layer: Shapes, event: Event) -> None:
        y, x = layer.world_to_data(event.position)[-2:]
        self.click(y, x)

    def click(self, y: float, x: float) -> None:
        """A click at (y, x) in source pixels: pick that face, or give it to the next reference (face swap)."""
        i = self.face_at(y, x)
        if i is None:
            return
        if self.maps_refs and self._mapping_combos:
            ref = int(self.click_ref.value or 0)
            self.set_mapping(ref, i)
            self.click_ref.value = (ref + 1) % len(self._mapping_combos)  # next click: next reference
        else:
            self.target.value = i

    def pick(self, index: int) -> None:
        self.target.value = index

    def _on_target(self, index: int | None) -> None:
        if index is None or not self.boxes:
            return
        i = int(index)  # position in self.boxes
        service_index = self.indices[i] if i < len(self.indices) else i
        self.chosen = service_index
        form = self.owner.form
        if form is not None:
            if "index" in form.params:
                form.set("index", service_index)
            elif "face_mapping" in form.params and not self._mapping_combos:
                form.set("face_mapping", [{"index": 0, "position": service_index}])
        if self.layer is not None:
            colors = ["#ff3d00" if k == i else "yellow" for k in range(len(self.boxes))]
            self.layer.edge_color = colors
        show_info(f"Target face: {i}")
