"""The feature dock's "Run on every frame" / "Run on every selected layer" (issue 8 §8).

Both run the dock's feature through `workflow.batch`: first, on the job panel's
worker, `batch_model.check` writes and validates every input (a bad one refuses
the batch, nothing sent) and counts what is already in the job store; then the
cost (units × inputs not reused) is shown and confirmed like a single run, and
`Batch` runs on the same job panel, which shows done / reused / failed / in
flight, and whose Cancel creates no new task (created ones finish and are
saved). Results come back as layers named like single results: every frame's
results stacked in frame order when their sizes agree, else one layer per frame;
each selected layer's result over that layer. Each layer's metadata names its
job folders. Every job lands in the job store, so the History dock lists it.
"""

from __future__ import annotations

import csv
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import napari.layers
import numpy as np
from magicgui.widgets.bases import ValueWidget
from qtpy.QtCore import Signal  # type: ignore[attr-defined]  # qtpy re-exports Signal undeclared
from qtpy.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from napari_youcam._napari import session
from napari_youcam._napari.batch_model import (
    Checked,
    LayerInput,
    Mode,
    check,
    lead_shape,
    read_table,
    stack_results,
    to_pay,
)
from napari_youcam._napari.common import frame_of, geometry, mask_for, plane, result_name, short_title, show_info
from napari_youcam._napari.jobs import ProgressFn
from napari_youcam._napari.layer_types import ArrayData, LayerTuple
from napari_youcam._napari.panel_base import cost_of, units_text
from napari_youcam._napari.results import prepare_result
from napari_youcam.errors import InputError, YouCamError
from napari_youcam.features import with_defaults
from napari_youcam.imaging import read_image_file
from napari_youcam.limits import JsonObject
from napari_youcam.workflow import Batch, BatchReport, CancelledError, JobResult, resume
from napari_youcam.workflow.batch import OK_STATUSES, BatchEvent, write_csv, write_summary
from napari_youcam.workflow.sidecar import default_results_dir

if TYPE_CHECKING:
    from napari.layers import Image, Layer

    from napari_youcam._napari.feature_widget import FeatureWidget


@dataclass
class Shown:
    """A finished batch made ready for the viewer on the worker thread."""

    report: BatchReport
    layers: list[LayerTuple] = field(default_factory=list)
    message: str = ""
    table: tuple[list[str], list[list[str]]] | None = None  # the summary CSV's header and rows

    @property
    def files(self) -> list[str]:
        """The job folders (what the job panel names when a cancelled batch kept results)."""
        return [str(o.job_dir) for o in self.report.outcomes if o.job_dir]


@dataclass(frozen=True)
class Source:
    """A source layer as it was when the batch started (Qt thread): its name and placement."""

    name: str
    geom: dict[str, Any] | None
    translate: tuple[float, ...]
    scale: tuple[float, ...]


