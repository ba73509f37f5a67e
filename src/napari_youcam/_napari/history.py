"""History dock: every job of the results folder, filtered, and reopened for free.

The table (thumbnail, feature, time, status, units, source) comes from
`HistoryModel`; "Open" (or a double-click) reads the job's result back from its
folder — no request, no unit — and adds it as new layers over the source layer it
was made from (matched by content, then shape), or over the source file read
again. Skin-analysis results open in the skin inspector. While a job of the
folder is running (in this or another process: a batch, a dock widget), the list
is read again every few seconds, so it follows the job to its end. Cancelling a
running job is done where it was started (a created task cannot be cancelled on
the service).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import napari.layers
import numpy as np
from napari.qt.threading import create_worker
from qtpy.QtCore import QModelIndex, QSize, QTimer
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

from napari_youcam._napari.common import geometry, show_warning, unwrap
from napari_youcam._napari.history_model import COLUMNS, THUMB, HistoryModel, LayerSnap, Reopening
from napari_youcam._napari.results import Prepared, prepare_result, show_prepared
from napari_youcam.errors import YouCamError
from napari_youcam.workflow.sidecar import default_results_dir
from napari_youcam.workflow.tables import JobRow

if TYPE_CHECKING:
    import napari
    from napari.qt.threading import FunctionWorker

    #: a reopen on a worker thread: the result read back, or why it could not be
    ReopenWorker: TypeAlias = FunctionWorker[tuple[Reopening, Prepared] | str]

PLUGIN = "napari-youcam"
FOLLOW_MS = 2000  # how often the list is read again while a job is running


def _icon(thumb: np.ndarray | None) -> QIcon:
    if thumb is None:
        return QIcon()
    a = np.ascontiguousarray(thumb)
    fmt = QImage.Format.Format_RGBA8888 if a.shape[2] == 4 else QImage.Format.Format_RGB888
    img = QImage(a.tobytes(), a.shape[1], a.shape[0], a.strides[0], fmt).copy()
    return QIcon(QPixmap.fromImage(img))


class HistoryPanel(QWidget):
    """The job list of the results folder; `open_row` reopens a job's result."""

    def __init__(self, napari_viewer: napari.Viewer, results_dir: str | Path | None = None) -> None:
        super().__init__()
        self.viewer = unwrap(napari_viewer)
        self._own_dir = results_dir is not None  # else: the configured folder, reread on Refresh
        self.model = HistoryModel(results_dir if results_dir is not None else default_results_dir())
        self.shown: list[JobRow] = []
        self.opened: list[napari.layers.Layer] | None = None  # the layers of the last reopened job, once all are in
        self.last_error: str | None = None  # why the last reopen showed nothing
        self._worker: ReopenWorker | None = None
        self.feature = QComboBox()
        self.source = QLineEdit()
        self.source.setPlaceholderText("source name contains…")
        self.refresh_btn = QPushButton("Refresh")
        self.open_btn = QPushButton("Open results")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        vhead, head = self.table.verticalHeader(), self.table.horizontalHeader()
        assert vhead is not None and head is not None  # a QTableWidget always has both
        vhead.setDefaultSectionSize(THUMB + 4)
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
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

        # while a job runs (here or in another process) the list follows it
        self.follow = QTimer(self)
        self.follow.setInterval(FOLLOW_MS)
        self.follow.timeout.connect(self.refresh)
        self.refresh_btn.clicked.connect(self.refresh)
        self.feature.currentTextChanged.connect(lambda *_: self.apply_filters())
        self.source.textChanged.connect(lambda *_: self.apply_filters())
        self.open_btn.clicked.connect(lambda *_: self.open_selected())
        self.table.cellDoubleClicked.connect(lambda r, _c: self.open_row(r))
        self.refresh()

    # ------------------------------------------------------------ list
    def refresh(self) -> None:
        """Reread the results folder (keeps the chosen filters)."""
        if not self._own_dir:
            self.model.results_dir = default_results_dir()  # Settings may have changed it
        self.model.refresh()
        current = self.feature.currentText()
        self.feature.blockSignals(True)
        self.feature.clear()
        self.feature.addItems(self.model.features())
        if current:
            self.feature.setCurrentText(current)
        self.feature.blockSignals(False)
        self.apply_filters()
        if self.model.active and not self.follow.isActive():
            self.follow.start()
        elif not self.model.active:
            self.follow.stop()

    def _selected_rows(self) -> list[QModelIndex]:
        selection = self.table.selectionModel()
        return selection.selectedRows() if selection is not None else []

    def apply_filters(self) -> None:
        picked = self._selected_rows()
        keep = self.shown[picked[0].row()].job_dir if picked and picked[0].row() < len(self.shown) else None
        self.shown = self.model.filtered(self.feature.currentText(), self.source.text())
        self.table.setRowCount(len(self.shown))
        for i, row in enumerate(self.shown):
            thumb = QTableWidgetItem()
            thumb.setIcon(_icon(self.model.thumbnail(row)))
            thumb.setToolTip(str(row.job_dir))
            self.table.setItem(i, 0, thumb)
            for j, text in enumerate(self.model.cells(row), start=1):
                self.table.setItem(i, j, QTableWidgetItem(text))
        for i, row in enumerate(self.shown):
            if row.job_dir == keep:
                self.table.selectRow(i)
        self.note.setText(f"{len(self.shown)} of {len(self.model.rows)} jobs in {self.model.results_dir}")

    # ------------------------------------------------------------ reopen
    def open_selected(self) -> ReopenWorker | None:
        rows = self._selected_rows()
        if not rows:
            show_warning("Select a job in the list first.")
            return None
        return self.open_row(rows[0].row())

    def open_row(self, index: int) -> ReopenWorker:
        """Reopen a job's result as new layers (no request, no unit) off the Qt thread.

        Returns the worker; `opened` holds the added layers once they are all in.
        """
        row = self.shown[index]
        self.opened = None
        self.last_error = None
        worker = create_worker(_read_back, self.model, row, snapshot(self.viewer), _start_thread=False)
        worker.returned.connect(self._show)
        worker.start()
        self._worker = worker
        return worker

    def _show(self, ready: tuple[Reopening, Prepared] | str) -> None:
        if isinstance(ready, str):
            self.last_error = ready
            show_warning(ready)
            return
        found, prepared = ready
        layer = found.source.layer if found.source is not None else None
        if layer is None and found.source_array is not None:
            arr = found.source_array
            layer = self.viewer.add_image(arr, name=found.source_name, rgb=arr.ndim == 3 and arr.shape[2] in (3, 4))
        skin = found.row.feature == "skin-analysis"

        def done(added: list[napari.layers.Layer]) -> None:
            self.opened = added
            if skin and added:
                _dw, panel = self.viewer.window.add_plugin_dock_widget(PLUGIN, "Skin analysis inspector")
                panel.reset_choices()

        show_prepared(self.viewer, prepared, {"name": found.source_name, "layer": layer}, spread=True, on_all=done)


def snapshot(viewer: napari.Viewer) -> list[LayerSnap]:
    """The viewer's image layers as they are now (Qt thread), for a reopen on a worker."""
    return [
        LayerSnap(lay, lay.name, lay.data, geometry(lay))
        for lay in viewer.layers
        if isinstance(lay, napari.layers.Image)
    ]


def _read_back(model: HistoryModel, row: JobRow, snaps: list[LayerSnap]) -> tuple[Reopening, Prepared] | str:
    """Worker thread: the result from its folder, as layer data tagged with the job it came from.

    A job with nothing to show (unfinished, files gone, unreadable) comes back as the
    message to show: napari's worker would report a raised error as a crash.
    """
    try:
        found = model.prepare_reopen(row, snaps)
    except YouCamError as exc:
        return f"{row.job_id}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a damaged result file (it is read from disk: untrusted)
        return f"{row.job_id}: the saved result cannot be read back ({type(exc).__name__}: {exc})"
    prepared = prepare_result(found.result, {"name": found.source_name, "geom": found.geom}, title=found.title)
    for _data, kw, _kind in prepared.layers:
        meta = kw.setdefault("metadata", {})
        meta["youcam"] = {**meta.get("youcam", {}), **found.provenance}
    return found, prepared
