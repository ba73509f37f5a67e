"""Skin analysis inspector: run SD/HD skin analysis and inspect every concern mask.

Running: choose SD or HD and the concerns; `features.validate` enforces the
documented rules (no HD/SD mix, v1 counts, image size per mode) before anything is
sent. Inspecting: a table of scores (raw first) with one visibility toggle per
concern mask, a colour per concern, an opacity slider and CSV export of the scores
and mask statistics (`imaging.scores_table`). It works the same on a result just
computed and on a ZIP opened with the reader, because both carry the same
`metadata["youcam_skin"]`.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import napari.layers
import numpy as np
from magicgui.widgets import ComboBox, Container, RadioButtons, Select
from qtpy.QtCore import Qt, QTimer
from qtpy.QtGui import QColor
from qtpy.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from napari_youcam._napari import session
from napari_youcam._napari.common import frame_meta, geometry, plane, show_info
from napari_youcam._napari.face_check_note import FaceCheckNote
from napari_youcam._napari.jobs import ProgressFn
from napari_youcam._napari.panel_base import ServicePanel, cost_of, layer_picker, send
from napari_youcam._napari.results import Prepared, prepare_result, show_prepared
from napari_youcam._napari.skin_layers import concern_colormap, skin_groups
from napari_youcam._napari.skin_model import SKIN_KEY, read_skin_folder, visibility_for
from napari_youcam.features import FEATURES, with_defaults
from napari_youcam.features.spec import Api
from napari_youcam.imaging import read_skin_zip, scores_table
from napari_youcam.limits import JsonObject

if TYPE_CHECKING:
    import napari
    from napari.layers import Image
    from napari.qt.threading import WorkerBase

COLUMNS = ("show", "concern", "raw", "ui", "area %", "colour")


class SkinPanel(ServicePanel):
    """Run skin analysis and inspect the masks of any skin result in the viewer."""

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__(napari_viewer)
        self.rows: list[Image] = []  # layers in table order
        self._known: set[str] = set()  # groups seen, so a new job's result is shown when it arrives
        self.results: list[Image] = []
        self._shown_group: str | None = None
        self._remembered: dict[int, bool] = {}  # layer id → visibility the user left it at
        self._build_run_side()
        opacity_row = self._build_inspect_side()
        self.job.guard(self.run_btn)
        self.arrange(
            [
                self.banner,
                self.run_box,
                self.cost,
                self.face_note,
                QLabel("<b>Inspect</b>"),
                self.group,
                self.summary,
                self.table,
                opacity_row,
                self.csv_btn,
            ],
            [self.problems, self.run_btn, self.job],
        )
        # napari calls reset_choices once per added layer (8 masks → 8 calls): rebuild the
        # table once, after the burst, instead of 8 times on the Qt thread
        self._table_timer = QTimer(self)
        self._table_timer.setSingleShot(True)
        self._table_timer.setInterval(0)
        self._table_timer.timeout.connect(self._refresh_groups)
        self.mode.changed.connect(self._on_mode)
        self.concerns.changed.connect(lambda *_: self._update_cost())
        self.image.changed.connect(lambda layer: self.face_note.check(layer, "skin-analysis"))
        session.events.changed.connect(self.refresh_status)
        self._on_mode()
        self.image.reset_choices()
        self.face_note.check(self.image.value, "skin-analysis")
        self._refresh_groups()
        self.refresh_status()

    def _build_run_side(self) -> None:
        """Photo, SD/HD, concerns, cost, the face check and Run."""
        self.image = layer_picker(napari.layers.Image, "face photo", ComboBox)
        self.mode = RadioButtons(label="mode", choices=["SD", "HD"], orientation="horizontal")
        self.mode.value = "SD"
        self.concerns = Select(label="concerns", choices=[])
        self.concerns.native.setMinimumHeight(120)
        self.run_box = Container(widgets=[self.image, self.mode, self.concerns])
        self.cost = QLabel("")
        self.cost.setWordWrap(True)
        self.face_note = FaceCheckNote(self.viewer, on_crop=self._use_photo)
        self.run_title = "Run skin analysis"
        self.run_btn = QPushButton(self.run_title)
        self.run_btn.clicked.connect(self.run)

    def _build_inspect_side(self) -> QWidget:
        """Result picker, score table, opacity and CSV export; returns the opacity row."""
        self.group = ComboBox(label="result", choices=[])
        self.group.changed.connect(self._on_group)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        rows_header, columns_header = self.table.verticalHeader(), self.table.horizontalHeader()
        assert rows_header is not None and columns_header is not None  # a QTableWidget makes both
        rows_header.setVisible(False)
        columns_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        columns_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("raw = the service's raw score (compare these); ui = its display score")
        self.table.setMinimumHeight(180)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(60)
        self.opacity.valueChanged.connect(self._on_opacity)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.csv_btn = QPushButton("Export scores + mask statistics (CSV)…")
        self.csv_btn.clicked.connect(self._ask_csv)
        opacity_row = QWidget()
        row = QHBoxLayout(opacity_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("opacity"))
        row.addWidget(self.opacity, 1)
        return opacity_row

    def _use_photo(self, layer: Image) -> None:
        """Make `layer` (the suggested face crop) the photo of the next run."""
        self.image.reset_choices()
        self.image.value = layer

    # ------------------------------------------------------------------ hooks
    def reset_choices(self, *_: object) -> None:
        # only the layer picker: resetting the concern Select would drop the user's choice
        self.image.reset_choices()
        self._table_timer.start()

    def _refresh_groups(self) -> None:
        groups = skin_groups(self.viewer)
        current = self.group.value
        with self.group.changed.blocked():
            self.group.choices = [(g.label, k) for k, g in groups.items()]
            if groups:
                # a new job's result becomes the one shown; otherwise keep the user's choice
                new = [k for k in groups if k not in self._known]
                self.group.value = new[-1] if new else (current if current in groups else list(groups)[-1])
        self._known = set(groups)
        self._on_group()

    def _on_group(self, *_: object) -> None:
        """Show the chosen job's masks (as the user left them) and hide every other job's."""
        groups = skin_groups(self.viewer)
        chosen = self.group.value
        if chosen != self._shown_group:
            for key, grp in groups.items():  # the group on screen is as the user left it
                for lay in grp.layers:
                    if key == self._shown_group or id(lay) not in self._remembered:
                        self._remembered[id(lay)] = bool(lay.visible)
            plan = visibility_for(groups, chosen, self._remembered)
            for lay in (lay for g in groups.values() for lay in g.layers):
                lay.visible = plan[id(lay)]
            self._shown_group = chosen
        self.refresh_table()

    def status_changed(self) -> None:
        self._on_mode()

    # ------------------------------------------------------------------ run side
    @property
    def api(self) -> Api:
        return self.api_for("skin-analysis")

    def _on_mode(self, *_: object) -> None:
        ep = FEATURES["skin-analysis"].endpoint(self.api)
        hd = self.mode.value == "HD"
        choices = [c for c in ep.param("dst_actions").choices if str(c).startswith("hd_") == hd]
        keep = [c for c in (self.concerns.value or []) if c in choices]
        self.concerns.choices = choices
        # a status refresh (after every run) must not undo the user's choice of concerns
        self.concerns.value = keep or choices[:4]
        self._update_cost()

    def params(self) -> JsonObject:
        return {"dst_actions": list(self.concerns.value or []), "format": "zip"}

    def _update_cost(self) -> None:
        ep = FEATURES["skin-analysis"].endpoint(self.api)
        c = cost_of(ep, self.params())
        self.show_cost(self.run_btn, c)
        self.problems.setText("")
        self.cost.setText(
            f"cost: {'—' if c is None else f'{c:g}'} units ({len(self.concerns.value or [])} "
            f"{self.mode.value} concerns; documented: {ep.units or '—'}) · {self.balance_text()}"
        )

    def run(self) -> WorkerBase | None:
        """Plan the photo and concerns (`plan_or_refuse`), then start the job."""
        img = self.image.value
        ep = FEATURES["skin-analysis"].endpoint(self.api)
        params = with_defaults(ep, self.params())
        if self.api == "v1":
            params.pop("format", None)
        src = plane(img, self.viewer) if img is not None else None
        missing = [] if img is not None else ["face photo: open one and pick it"]
        plan = self.plan_or_refuse("Skin analysis", "skin-analysis", src, params=params, api=self.api, missing=missing)
        if plan is None or img is None:
            return None
        source = {"layer": img, "name": img.name, "geom": geometry(img), "provenance": frame_meta(img, self.viewer)}

        def work(again: bool, progress: ProgressFn, cancel: threading.Event) -> Prepared:
            res = send(plan, again, progress, cancel)
            return prepare_result(res, source, title="skin analysis")  # masks → layers off the Qt thread

        def all_added(_layers: list[Image]) -> None:
            self._table_timer.stop()
            self._refresh_groups()

        def done(prepared: Prepared) -> None:
            # one mask layer per event-loop turn: eight masks at once froze the window ~0.7 s
            self.results = show_prepared(self.viewer, prepared, source, spread=True, on_all=all_added)

        return self.start_job(work, done, label="Skin analysis", cost=plan.unit_cost)

    # ------------------------------------------------------------------ inspect side
    def _flush(self) -> None:
        """Apply a pending table rebuild now (scripted use right after layers changed)."""
        if self._table_timer.isActive():
            self._table_timer.stop()
            self._refresh_groups()

    def layers(self) -> list[Image]:
        grp = skin_groups(self.viewer).get(self.group.value) if self.group.value else None
        return list(grp.layers) if grp is not None else []

    def refresh_table(self) -> None:
        layers = self.layers()

        # raw score first: highest raw score on top
        def raw(lay: Image) -> float:
            v = lay.metadata[SKIN_KEY].get("score", {}).get("raw_score")
            return -1.0 if v is None else float(v)

        layers = sorted(layers, key=raw, reverse=True)
        self._unwatch_rows()
        self.rows = layers
        self.table.clearContents()  # drops the old cell widgets (check boxes, colour buttons)
        self.table.setRowCount(0)
        self.table.setRowCount(len(layers))
        for r, lay in enumerate(layers):
            info = lay.metadata[SKIN_KEY]
            sc = info.get("score", {})
            box = QCheckBox()
            box.setChecked(bool(lay.visible))
            box.toggled.connect(lambda on, _l=lay: setattr(_l, "visible", on))
            self.table.setCellWidget(r, 0, box)
            lay.events.visible.connect(self._sync_box)  # the layer list's eye ticks the box too
            self.table.setItem(r, 1, QTableWidgetItem(str(info["concern"])))
            for c, key in ((2, "raw_score"), (3, "ui_score")):
                v = sc.get(key)
                self.table.setItem(r, c, QTableWidgetItem("" if v is None else f"{v:g}"))
            area = info.get("area")
            if area is None:  # layers from older metadata: compute once
                area = float((np.asarray(lay.data) > 0).mean()) if lay.data.size else 0.0
            self.table.setItem(r, 4, QTableWidgetItem(f"{100 * area:.1f}"))
            btn = QPushButton("")
            rgb = np.asarray(lay.colormap.colors[-1][:3]) * 255
            btn.setStyleSheet(f"background-color: rgb({int(rgb[0])},{int(rgb[1])},{int(rgb[2])});")
            btn.clicked.connect(lambda _=False, _l=lay, _b=btn: self._pick_color(_l, _b))
            self.table.setCellWidget(r, 5, btn)
        if layers:
            info = layers[0].metadata[SKIN_KEY]
            bits = [f"{len(layers)} masks"]
            if info.get("skin_age") is not None:
                bits.append(f"skin age {info['skin_age']:g}")
            if info.get("overall") is not None:
                bits.append(f"overall {info['overall']:g}")
            self.summary.setText(" · ".join(bits))
        else:
            self.summary.setText("No skin-analysis result open: run one, or drop a result ZIP or job folder on napari.")

    def _unwatch_rows(self) -> None:
        for lay in self.rows:
            with contextlib.suppress(TypeError, ValueError, RuntimeError):
                lay.events.visible.disconnect(self._sync_box)

    def _sync_box(self, event: object = None) -> None:
        """A mask's visibility changed elsewhere (layer list): tick or untick its row."""
        for r, lay in enumerate(self.rows):
            box = self.table.cellWidget(r, 0)
            if isinstance(box, QCheckBox) and box.isChecked() != bool(lay.visible):
                with_blocked = box.blockSignals(True)
                box.setChecked(bool(lay.visible))
                box.blockSignals(with_blocked)

    def set_visible(self, concern: str, on: bool) -> None:
        """Toggle one concern's mask (what the table's check box does)."""
        self._flush()
        for r, lay in enumerate(self.rows):
            box = self.table.cellWidget(r, 0)
            if lay.metadata[SKIN_KEY]["concern"] == concern and isinstance(box, QCheckBox):
                box.setChecked(on)
                return
        raise KeyError(concern)

    def set_color(self, concern: str, rgb: tuple[int, int, int]) -> None:
        self._flush()
        for lay in self.rows:
            if lay.metadata[SKIN_KEY]["concern"] == concern:
                lay.colormap = concern_colormap(concern, rgb)
        self.refresh_table()

    def _pick_color(self, layer: Image, btn: QPushButton) -> None:
        rgb = np.asarray(layer.colormap.colors[-1][:3]) * 255
        col = QColorDialog.getColor(QColor(*[int(c) for c in rgb]), self, "Concern colour")
        if col.isValid():
            self.set_color(layer.metadata[SKIN_KEY]["concern"], (col.red(), col.green(), col.blue()))

    def _on_opacity(self, value: int) -> None:
        for lay in self.rows:
            lay.opacity = value / 100.0

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export skin scores", "skin_scores.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def export_csv(self, path: str | Path) -> Path:
        """Scores (raw first) and mask statistics of the chosen result, via imaging.scores_table."""
        self._flush()
        files = {lay.metadata[SKIN_KEY].get("file") for lay in self.rows}
        files.discard(None)
        if not files:
            raise FileNotFoundError("this skin result has no ZIP or job folder on disk to export from")
        source = Path(next(iter(files)))
        text = scores_table(read_skin_folder(source) if source.is_dir() else read_skin_zip(source), "csv")
        p = Path(path)
        p.write_text(text, encoding="utf-8")
        show_info(f"Skin scores written to {p}")
        return p