class BatchPanel(QWidget):
    """Two buttons under the dock's Run button, for features with a source image."""

    _event = Signal(object)  # a BatchEvent, from the batch's worker threads

    def __init__(self, panel: FeatureWidget) -> None:
        super().__init__()
        self.panel = panel
        self.frames_btn = QPushButton("Run on every frame")
        self.frames_btn.setToolTip("Run on every frame of the source image, one task per frame")
        self.frames_btn.clicked.connect(lambda: self.run("frames"))
        self.layers_btn = QPushButton("Run on every selected layer")
        self.layers_btn.setToolTip("Run on each selected image layer (its frame on screen), one task per layer")
        self.layers_btn.clicked.connect(lambda: self.run("layers"))
        self.counts = QLabel("")
        self.counts.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.frames_btn)
        row.addWidget(self.layers_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.counts)
        self.checked: Checked | None = None  # the last batch checked
        self.last_report: BatchReport | None = None
        self.results: list[Layer] = []  # layers added by the last batch
        self.last_event: BatchEvent | None = None  # the last progress shown
        self._check_out: list[Checked | InputError] = []
        self._event.connect(self._on_event)
        _picker(panel.src).changed.connect(self.refresh)
        selection, refresh = panel.viewer.layers.selection.events.changed, self.refresh
        selection.connect(refresh)
        self.destroyed.connect(lambda *_: selection.disconnect(refresh))  # the dock closed

    # ------------------------------------------------------------------ state
    def selected_images(self) -> list[Image]:
        """The selected image layers, in the viewer's order."""
        chosen = self.panel.viewer.layers.selection
        return [lay for lay in self.panel.viewer.layers if lay in chosen and isinstance(lay, napari.layers.Image)]

    def refresh(self, *_: object) -> None:
        """Shown for features with a source image; each button enabled when it has inputs."""
        self.setVisible(bool(self.panel.uses.get("src")))
        src = _picker(self.panel.src).value
        lead = lead_shape(np.shape(_full(src)), bool(src.rgb)) if src is not None else ()
        n_frames = int(np.prod(lead)) if lead else 0
        n_layers = len(self.selected_images())
        self.frames_btn.setEnabled(n_frames > 1)
        self.frames_btn.setText(f"Run on every frame ({n_frames})" if n_frames > 1 else "Run on every frame")
        self.layers_btn.setEnabled(n_layers >= 2)
        self.layers_btn.setText(
            f"Run on every selected layer ({n_layers})" if n_layers >= 2 else "Run on every selected layer"
        )

    # ------------------------------------------------------------------ run
    def run(self, mode: Mode) -> object:
        """Check every input on the job panel's worker; the batch starts from `_after_check`."""
        p = self.panel
        p.problems.setText("")
        layers = [_picker(p.src).value] if mode == "frames" else self.selected_images()
        if not [lay for lay in layers if lay is not None]:
            p.refuse(p.spec.title, "source image: open an image and pick it here")
            return None
        inputs = [self._snapshot(lay, mode) for lay in layers]
        refs = self._refs()
        try:
            params = with_defaults(p.endpoint, p.form.values() if p.form else {})
        except ValueError as e:
            p.refuse(p.spec.title, str(e))
            return None
        sources = {lay.name: _source(lay) for lay in layers}
        spec, ep = p.spec, p.endpoint
        out = default_results_dir()
        again = p.pay_again.isChecked()
        self._check_out = []

        def check_all(progress: ProgressFn, cancel: threading.Event) -> Checked | InputError:
            progress("validating", 0.0)
            try:
                checked = check(spec.key, inputs, mode, out, refs=refs, params=params, api=ep.api, variant=ep.variant)
                checked = to_pay(checked, session.get_client(ep.api), out, again=again)
            except InputError as e:  # said in the dock as a refusal, not as a failed job
                return e
            if cancel.is_set():
                raise CancelledError("cancelled while checking the inputs; nothing was sent")
            return checked

        return p.job.start(
            check_all,
            self._check_out.append,
            label=f"{spec.title}: checking {len(inputs)} input(s)",
            on_finish=lambda: self._after_check(sources, params, out),
        )

    def _snapshot(self, layer: Image, mode: Mode) -> LayerInput:
        """The layer's data and mask as the batch reads them (Qt thread)."""
        p = self.panel
        mask: Any = None
        if p.uses.get("mask"):
            if mode == "frames":
                chosen = _picker(p.mask_picker).value
                mask = None if chosen is None else chosen.data
            else:
                painted = mask_for(p.viewer, layer)
                mask = None if painted is None else plane(painted, p.viewer)
        return LayerInput(layer.name, _full(layer), bool(layer.rgb), mask, frame_of(layer, p.viewer))

    def _refs(self) -> list[LayerInput]:
        p = self.panel
        if p.uses.get("ref"):
            chosen = [_picker(p.ref).value]
        else:
            chosen = list(_picker(p.refs).value or []) if p.uses.get("refs") else []
        return [
            LayerInput(lay.name, _full(lay), bool(lay.rgb), frame=frame_of(lay, p.viewer))
            for lay in chosen
            if lay is not None
        ]

    def _after_check(self, sources: dict[str, Source], params: JsonObject, out_dir: Path) -> None:
        """Refuse, or show the cost and start the batch (confirmed above the threshold)."""
        p = self.panel
        out = self._check_out[0] if self._check_out else None
        if isinstance(out, InputError):
            p.refuse(p.spec.title, str(out))
            return
        if out is None:  # the check itself failed: the job panel said why
            return
        self.checked = checked = out
        n = len(checked.plan.items)
        cost = checked.total(cost_of(p.endpoint, params))
        faces = checked.face_warnings()
        self.counts.setText(
            f"{n} inputs, {n - checked.to_pay} answered from earlier jobs (nothing paid): {units_text(cost)}"
            + (f"; {faces}" if faces else "")
        )
        spec, ep = p.spec, p.endpoint
        title = short_title(spec.title)
        emit = self._event.emit

        def work(again: bool, progress: ProgressFn, cancel: threading.Event) -> Shown:
            batch = Batch(checked.plan, client=session.get_client(ep.api), out_dir=out_dir, again=again, on_event=emit)
            batch.cancel_event = cancel  # the job panel's Cancel: no new task; created ones finish and are saved
            report = batch.run()
            write_csv(report)
            if report.cancelled and not any(o.job_dir for o in report.outcomes):
                raise CancelledError("cancelled before any task was created; nothing was charged")
            try:
                write_summary(report)
                table_note = ""
            except (InputError, OSError) as exc:  # the results are saved; only the summary table is missing
                table_note = f" — no summary table: {exc}"
            shown = prepare_shown(checked, report, sources, title)
            shown.message += table_note
            return shown

        label = f"{spec.title} · {'every frame' if checked.mode == 'frames' else 'selected layers'} ({n})"
        p.start_job(work, self._show, label=label, cost=cost)

    # ------------------------------------------------------------------ progress and results
    def _on_event(self, event: BatchEvent) -> None:
        """done / reused / failed / in flight on the job panel's bar (Qt thread)."""
        self.last_event = event
        bar = self.panel.job.bar
        bar.setRange(0, max(1, event.total))
        bar.setValue(event.done + event.reused + event.failed)
        bar.setFormat(event.line())

    def _show(self, shown: Shown) -> None:
        viewer = self.panel.viewer
        self.last_report = shown.report
        self.results = [getattr(viewer, f"add_{kind}")(data, **kw) for data, kw, kind in shown.layers]
        self.counts.setText(shown.message)
        self.panel.job.status.setText(shown.message)
        if shown.table is not None:
            columns, rows = shown.table
            self.panel.cohort.show_table(f"{self.panel.spec.title} · batch", columns, rows, shown.report.table_path)
        show_info(shown.message)


