"""Run service jobs off the Qt thread, with a progress bar and a Cancel button.

A job is any blocking callable `fn(progress, cancel)`; in practice a closure over
`workflow.run`. It runs in a napari `thread_worker`; progress reported from that
thread crosses back through a Qt signal (queued connection) so the bar is only
touched on the Qt thread. Cancel sets a `threading.Event` that `workflow.run`
checks between stages and while polling.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from napari.qt.threading import create_worker
from qtpy.QtCore import Signal
from qtpy.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from napari_youcam._napari.common import report_error, show_info

# What the user reads for each workflow stage.
STAGE_TEXT = {
    "validating": "checking inputs",
    "preparing": "preparing image",
    "uploading": "uploading",
    "creating": "starting task",
    "waiting": "waiting for the service",
    "downloading": "downloading result",
    "writing": "saving result",
    "done": "done",
}

ProgressFn = Callable[[str, float], None]


def _is_cancel_error(exc: BaseException) -> bool:
    """The job stopped because the user cancelled before the task was created."""
    from napari_youcam.workflow import CancelledError

    return isinstance(exc, (CancelledError, KeyboardInterrupt))


class JobPanel(QWidget):
    """Progress bar + stage label + Cancel, driving one job at a time."""

    _progress_sig = Signal(str, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat("idle")
        self.bar.setTextVisible(True)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.clicked.connect(self.cancel)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.status)
        self._progress_sig.connect(self._on_progress)
        self.worker: Any = None
        self._cancel = threading.Event()
        self.stages: list[str] = []  # every stage seen in the last job (tests, debugging)
        self.last_error: str | None = None
        self.last_result: Any = None
        self.started_at = 0.0

    # -- public -----------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker is not None

    def start(
        self,
        fn: Callable[[ProgressFn, threading.Event], Any],
        on_done: Callable[[Any], None],
        *,
        label: str = "",
        on_finish: Callable[[], None] | None = None,
    ) -> Any:
        """Start `fn` on a worker thread; `on_done(result)` runs on the Qt thread."""
        if self.worker is not None:
            show_info("A job is already running in this panel; wait or cancel it.")
            return None
        self._cancel = threading.Event()
        self.stages = []
        self.last_error = None
        self.last_result = None
        self.label = label
        self.started_at = time.monotonic()
        cancel = self._cancel
        emit = self._progress_sig.emit

        def work() -> tuple[bool, Any]:
            # Errors are returned, not raised: napari's worker would otherwise show
            # a traceback for what is a normal service error (bad image, no units).
            try:
                return True, fn(lambda stage, frac=0.0: emit(str(stage), float(frac or 0.0)), cancel)
            except BaseException as exc:  # noqa: BLE001 - relayed to the Qt thread
                return False, exc

        worker = create_worker(work, _start_thread=False)
        worker.returned.connect(lambda out: self._on_outcome(out, on_done))
        worker.finished.connect(lambda: self._on_finished(on_finish))
        self.worker = worker
        self.cancel_btn.setEnabled(True)
        self.bar.setValue(0)
        self.bar.setFormat(f"{label}: starting" if label else "starting")
        self.status.setText("")
        worker.start()
        return worker

    def cancel(self) -> None:
        """Ask the running job to stop.

        Before the task is created this costs nothing; after, the service cannot cancel,
        so workflow finishes the paid task and saves it, and no layer is added."""
        if self.worker is None:
            return
        self._cancel.set()
        self.cancel_btn.setEnabled(False)
        self.bar.setFormat("cancelling…")

    # -- slots (Qt thread) ------------------------------------------------------
    def _on_progress(self, stage: str, frac: float) -> None:
        if not self.stages or self.stages[-1] != stage:
            self.stages.append(stage)
        text = STAGE_TEXT.get(stage, stage)
        # workflow reports a fraction within each stage; the bar shows the whole job
        order = list(STAGE_TEXT)
        idx = order.index(stage) if stage in order else 0
        overall = (idx + max(0.0, min(1.0, frac))) / (len(order) - 1)
        self.bar.setValue(int(min(1.0, overall) * 1000))
        prefix = f"{self.label}: " if getattr(self, "label", "") else ""
        self.bar.setFormat(f"{prefix}{text} (%p%)")

    def _on_outcome(self, out: tuple[bool, Any], on_done: Callable[[Any], None]) -> None:
        ok, value = out
        if ok:
            self._on_returned(value, on_done)
        else:
            self._on_errored(value)

    def _on_returned(self, result: Any, on_done: Callable[[Any], None]) -> None:
        self.last_result = result
        if self._cancel.is_set():
            # Cancelled after the task was created: the service cannot cancel, workflow
            # kept and saved the paid result. Say where, but do not add layers the user
            # asked not to get.
            files = list(getattr(result, "files", []) or [])
            where = f" It was saved to {files[0]}." if files else ""
            self.bar.setFormat("cancelled")
            self.last_error = "cancelled"
            text = ("Cancelled after the task had started: the service cannot cancel a running "
                    f"task, so it was charged.{where} Nothing was added to the viewer.")
            self.status.setText(text)
            show_info(text)
            return
        self.bar.setValue(1000)
        self.bar.setFormat("done")
        try:
            on_done(result)
        except Exception as exc:  # a bug while adding layers must still reach the user
            self.last_error = report_error(exc, "Could not show the result")

    def _on_errored(self, exc: BaseException) -> None:
        # Only a cancellation reads as one: an error after Cancel was pressed (a deadline,
        # a failed download with its resume hint) must still reach the user.
        if _is_cancel_error(exc):
            self.bar.setFormat("cancelled")
            self.status.setText("Cancelled. Nothing was added.")
            self.last_error = "cancelled"
            show_info(f"{self.label or 'Job'} cancelled.")
            return
        self.bar.setFormat("failed")
        self.last_error = report_error(exc, self.label)
        self.status.setText(self.last_error)

    def _on_finished(self, on_finish: Callable[[], None] | None) -> None:
        self.worker = None
        self.cancel_btn.setEnabled(False)
        if on_finish is not None:
            on_finish()
