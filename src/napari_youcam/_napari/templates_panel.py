"""Template / style browser, embedded where the endpoint has a template list.

"Load templates" lists the feature's templates on a worker thread (through
`api.Client.templates`) and fetches their thumbnails; picking one sets the form's
`template_id` (v2) or `style_group_id` + `style_ids` (v1).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from qtpy.QtCore import QSize, Qt
from qtpy.QtGui import QIcon, QPixmap
from qtpy.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from napari_youcam._napari import session
from napari_youcam._napari.jobs import JobPanel, ProgressFn
from napari_youcam.api import Template
from napari_youcam.features.spec import Endpoint

if TYPE_CHECKING:
    from napari_youcam._napari.feature_widget import FeatureWidget
    from napari_youcam._napari.jobs import JobWorker

THUMB = 72


class TemplatesPanel(QWidget):
    """Thumbnails of the current feature's templates; a click picks one."""

    def __init__(self, owner: FeatureWidget) -> None:
        super().__init__()
        self.owner = owner
        self.key = ""
        self.templates: list[Template] = []
        self.load_btn = QPushButton("Load templates")
        self.load_btn.clicked.connect(self.load)
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setMaximumHeight(2 * THUMB + 50)
        self.list.currentRowChanged.connect(self._on_pick)
        self.chosen = QLabel("")
        self.job = JobPanel(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.load_btn)
        lay.addWidget(self.list)
        lay.addWidget(self.chosen)
        lay.addWidget(self.job)
        self.setVisible(False)

    def set_endpoint(self, key: str, endpoint: Endpoint) -> None:
        self.key = key
        self.templates = []
        self.list.clear()
        self.chosen.setText("")
        self.setVisible(bool(endpoint.template_path))

    def load(self) -> JobWorker | None:
        key, api = self.key, self.owner.endpoint.api
        cache = Path(tempfile.gettempdir()) / "napari-youcam-thumbs"

        def fn(progress: ProgressFn, cancel: threading.Event) -> list[tuple[Template, bytes | None]]:
            client = session.get_client(api)
            progress("downloading", 0.1)
            items = list(client.templates(key, api=api))
            out = []
            cache.mkdir(parents=True, exist_ok=True)
            for n, t in enumerate(items):
                if cancel.is_set():
                    break
                data = None
                if t.thumb:
                    try:
                        dest = cache / f"{key}-{t.id}".replace("/", "_")
                        data = Path(client.download(t.thumb, dest)).read_bytes()
                    except Exception:  # noqa: BLE001 - a missing thumbnail must not hide the template
                        data = None
                out.append((t, data))
                progress("downloading", (n + 1) / max(1, len(items)))
            return out

        return self.job.start(fn, self.show_templates, label="Templates")

    def show_templates(self, items: list[tuple[Template, bytes | None]]) -> None:
        """List the templates with their thumbnails (those that could be downloaded)."""
        self.list.clear()
        self.templates = [t for t, _ in items]
        for t, data in items:
            title = t.title or t.id
            item = QListWidgetItem(title[:18])
            item.setToolTip(f"{title} ({t.category}) id={t.id}")
            if data:
                pm = QPixmap()
                if pm.loadFromData(data):
                    item.setIcon(QIcon(pm.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio)))
            self.list.addItem(item)
        self.chosen.setText(f"{len(self.templates)} templates: click one.")

    def _on_pick(self, row: int) -> None:
        if row < 0 or row >= len(self.templates):
            return
        t = self.templates[row]
        form = self.owner.form
        tid = t.id
        if form is not None:
            if "template_id" in form.params:
                form.set("template_id", tid)
            elif "style_ids" in form.params:
                if t.group_id and "style_group_id" in form.params:
                    form.set("style_group_id", int(t.group_id))
                # v1 wants integer style ids; template lists carry them as strings
                form.set("style_ids", [int(tid) if tid.lstrip("-").isdigit() else tid])
        self.chosen.setText(f"template: {t.title or tid} (id {tid})")

    def pick(self, row: int) -> None:
        self.list.setCurrentRow(row)
