"""What every YouCam dock widget shares: the service banner, status and API choice.

Each widget shows, above its run button, whether it talks to the real service or
to the local sandbox (synthetic results), the balance, and it runs a feature on the
configured API generation when the feature supports it. Keeping that in one base
class means every panel says the same thing the same way.
"""

from __future__ import annotations

from typing import Any

from qtpy.QtWidgets import QLabel, QWidget

from napari_youcam._napari import session
from napari_youcam._napari.common import unwrap


class ServicePanel(QWidget):
    """Base of the dock widgets: `banner`, `status`, `api_for`, `balance_text`."""

    def __init__(self, napari_viewer: Any) -> None:
        super().__init__()
        self.viewer = unwrap(napari_viewer)
        self.status: session.Status | None = None
        self.banner = QLabel("checking the service…")
        self.banner.setWordWrap(True)
        # Once napari deletes the dock (viewer closed), the Python object can outlive it
        # until garbage collection; it must not start status checks (a network call on a
        # worker thread) for a widget that no longer exists.
        alive = [True]
        self._alive = alive
        self.destroyed.connect(lambda *_: alive.__setitem__(0, False))

    def refresh_status(self) -> None:
        """Ask for the client kind and balance off the Qt thread; `_on_status` gets the answer."""
        if not self._alive[0]:
            return
        session.refresh_status_async(self._on_status)

    def _on_status(self, status: session.Status) -> None:
        if not self._alive[0]:
            return
        self.status = status
        self.banner.setText(status.banner())
        self.banner.setStyleSheet(f"color: {status.color()};")
        self.status_changed()

    def status_changed(self) -> None:
        """Hook: redraw what depends on the status (cost line, balance)."""

    def api_for(self, key: str) -> str:
        """The configured API generation if `key` supports it, else the feature's first."""
        from napari_youcam.features import FEATURES

        apis = FEATURES[key].apis
        want = self.status.api if self.status else "v2"
        return want if want in apis else apis[0]

    def balance_text(self) -> str:
        return self.status.balance_text() if self.status else "balance: checking…"
