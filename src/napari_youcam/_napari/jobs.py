"""Run service jobs off the Qt thread, with progress, elapsed time and a Cancel button.

A job is any blocking callable `fn(progress, cancel)`; in practice a closure over
`workflow.run`. It runs in a napari `thread_worker`; progress reported from that
thread crosses back through a Qt signal (queued connection) so the display is only
touched on the Qt thread, and `progress_model.ProgressModel` decides what changes:
the text only when the stage changes, the bar a few times a second, a busy bar and
the elapsed time while the service works. The same stages go to napari's Activity
panel (`napari.utils.progress`). Cancel sets a `threading.Event` that
`workflow.run` checks between stages and while polling; a task already created is
paid and saved, and "Show result" adds it on request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from napari.qt.threading import create_worker
from napari.utils import progress as napari_progress
from qtpy.QtCore import QTimer, Signal  # type: ignore[attr-defined]  # qtpy re-exports Signal undeclared
from qtpy.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from napari_youcam._napari.common import report_error, show_info
from napari_youcam._napari.progress_model import ORDER, STAGE_TEXT, ProgressModel
from napari_youcam._napari.results import Prepared
from napari_youcam.workflow import CancelledError

if TYPE_CHECKING:
    from napari.qt.threading import FunctionWorker

    #: the napari worker of one job: it returns (True, the result) or (False, the exception)
    JobWorker: TypeAlias = FunctionWorker[tuple[bool, object]]

ProgressFn = Callable[[str, float], None]
T = TypeVar("T")

__all__ = ["JobPanel", "ProgressFn", "STAGE_TEXT"]


_warmed = [False]


def _warm_activity_panel() -> None:
    """Build napari's Activity progress widgets once, when a panel opens.

    The first `napari.utils.progress` of a session builds them (~100 ms on the Qt
    thread); paid once at dock creation, it no longer stalls the start of a job."""
    if _warmed[0]:
        return
    _warmed[0] = True
    napari_progress(total=0, desc="YouCam").close()


def _is_cancel_error(exc: BaseException) -> bool:
    """The job stopped because the user cancelled before the task was created."""
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
        self.bar.setMinimumWidth(60)
        self.elapsed = QLabel("")
        self.elapsed.setFixedWidth(self.elapsed.fontMetrics().horizontalAdvance("99 min 59 s") + 4)
        self.elapsed.setVisible(False)  # shown from the first job on
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.clicked.connect(self.cancel)
        self.show_btn = QPushButton("Show result")
        self.show_btn.setToolTip("The task was paid for and saved: add its result to the viewer")
        self.show_btn.clicked.connect(self.show_kept_result)
        self.show_btn.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.elapsed)
        row.addWidget(self.cancel_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.status)
        lay.addWidget(self.show_btn)
        self.model = ProgressModel()
        self.activity: napari_progress | None = None  # napari's Activity entry while a job runs
        self.guards: list[QWidget] = []  # disabled while a job runs (Run buttons)
        self._kept: Callable[[], None] | None = None  # shows a paid result that was not shown
        self._finished_text = ""
        self._tick = QTimer(self)
        self._tick.setInterval(1000)  # elapsed time: once a second is enough to read
        self._tick.timeout.connect(self._show_elapsed)
        _warm_activity_panel()
        self._progress_sig.connect(self._on_progress)
        self.worker: JobWorker | None = None
        self._cancel = threading.Event()
        self.last_error: str | None = None
        self.last_result: object = None  # what the last job's function returned
        self.started_at = 0.0
        self.label = ""

    # -- public -----------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker is not None

    @property
    def stages(self) -> list[str]:
        """Every stage seen in the last job, in order (tests, debugging)."""
        return self.model.stages

    def guard(self, *widgets: QWidget) -> None:
        """Disable `widgets` (a panel's Run button) while a job runs here."""
        self.guards.extend(widgets)

    def set_balance(self, text: str) -> None:
        """The balance after the job, appended to the finished job's status line."""
        if self._finished_text and self.worker is None:
            self.status.setText(f"{self._finished_text} · {text}")

    def start(
        self,
        fn: Callable[[ProgressFn, threading.Event], T],
        on_done: Callable[[T], None],
        *,
        label: str = "",
        on_finish: Callable[[], None] | None = None,
    ) -> JobWorker | None:
        """Start `fn` on a worker thread; `on_done(result)` runs on the Qt thread."""
        if self.worker is not None:
            show_info("A job is already running in this panel; wait or cancel it.")
            return None
        self._cancel = threading.Event()
        self.last_error = None
        self.last_result = None
        self.label = label
        self.started_at = time.monotonic()
        self.model = ProgressModel(label=label)
        self.model.start(self.started_at)
        self._kept = None
        self._finished_text = ""
        self.show_btn.setVisible(False)
        cancel = self._cancel
        emit = self._progress_sig.emit

        def report(stage: str, frac: float = 0.0) -> None:
            emit(str(stage), float(frac or 0.0))

        def work() -> tuple[bool, object]:
            # Errors are returned, not raised: napari's worker would otherwise show
            # a traceback for what is a normal service error (bad image, no units).
            try:
                return True, fn(report, cancel)
            except BaseException as exc:  # noqa: BLE001 - relayed to the Qt thread
                return False, exc

        worker = create_worker(work, _start_thread=False)
        worker.returned.connect(lambda out: self._on_outcome(out, on_done))
        worker.finished.connect(lambda: self._on_finished(on_finish))
        self.worker = worker
        self.cancel_btn.setEnabled(True)
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat(f"{label}: starting" if label else "starting")
        self.status.setText("")
        self.elapsed.setText("0 s")
        self.elapsed.setVisible(True)
        for w in self.guards:
            w.setEnabled(False)
        # napari's Activity panel repaints the window synchronously when a bar is added
        # (processEvents inside add_progress_bar): do it on the next turn, not inside Run's click
        QTimer.singleShot(0, lambda w=worker: self._open_activity(w))
        self._tick.start()
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
        up = self.model.update(stage, frac, time.monotonic())
        if up is None:
            return
        if up.value is None:  # the service is working: a busy bar and the elapsed time
            if self.bar.maximum() != 0:
                self.bar.setRange(0, 0)
        else:
            if self.bar.maximum() == 0:
                self.bar.setRange(0, 1000)
            self.bar.setValue(up.value)
        if up.text is not None:
            self.bar.setFormat(up.text if up.value is None else f"{up.text} (%p%)")
            activity = self.activity  # napari may process events (and finish the job) in between
            if activity is not None:
                if up.stage_index > activity.n:
                    activity.update(up.stage_index - activity.n)
                activity.set_description(f"YouCam {up.text}")

    def _open_activity(self, worker: JobWorker) -> None:
        """The job's entry in napari's Activity panel (if the job is still running)."""
        if self.worker is not worker or self.activity is not None:
            return
        self.activity = napari_progress(total=len(ORDER) - 1, desc=f"YouCam {self.label}".strip())
        stage = self.model.stage
        if stage is not None:
            self.activity.set_description(f"YouCam {self.model.text_for(stage)}")

    def _show_elapsed(self) -> None:
        self.elapsed.setText(self.model.elapsed_text(time.monotonic()))

    def show_kept_result(self) -> None:
        """Add a result that was paid for but cancelled from view (the "Show result" button)."""
        if self._kept is None:
            return
        show, self._kept = self._kept, None
        self.show_btn.setVisible(False)
        self.last_error = None
        self.status.setText("Result added.")
        try:
            show()
        except Exception as exc:  # noqa: BLE001 - a bug while adding layers must still reach the user
            self.last_error = report_error(exc, "Could not show the result")

    def _on_outcome(self, out: tuple[bool, object], on_done: Callable[[T], None]) -> None:
        ok, value = out
        if ok:
            self._on_returned(value, on_done)  # type: ignore[arg-type]  # work() returned fn's T
        elif isinstance(value, BaseException):
            self._on_errored(value)

    def _on_returned(self, result: T, on_done: Callable[[T], None]) -> None:
        self.last_result = result
        if self._cancel.is_set():
            # Cancelled after the task was created: the service cannot cancel, workflow
            # kept and saved the paid result. Say where, but do not add layers the user
            # asked not to get.
            files = result.files if isinstance(result, Prepared) else []
            where = f" It was saved to {files[0]}." if files else ""
            self._set_bar(1000, "cancelled — result kept")
            self.last_error = "cancelled"
            text = (
                "Cancelled after the task had started: the service cannot cancel a running "
                f"task, so it was charged.{where} Nothing was added to the viewer; "
                '"Show result" adds it.'
            )
            self.status.setText(text)
            self._kept = lambda: on_done(result)
            self.show_btn.setVisible(True)
            show_info(text)
            return
        self._set_bar(1000, "done")
        self._finished_text = f"{self.label or 'job'} done in {self.model.elapsed_text(time.monotonic())}"
        reused = result.reused_from if isinstance(result, Prepared) else None
        if reused:
            self._finished_text = (
                f"{self.label or 'job'}: result reused from job {reused}, nothing was sent or "
                'charged (tick "Pay again" to pay for a new one)'
            )
        self.status.setText(self._finished_text)
        try:
            on_done(result)
        except Exception as exc:  # noqa: BLE001 - a bug while adding layers must still reach the user
            self.last_error = report_error(exc, "Could not show the result")

    def _on_errored(self, exc: BaseException) -> None:
        # Only a cancellation reads as one: an error after Cancel was pressed (a deadline,
        # a failed download with its resume hint) must still reach the user.
        if _is_cancel_error(exc):
            self._set_bar(0, "cancelled")
            self.status.setText("Cancelled. Nothing was added.")
            self.last_error = "cancelled"
            show_info(f"{self.label or 'Job'} cancelled.")
            return
        self._set_bar(0, "failed")
        self.last_error = report_error(exc, self.label)
        self.status.setText(self.last_error)

    def _set_bar(self, value: int, text: str) -> None:
        self.bar.setRange(0, 1000)
        self.bar.setValue(value)
        self.bar.setFormat(text)

    def _on_finished(self, on_finish: Callable[[], None] | None) -> None:
        self.worker = None
        self.cancel_btn.setEnabled(False)
        self._tick.stop()
        self._show_elapsed()
        if self.activity is not None:
            self.activity.close()
            self.activity = None
        for w in self.guards:
            w.setEnabled(True)
        if on_finish is not None:
            on_finish()