# Any: a picker's value is a layer, a list of layers or None, and magicgui types it per widget class
def _picker(widget: object) -> ValueWidget[Any]:
    """One of the dock's magicgui layer pickers (`create_widget` declares a plain Widget)."""
    return cast("ValueWidget[Any]", widget)


def _full(layer: Image) -> ArrayData:  # numpy or dask: indexed plane by plane
    """The full-resolution data (level 0 of a multiscale pyramid)."""
    return cast("ArrayData", layer.data[0] if layer.multiscale else layer.data)


def _source(layer: Image) -> Source:
    return Source(layer.name, geometry(layer), tuple(layer.translate), tuple(layer.scale))


# ---------------------------------------------------------------------- worker side
def prepare_shown(checked: Checked, report: BatchReport, sources: dict[str, Source], title: str) -> Shown:
    """Read every saved result back from its job folder and build the layers (worker thread)."""
    n = len(checked.origins)
    results: list[JobResult | None] = []
    unread: list[str] = []
    for item, outcome in zip(checked.plan.items, report.outcomes[:n], strict=True):
        res = None
        if outcome.status in OK_STATUSES and outcome.job_dir is not None:
            try:  # the input read back lets a result of a cropped fit be pasted into the full frame
                res = resume(outcome.job_dir, source=read_image_file(item.source))
            except YouCamError as e:  # saved but not readable here: the others still show
                unread.append(f"{outcome.job_dir.name}: {e}")
        results.append(res)
    shown = Shown(report)
    stack = stack_results(checked, results)
    if stack is not None:
        src = sources[checked.origins[0].layer]
        kw = {"name": result_name(src.name, title), "metadata": {"youcam": stack.provenance}}
        shown.layers.append((stack.data, {**kw, "translate": src.translate, "scale": src.scale}, "image"))
    else:
        for origin, res in zip(checked.origins, results, strict=True):
            if res is None:
                continue
            src = sources[origin.layer]
            extra = {"job_dir": str(res.sidecar.parent), **({"frame": list(origin.frame)} if origin.frame else {})}
            meta = {"name": src.name, "geom": src.geom, "provenance": extra}
            for data, kw, kind in prepare_result(res, meta, title=title).layers:
                if checked.mode == "frames":  # "clip · background removal (frame 2)"
                    kw = {**kw, "name": f"{kw['name']} (frame {', '.join(map(str, origin.frame))})"}
                shown.layers.append((data, kw, kind))
    counts = {s: report.count(s) for s in ("done", "resumed", "reused", "failed", "cancelled")}
    said = ", ".join(f"{k} {s}" for s, k in counts.items() if k)
    added = f"added {len(shown.layers)} layer(s)" if shown.layers else "no layer added"
    shown.message = f"{title} on {n} inputs: {said}; {report.units:g} units; {added}; jobs listed in {report.csv_path}"
    failed = [o for o in report.outcomes if o.status == "failed"]
    if failed:
        shown.message += f" — first failure: {failed[0].source.name}: {failed[0].error}"
    if unread:
        shown.message += f" — {len(unread)} saved result(s) not shown: {unread[0]}"
    if report.table_path is not None:
        try:
            shown.table = read_table(report.table_path)
            shown.message += f"; summary table: {report.table_path.name}"
        except (OSError, UnicodeError, csv.Error) as e:  # the results show anyway
            shown.message += f" — summary table {report.table_path.name} not readable: {e}"
    return shown


__all__ = ["BatchPanel", "Shown", "prepare_shown"]
