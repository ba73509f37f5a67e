"""History dock: every job of the results folder, filtered, and reopened for free.

The table (thumbnail, feature, time, status, units, source) comes from
`HistoryModel`; "Open" (or a double-click) reads the job's result back from its
folder — no request, no unit — and adds it as new layers over the source layer it
was made from (matched by content, then shape), or over the source file read
again. Skin-analysis results open in the skin inspector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from qtpy.QtCore import QSize
from qtpy.QtGui import QIcon, QImage, QPixmap
from qtpy.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from napari_youcam._napari.common import show_info, show_warning, unwrap
from napari_youcam._napari.history_model import COLUMNS, THUMB, HistoryModel, Reopened
from napari_youcam._napari.results import add_result_layers
from napari_youcam.errors import YouCamError
from napari_youcam.workflow.sidecar import default_results_dir
from napari_youcam.workflow.tables import JobRow

PLUGIN = "napari-youcam"


def _icon(thumb: np.ndarray | None) -> QIcon:
    if thumb is None:
        return QIcon()
    a = np.ascontiguousarray(thumb)
    fmt = QImage.Format_RGBA8888 if a.shape[2] == 4 else QImage.Format_RGB888
    img = QImage(a.data, a.shape[1], a.shape[0], a.strides[0], fmt).copy()
    return QIcon(QPixmap.fromImage(img))


class HistoryPanel(QWidget):
    """The job list of the results folder; `open_row` reopens a job's result."""

    def __init__(self, napari_viewer: Any, results_dir: str | Path | None = None) -> None:
        super().__init__()
        self.viewer = unwrap(napari_viewer)
        self.model = HistoryModel(results_dir if results_dir is not None else default_results_dir())
        self.shown: list[JobRow] = []
        self.feature = QComboBox()
        self.source = QLineEdit()
        self.source.setPlaceholderText("source name contains…")
        self.refresh_btn = QPushButton("Refresh")
        self.open_btn = QPushButton("Open results")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.setSelectionMode(QTableWidget.SingleSelection)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(THUMB + 4)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.note = QLabel(f"jobs in {self.model.results_dir}")
        self.note.setWordWrap(True)

        filters = QHBoxLayout()
        filters.addWidget(self.feature)
        filters.addWidget(self.source)
        filters.addWidget(self.refresh_btn)
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addWidget(self.table)
        lay.addWidget(self.open_btn)
        lay.addWidget(self.note)

        self.refresh_btn.clicked.connect(self.refresh)
        self.feature.currentTextChanged.connect(lambda *_: self.apply_filters())
        self.source.textChanged.connect(lambda *_: self.apply_filters())
        self.open_btn.clicked.connect(lambda *_: self.open_selected())
        self.table.cellDoubleClicked.connect(lambda r, _c: self.open_row(r))
        self.refresh()

    # ------------------------------------------------------------ list
    def refresh(self) -> None:
        """Reread the results folder (keeps the chosen filters)."""
        self.model.refresh()
        current = self.feature.currentText()
        self.feature.blockSignals(True)
        self.feature.clear()
        self.feature.addItems(self.model.features())
        if current:
            self.feature.setCurrentText(current)
        self.feature.blockSignals(False)
        self.apply_filters()

    def apply_filters(self) -> None:
        self.shown = self.model.filtered(self.feature.currentText(), self.source.text())
        self.table.setRowCount(len(self.shown))
        for i, row in enumerate(self.shown):
            thumb = QTableWidgetItem()
            thumb.setIcon(_icon(self.model.thumbnail(row)))
            thumb.setToolTip(str(row.job_dir))
            self.table.setItem(i, 0, thumb)
            for j, text in enumerate(self.model.cells(row), start=1):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.note.setText(f"{len(self.shown)} of {len(self.model.rows)} jobs in {self.model.results_dir}")

    # ------------------------------------------------------------ reopen
    def open_selected(self) -> list[Any]:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            show_warning("Select a job in the list first.")
            return []
        return self.open_row(rows[0].row())

    def open_row(self, index: int) -> list[Any]:
        """Add the job's result as new layers (no request, no unit); returns them."""
        row = self.shown[index]
        try:
            found = self.model.reopen(row, list(self.viewer.layers))
        except YouCamError as exc:
            show_warning(str(exc))
            return []
        return self._show(found)

    def _show(self, found: Reopened) -> list[Any]:
        layer = found.source_layer
        if layer is None and found.source_file is not None:
            from napari_youcam.imaging.io import read_image_file

            arr = read_image_file(found.source_file, what="source")
            layer = self.viewer.add_image(arr, name=found.source_file.stem, rgb=arr.ndim == 3)
        name = layer.name if layer is not None else found.row.job_id
        title = f"{found.row.feature} ({found.row.job_id})"
        added = add_result_layers(self.viewer, found.result, {"name": name, "layer": layer}, title=title)
        for lay in added:
            meta = dict(lay.metadata.get("youcam") or {})
            meta.update(job_id=found.row.job_id, job_dir=str(found.row.job_dir), reopened=True)
            lay.metadata["youcam"] = meta
        if found.row.feature == "skin-analysis" and added:
            _dw, panel = self.viewer.window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")
            panel.reset_choices()
        if not added:
            show_info(f"{found.row.job_id}: {', '.join(str(f) for f in found.result.files)}")
        return added
