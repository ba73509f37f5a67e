"""What every YouCam dock widget shares: banner, status, layout, cost and confirmation.

Each widget shows whether it talks to the real service or to the local sandbox
(synthetic results) and the balance, runs a feature on the configured API
generation when the feature supports it, and is laid out the same way: its
controls scroll vertically inside a dock as narrow as 350 px (never sideways),
while the Run button, the confirmation bar and the job's progress / Cancel /
status stay pinned below, always visible. The Run button carries the cost
("Run · 2 units"); above the threshold set in Settings a run asks first, in the
dock (no modal dialog). Keeping that in one base class means every panel says the
same thing the same way.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from magicgui.widgets import Widget, create_widget
from qtpy.QtCore import QEvent, Qt
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from napari_youcam import workflow
from napari_youcam._napari import session
from napari_youcam._napari.common import show_warning, unwrap
from napari_youcam._napari.jobs import JobPanel, ProgressFn
from napari_youcam._napari.prefs import Prefs, needs_confirmation
from napari_youcam._napari.results import Prepared
from napari_youcam.errors import InputError
from napari_youcam.features import FEATURES, Endpoint, unit_cost
from napari_youcam.features.spec import Api
from napari_youcam.limits import JsonObject
from napari_youcam.workflow import Plan
from napari_youcam.workflow.inputs import ImageSource, Source

if TYPE_CHECKING:
    import napari
    from napari.qt.threading import WorkerBase

R = TypeVar("R")  # what a job's work returns (its `on_done` receives it)
T = TypeVar("T")
W = TypeVar("W", bound=Widget)

#: what a panel hands `workflow.plan` / `workflow.run` as one input: the plane on screen, or a file
PlanInput: TypeAlias = Source | None  # what a panel hands to `workflow.plan` / `run` as the source

DOCK_WIDTH = 350  # the narrowest dock area every panel must fit without scrolling sideways


def fit_narrow(root: QWidget) -> None:
    """Let every child shrink to a narrow dock: combo boxes stop sizing to their longest
    item, labels wrap, and nothing asks for a fixed wide minimum."""
    for combo in root.findChildren(QComboBox):
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(6)
        combo.setSizePolicy(QSizePolicy.Policy.Expanding, combo.sizePolicy().verticalPolicy())
    for label in root.findChildren(QLabel):
        if len(label.text()) > 28:
            label.setWordWrap(True)


def layer_picker(annotation: object, label: str, kind: type[W]) -> W:
    """A magicgui picker of the viewer's layers (napari registers its layer types with magicgui):
    a `ComboBox` for a layer or an optional one, a `ListEdit` for a list of them."""
    widget = create_widget(annotation=annotation, label=label)
    if not isinstance(widget, kind):
        raise TypeError(f"magicgui made a {type(widget).__name__} for {annotation}, not a {kind.__name__}")
    return widget


def cost_of(endpoint: Endpoint, params: JsonObject) -> float | None:
    """The documented unit cost of a run, or None when the documentation gives no number."""
    try:
        cost = unit_cost(endpoint, params)
    except Exception:  # noqa: BLE001 - a half-filled form (any bad value): no number yet
        return None
    return float(cost) if cost is not None else None


def change_text(error: InputError) -> str:
    """What to change, on one line: the listed problems of a plan joined with "; "."""
    items = [line.strip()[2:] for line in error.message.splitlines() if line.strip().startswith("- ")]
    return "; ".join(items) or error.message


def units_text(cost: float | None) -> str:
    return "cost not documented" if cost is None else f"{cost:g} unit{'s' if cost != 1 else ''}"


def arrange(panel: QWidget, body: list[QWidget | Widget], footer: list[QWidget | Widget]) -> QScrollArea:
    """Lay out a dock: `body` scrolls vertically (never sideways), `footer` stays visible below."""
    inner = QWidget()
    lay = QVBoxLayout(inner)
    for w in body:
        lay.addWidget(w.native if isinstance(w, Widget) else w)
    lay.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(inner)
    outer = QVBoxLayout(panel)
    outer.setContentsMargins(4, 4, 4, 4)
    outer.addWidget(scroll, 1)
    for w in footer:
        outer.addWidget(w.native if isinstance(w, Widget) else w)
    fit_narrow(panel)
    return scroll


class ServicePanel(QWidget):
    """Base of the dock widgets: `banner`, `status`, `api_for`, `balance_text`, `arrange`."""

    run_title = "Run"

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        super().__init__()
        self.viewer: napari.Viewer = unwrap(napari_viewer)
        self.status: session.Status | None = None
        self.banner = QLabel("checking the service…")
        self.banner.setWordWrap(True)
        self.prefs = Prefs.load()
        self.confirm_bar = QFrame()
        self.confirm_text = QLabel("")
        self.confirm_text.setWordWrap(True)
        self.confirm_go = QPushButton("Run anyway")
        self.confirm_no = QPushButton("Don't run")
        row = QHBoxLayout()
        row.addWidget(self.confirm_go)
        row.addWidget(self.confirm_no)
        bar = QVBoxLayout(self.confirm_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.confirm_text)
        bar.addLayout(row)
        self.confirm_bar.setVisible(False)
        # what every running panel shows above Run: why nothing was sent, and whether to pay anew
        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #ff8a80;")
        self.pay_again = QCheckBox("Pay again")
        self.pay_again.setToolTip(
            "Off: an identical job already in the results folder answers for free, "
            "nothing is sent. On: send it and pay for a new result."
        )
        self.job = JobPanel(self)
        self.confirm_no.clicked.connect(lambda: self.confirm_bar.setVisible(False))
        self.confirm_go.clicked.connect(self._confirmed)
        self._pending_run: Callable[[], object] | None = None
        self.scroll_area: QScrollArea | None = None
        # Once napari deletes the dock (viewer closed), the Python object can outlive it
        # until garbage collection; it must not start status checks (a network call on a
        # worker thread) for a widget that no longer exists.
        alive = [True]
        self._alive = alive
        self._docked = False
        self.destroyed.connect(lambda *_: alive.__setitem__(0, False))

    def event(self, ev: QEvent | None) -> bool:
        # napari closes a dock by taking its widget out of the window (setParent(None));
        # the widget lives on until garbage collection and must stop asking for the status
        # (a request to the service) each time the client changes
        if ev is not None and ev.type() == QEvent.Type.ParentChange:
            if self.parent() is not None:
                self._docked = True
            elif self._docked and self._alive[0]:
                self._alive[0] = False
                with contextlib.suppress(TypeError, ValueError, RuntimeError):  # never connected
                    session.events.changed.disconnect(self.refresh_status)
        return super().event(ev)

    # ------------------------------------------------------------------ layout
    def arrange(self, body: list[QWidget | Widget], footer: list[QWidget | Widget]) -> None:
        """Body in a vertical-only scroll area; confirmation, Run and the job pinned below."""
        self.scroll_area = arrange(self, body, [self.confirm_bar, self.pay_again, *footer])

    # ------------------------------------------------------------------ refuse / start
    def refuse(self, what: str, problems: str) -> None:
        """The one way a panel says no: nothing was sent, and what to change."""
        self.problems.setText(f"Nothing was sent. Change: {problems}")
        show_warning(f"{what}: nothing was sent. Change: {problems}")

    def plan_or_refuse(
        self,
        what: str,
        feature: str,
        source: PlanInput = None,
        *,
        mask: ImageSource | None = None,
        refs: Sequence[ImageSource] = (),
        params: JsonObject | None = None,
        api: Api | None = None,
        variant: str | None = None,
        missing: Sequence[str] = (),
    ) -> Plan | None:
        """The one dry run before a job: `workflow.plan` on exactly what `run` will get.

        The `Plan` (fitted sizes, notes, cost) when it can be sent; otherwise `refuse` says
        what to change and this returns None. ``missing`` are the panel's own empty picks
        ("open an image and pick it"), said in the panel's words before anything is planned.
        """
        self.problems.setText("")
        if missing:
            self.refuse(what, "; ".join(missing))
            return None
        try:
            return workflow.plan(feature, source, mask=mask, refs=refs, params=params, api=api, variant=variant)
        except InputError as e:
            self.refuse(what, change_text(e))
            return None

    def start_job(
        self,
        work: Callable[[bool, ProgressFn, threading.Event], R],
        on_done: Callable[[R], None],
        *,
        label: str,
        cost: float | None,
        on_finish: Callable[[], None] | None = None,
        on_start: Callable[[], None] | None = None,
    ) -> WorkerBase | None:
        """The one way a panel starts a job: ask first above the cost threshold, then (``on_start()``
        and) ``work(again, progress, cancel)`` on the job panel; ``again`` is "Pay again" at that moment."""

        def start() -> WorkerBase | None:
            if on_start is not None:
                on_start()
            again = self.pay_again.isChecked()
            return self.job.start(
                lambda progress, cancel: work(again, progress, cancel),
                on_done,
                label=label,
                on_finish=lambda: self._job_finished(on_finish),
            )

        return self.confirm_then(cost, start)

    def _job_finished(self, on_finish: Callable[[], None] | None) -> None:
        """After a job: the panel's own hook, then a fresh balance — except after a reused
        result, which sent nothing and changed nothing, so it asks nothing either."""
        if on_finish is not None:
            on_finish()
        last = self.job.last_result
        if not (isinstance(last, Prepared) and last.reused_from):
            self.refresh_status()

    # ------------------------------------------------------------------ cost
    def show_cost(self, run_btn: QPushButton, cost: float | None) -> None:
        """ "Run · 2 units" on the button."""
        run_btn.setText(f"{self.run_title} · {units_text(cost)}" if cost is not None else self.run_title)

    def confirm_then(self, cost: float | None, start: Callable[[], T]) -> T | None:
        """Start now, or (cost above the Settings threshold) ask in the dock first; None if asked."""
        threshold = self.prefs.confirm_above
        if not needs_confirmation(cost, threshold):
            self.confirm_bar.setVisible(False)
            return start()
        self._pending_run = start
        self.confirm_text.setText(
            f"This run costs {units_text(cost)}, above your {threshold:g}-unit "
            f"threshold (Settings). {self.balance_text()}."
        )
        self.confirm_bar.setVisible(True)
        return None

    def _confirmed(self) -> object:
        self.confirm_bar.setVisible(False)
        start, self._pending_run = self._pending_run, None
        return start() if start is not None else None

    # ------------------------------------------------------------------ status
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
        self.job.set_balance(status.balance_text())  # "… done in 3 s · balance: 98 units"
        self.status_changed()

    def status_changed(self) -> None:
        """Hook: redraw what depends on the status (cost line, balance)."""

    def api_for(self, key: str) -> Api:
        """The configured API generation if `key` supports it, else the feature's first."""
        apis = FEATURES[key].apis
        want = self.status.api if self.status else "v2"
        return next((api for api in apis if api == want), apis[0])

    def balance_text(self) -> str:
        return self.status.balance_text() if self.status else "balance: checking…"


def send(plan: Plan, again: bool, progress: ProgressFn, cancel: threading.Event) -> workflow.JobResult:
    """The worker half of Run: the plan checked (and encoded) on the Qt thread, sent as it is."""
    return workflow.run_plan(plan, client=session.get_client(plan.api), progress=progress, cancel=cancel, again=again)
