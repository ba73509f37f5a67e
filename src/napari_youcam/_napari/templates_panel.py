"""Template / style browser, embedded where the endpoint has a template list.

"Load templates" lists the feature's templates on a worker thread (through
`api.Client.templates`) and fetches their thumbnails; picking one sets the form's
`template_id` (v2) or `style_group_id` + `style_ids` (v1).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import QSize, Qt
from qtpy.QtGui import QIcon, QPixmap
from qtpy.QtWidgets import QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from napari_youcam._napari import session
from napari_youcam._napari.jobs import JobPanel

if TYPE_CHECKING:
    from napari_youcam._napari.feature_widget import FeatureWidget

THUMB = 72


def _field(t: Any, name: str) -> Any:
    return t.get(name) if isinstance(t, dict) else getattr(t, name, None)


class TemplatesPanel(QWidget):
    """Thumbnails of the current feature's templates; a click picks one."""

    def __init__(self, owner: FeatureWidget) -> None:
        super().__init__()
        self.owner = owner
        self.key = ""
        self.templates: list[Any] = []
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

    def set_endpoint(self, key: str, endpoint: Any) -> None:
        self.key = key
        self.templates = []
        self.list.clear()
        self.chosen.setText("")
        self.setVisible(bool(getattr(endpoint, "template_path", None)))

    def load(self) -> Any:
        key, api = self.key, self.owner.endpoint.api
        cache = Path(tempfile.gettempdir()) / "napari-youcam-thumbs"

        def fn(progress: Any, cancel: threading.Event) -> list[tuple[Any, bytes | None]]:
            client = session.get_client(api)
            progress("downloading", 0.1)
            items = list(client.templates(key, api=api))
            out = []
            cache.mkdir(parents=True, exist_ok=True)
            for n, t in enumerate(items):
                if cancel.is_set():
                    break
                data = None
                url = _field(t, "thumb")
                if url:
                    try:
                        dest = cache / f"{key}-{_field(t, 'id')}".replace("/", "_")
                        data = Path(client.download(url, dest)).read_bytes()
                    except Exception:  # noqa: BLE001 - a missing thumbnail must not hide the template
                        data = None
                out.append((t, data))
                progress("downloading", (n + 1) / max(1, len(items)))
            return out

        return self.job.start(fn, self.show, label="Templates")

    def show(self, items: list[tuple[Any, bytes | None]]) -> None:
        self.list.clear()
        self.templates = [t for t, _ in items]
        for t, data in items:
            title = _field(t, "title") or str(_field(t, "id"))
            item = QListWidgetItem(str(title)[:18])
            item.setToolTip(f"{title} ({_field(t, 'category_name') or ''}) id={_field(t, 'id')}")
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
        tid = _field(t, "id")
        if form is not None:
            if "template_id" in form.params:
                form.set("template_id", str(tid))
            elif "style_ids" in form.params:
                gid = _field(t, "group_id") or _field(t, "style_group_id")
                if gid is not None and "style_group_id" in form.params:
                    form.set("style_group_id", int(gid))
                # v1 wants integer style ids; template lists may carry them as strings
                form.set("style_ids", [int(tid) if str(tid).lstrip("-").isdigit() else tid])
        self.chosen.setText(f"template: {_field(t, 'title') or tid} (id {tid})")

    def pick(self, row: int) -> None:
        self.list.setCurrentRow(row)
