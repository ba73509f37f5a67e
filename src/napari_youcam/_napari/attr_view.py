"""Read-only table for JSON results (the analyzers, face attribute analysis and the like).

A researcher wants to read "eyelid · left shape = Round", compare ratios as
numbers and see at once whether the service judged the photo usable
(`face_quality`), not a 400-character notification. `flatten_result` turns the
nested JSON into (attribute, value) rows — face quality first, lists of numbers
kept as numbers — and `AttributesView` shows them with a colour swatch for hex
colours. Presentation only: the values are shown as the service sent them.
`result_rows` picks the rows: an analyzer's documented fields in the contract's
order (`features.analysis.analysis_rows`), or the flattened JSON for the rest.
"""

from __future__ import annotations

import re
from pathlib import Path

from qtpy.QtCore import Qt
from qtpy.QtGui import QColor
from qtpy.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from napari_youcam.errors import InputError
from napari_youcam.features.analysis import RESULT_FIELDS, analysis_rows

FIRST = ("face_quality",)
# Bookkeeping fields, not attributes of the face (the SANDBOX tag is shown in the title).
SKIP = ("sandbox", "requested_features")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

#: one table row: (attribute path, display text, the value as the service sent it)
Row = tuple[str, str, object]


def _label(key: str) -> str:
    return str(key).replace("_", " ")


def _format(value: object) -> str:
    """Numbers as numbers (`0.33 · 0.34`), text as is, booleans as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return " · ".join(_format(v) for v in value)
        return ", ".join(_format(v) for v in value)
    return str(value)


def flatten_result(data: object) -> list[Row]:
    """(attribute path, display text, raw value) rows; face quality first.

    Nested dicts become "group · key" rows; lists of dicts are numbered. Lists of
    scalars stay one row so a ratio like horizontal_third reads as three numbers.
    """
    rows: list[Row] = []

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix} · {_label(k)}" if prefix else _label(k), v)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, dict) for v in value):
            for i, v in enumerate(value):
                walk(f"{prefix} [{i}]", v)
        else:
            rows.append((prefix or "value", _format(value), value))

    if isinstance(data, dict):
        keys = [k for k in FIRST if k in data] + [k for k in data if k not in FIRST and k not in SKIP]
        for k in keys:
            walk(_label(k), data[k])
    else:
        walk("", data)
    return rows


def result_rows(feature_key: str, data: object) -> list[Row]:
    """The table rows of one JSON result: an analyzer's documented fields with readable
    labels (`analysis_rows`), else every field of the reply (`flatten_result`).

    A reply that breaks the analyzer's contract still shows everything it holds, under
    a first row saying what was wrong with it.
    """
    if feature_key not in RESULT_FIELDS:
        return flatten_result(data)
    try:
        if not isinstance(data, dict):
            raise InputError(f"{feature_key} result: expected a JSON object, got {type(data).__name__}")
        return [(label, text, text) for label, text in analysis_rows(feature_key, data)]
    except InputError as e:
        return [("unexpected reply", str(e), None), *flatten_result(data)]


def quality_summary(data: object) -> str:
    """One short line for the notification: the face-quality verdict, if any."""
    fq = data.get("face_quality") if isinstance(data, dict) else None
    if not isinstance(fq, dict):
        return ""
    if fq.get("has_face") is False:
        return "no face found"
    bad = [k for k, v in fq.items() if isinstance(v, str) and v.lower() not in ("good", "ok")]
    return "face quality: good" if not bad else "face quality: check " + ", ".join(bad)


class _TableBox(QWidget):
    """A titled read-only table with "Copy as TSV", hidden until it has something to show."""

    def __init__(self, columns: int, min_height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("")
        self.title.setWordWrap(True)
        self.table = QTableWidget(0, columns)
        vhead = self.table.verticalHeader()
        assert vhead is not None  # a QTableWidget always has one
        vhead.setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(min_height)
        self.copy_btn = QPushButton("Copy as TSV")
        self.copy_btn.clicked.connect(self.copy)
        self.file: Path | None = None
        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(self.copy_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.table)
        self.setVisible(False)

    def _set_title(self, title: str, count: str, file: Path | None) -> None:
        self.file = file
        where = f" — saved to {file.name}" if file else ""
        self.title.setText(f"<b>{title}</b>: {count}{where}")
        self.title.setToolTip(str(file or ""))

    def as_tsv(self) -> str:
        raise NotImplementedError

    def copy(self) -> None:
        board = QApplication.clipboard()
        if board is not None:  # None only without a QApplication
            board.setText(self.as_tsv())


class AttributesView(_TableBox):
    """The last JSON result of a widget as an attribute → value table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(2, 260, parent)
        self.table.setHorizontalHeaderLabels(["attribute", "value"])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        head = self.table.horizontalHeader()
        assert head is not None  # a QTableWidget always has one
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.rows: list[Row] = []

    def show_result(
        self, data: object, *, title: str, file: str | Path | None = None, rows: list[Row] | None = None
    ) -> None:
        """Fill the table (rows may be pre-computed on a worker thread)."""
        self.rows = rows if rows is not None else flatten_result(data)
        self._set_title(title, f"{len(self.rows)} attributes", Path(file) if file else None)
        self.table.setRowCount(len(self.rows))
        for r, (key, text, raw) in enumerate(self.rows):
            k = QTableWidgetItem(key)
            v = QTableWidgetItem(text)
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                v.setTextAlignment(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))
            if isinstance(raw, str) and _HEX.match(raw):
                col = QColor(raw)
                v.setBackground(col)
                v.setForeground(QColor("black" if col.lightness() > 128 else "white"))
            self.table.setItem(r, 0, k)
            self.table.setItem(r, 1, v)
        self.setVisible(True)

    def value(self, attribute: str) -> str:
        """The displayed text of one attribute (scripts, tests)."""
        for key, text, _raw in self.rows:
            if key == attribute:
                return text
        raise KeyError(attribute)

    def as_tsv(self) -> str:
        return "\n".join(f"{k}\t{t}" for k, t, _ in self.rows)


class CohortTable(_TableBox):
    """A batch's summary table (one row per input) as saved beside its CSV, with Copy as TSV.

    Skin scores or analyzer attributes over every frame or layer of a batch: the
    same rows and columns as the file, so what the dock shows is what was saved.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 200, parent)
        self.columns: list[str] = []
        self.rows: list[list[str]] = []

    def show_table(self, title: str, columns: list[str], rows: list[list[str]], file: Path | None = None) -> None:
        self.columns, self.rows = columns, rows
        self._set_title(title, f"{len(rows)} rows", file)
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels([_label(c) for c in columns])
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, text in enumerate(values[: len(columns)]):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.setVisible(True)

    def as_tsv(self) -> str:
        return "\n".join("\t".join(line) for line in [self.columns, *self.rows])
