"""Batch runs: one feature over many inputs, checked first, N tasks in flight.

`expand_paths` expands PATHs (files, folders' images, globs) and `pair_masks`
pairs masks by file stem; `check_inputs` reads and validates every input with
`workflow.plan` before anything is sent; `Batch` runs the good ones through
`workflow.run` on one shared client, ``jobs`` at a time, and reports
`BatchEvent`s for a progress display. Running the same batch again costs only
what was never created: `run` answers a finished identical job from the job
store and resumes a created one (``again`` pays anew). Each job folder also gets
``youcam-inputs.json``, naming the files it was run on (history, cohort tables
and the History dock read it).
"""

from __future__ import annotations

import csv
import datetime as _dt
import glob
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from napari_youcam.api import ServiceClient
from napari_youcam.errors import InputError, YouCamError
from napari_youcam.features.analysis import RESULT_FIELDS
from napari_youcam.imaging.faces import FACE_RULES
from napari_youcam.imaging.faces import face_check as check_face
from napari_youcam.limits import JsonObject
from napari_youcam.workflow.jobs import canonical_json
from napari_youcam.workflow.plan import plan, validate
from napari_youcam.workflow.run import run
from napari_youcam.workflow.sidecar import ensure_results_dir, load_sidecar
from napari_youcam.workflow.steps import CancelledError
from napari_youcam.workflow.store import units_of
from napari_youcam.workflow.tables import INPUTS_NAME, write_analysis_table, write_skin_table

log = logging.getLogger("napari_youcam.workflow.batch")

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
#: outcome statuses that count as success
OK_STATUSES = ("done", "reused", "resumed")


# ---------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class BatchItem:
    """One input of a batch: a source image and its mask (if any)."""

    source: Path
    mask: Path | None = None


@dataclass(frozen=True)
class BadInput:
    """An input that cannot be sent, and what to change."""

    path: Path
    message: str


class BatchInputError(InputError):
    """Some inputs are bad; nothing was sent. ``bad`` lists each with what to change."""

    def __init__(self, bad: Sequence[BadInput]):
        self.bad = list(bad)
        lines = [f"{b.path}: {b.message}" for b in self.bad]
        super().__init__(
            f"{len(self.bad)} bad input(s), nothing was sent:\n"
            + "\n".join(lines)
            + "\n(fix them, or run the rest with --skip-bad)"
        )


def _is_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[BadInput]]:
    """Files as given, folders' images (sorted, not recursive), globs expanded.

    Returns the image paths (each once, in order) and the PATHs that matched nothing.
    """
    found: list[Path] = []
    bad: list[BadInput] = []
    for raw in paths:
        text = str(raw)
        if _is_glob(text):
            hits = [Path(h) for h in sorted(glob.glob(text, recursive=True)) if Path(h).is_file()]
            if not hits:
                bad.append(BadInput(Path(text), "the pattern matches no file"))
            found.extend(hits)
            continue
        p = Path(text).expanduser()
        if p.is_dir():
            imgs = sorted(c for c in p.iterdir() if c.is_file() and c.suffix.lower() in IMAGE_SUFFIXES)
            if not imgs:
                bad.append(BadInput(p, f"the folder holds no image ({', '.join(IMAGE_SUFFIXES)})"))
            found.extend(imgs)
        elif p.is_file():
            found.append(p)
        else:
            bad.append(BadInput(p, "no such file or folder"))
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique, bad


def pair_masks(sources: Sequence[Path], mask: str | Path | None) -> tuple[list[BatchItem], list[BadInput]]:
    """One mask file for every source, or ``mask`` a folder whose files pair by stem."""
    if mask is None:
        return [BatchItem(s) for s in sources], []
    m = Path(mask).expanduser()
    if m.is_file():
        return [BatchItem(s, m.resolve()) for s in sources], []
    if not m.is_dir():
        return [], [BadInput(m, "--mask: no such file or folder")]
    by_stem: dict[str, list[Path]] = {}
    for c in sorted(m.iterdir()):
        if c.is_file() and c.suffix.lower() in IMAGE_SUFFIXES:
            by_stem.setdefault(c.stem, []).append(c.resolve())
    items: list[BatchItem] = []
    bad: list[BadInput] = []
    for s in sources:
        hits = by_stem.get(s.stem, [])
        if len(hits) == 1:
            items.append(BatchItem(s, hits[0]))
        elif not hits:
            bad.append(BadInput(s, f"no mask named {s.stem}.* in {m}: add one (masks pair by file stem)"))
        else:
            bad.append(BadInput(s, f"{len(hits)} masks named {s.stem}.* in {m}: keep one"))
    return items, bad


@dataclass(frozen=True)
class BatchPlan:
    """What a batch will send: the good inputs, the bad ones, and advisory face warnings."""

    feature: str
    api: str
    variant: str
    params: JsonObject
    refs: tuple[Path, ...]
    items: list[BatchItem]
    bad: list[BadInput]
    warnings: dict[Path, list[str]] = field(default_factory=dict)
    frame: int | None = None  # the frame read from each multi-frame source file
    #: item index → indexes of the later items with the same content (answered from its job, not paid again)
    twins: dict[int, list[int]] = field(default_factory=dict)


def check_inputs(
    feature: str,
    items: Sequence[BatchItem],
    *,
    refs: Sequence[str | Path] = (),
    params: JsonObject | None = None,
    api: str = "v2",
    variant: str | None = None,
    face_check: bool = True,
    bad: Sequence[BadInput] = (),
    frame: int | None = None,
) -> BatchPlan:
    """Read and validate every input as `run` would (`workflow.plan`), without sending anything.

    What is wrong for every input alike (parameters, a mask or reference the
    feature does not take) raises `InputError` at once; per-input problems
    (unreadable, a size no fit can satisfy, a wrong mask) are collected in
    ``BatchPlan.bad``. The face check only warns (``BatchPlan.warnings``).
    Inputs with identical content (source, mask) are found here: only the first
    of them runs, the others are answered from its job (``BatchPlan.twins``).
    """
    ref_paths = tuple(Path(r).expanduser().resolve() for r in refs)
    ref_args = [str(r) for r in ref_paths]
    first = items[0] if items else BatchItem(Path("source.png"))
    head = validate(
        feature,
        str(first.source),
        mask=_opt(first.mask),
        refs=ref_args,
        params=params,
        api=api,
        variant=variant,
        frame=frame,
    )
    if head.endpoint.input("src") is None:
        raise InputError(f"{head.feature} takes no source image: a batch runs one task per image")
    bad_list = list(bad)
    good: list[BatchItem] = []
    warnings: dict[Path, list[str]] = {}
    first_of: dict[str, int] = {}
    twins: dict[int, list[int]] = {}
    for item in items:
        try:
            p = plan(
                feature,
                str(item.source),
                mask=_opt(item.mask),
                refs=ref_args,
                params=params,
                api=api,
                variant=variant,
                frame=frame,
            )
        except InputError as exc:
            bad_list.append(BadInput(item.source, _one_line(str(exc))))
            continue
        content = canonical_json(p.input_hashes)
        if content in first_of:
            twins.setdefault(first_of[content], []).append(len(good))
        else:
            first_of[content] = len(good)
        good.append(item)
        if face_check and head.feature in FACE_RULES and p.source_array is not None:
            said = list(check_face(p.source_array, head.feature, short_min=head.endpoint.limits.short_min).warnings)
            if said:
                warnings[item.source] = said
    return BatchPlan(
        head.feature, head.api, head.variant, head.params, ref_paths, good, bad_list, warnings, frame=frame, twins=twins
    )


def _opt(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _one_line(message: str) -> str:
    parts = [ln.strip().removeprefix("- ") for ln in message.splitlines() if ln.strip()]
    return "; ".join(parts)


# ---------------------------------------------------------------------- outcomes and events
@dataclass
class Outcome:
    """How one input ended. ``status``: done, reused, resumed, failed, cancelled, skipped, abandoned."""

    source: Path
    status: str
    job_dir: Path | None = None
    task_id: str | None = None
    units: float | None = None
    error: str = ""


@dataclass(frozen=True)
class BatchEvent:
    """A snapshot for a progress display."""

    total: int
    done: int
    reused: int
    failed: int
    in_flight: int
    units: float
    eta_s: float | None
    last: Outcome | None = None

    def line(self) -> str:
        eta = "" if self.eta_s is None else f"  ETA {self.eta_s:,.0f} s"
        return (
            f"{self.done + self.reused + self.failed}/{self.total}  done {self.done}  reused "
            f"{self.reused}  failed {self.failed}  in flight {self.in_flight}  units "
            f"{self.units:g}{eta}"
        )


EventFn = Callable[[BatchEvent], None]


@dataclass
class BatchReport:
    """Every input's outcome, in input order."""

    plan: BatchPlan
    outcomes: list[Outcome]
    out_dir: Path
    cancelled: bool = False
    csv_path: Path | None = None
    table_path: Path | None = None

    @property
    def ok(self) -> bool:
        return all(o.status in OK_STATUSES for o in self.outcomes)

    def count(self, *statuses: str) -> int:
        return sum(o.status in statuses for o in self.outcomes)

    @property
    def units(self) -> float:
        return sum(o.units or 0.0 for o in self.outcomes)


# ---------------------------------------------------------------------- the batch
class Batch:
    """Run a `BatchPlan` with ``jobs`` tasks in flight on one client.

    `cancel` (first call) stops creating tasks; created tasks finish and are saved.
    `run` returns a `BatchReport` once every started input ended. `snapshot`
    gives the outcomes so far (for an abandoned batch).
    """

    def __init__(
        self,
        plan: BatchPlan,
        *,
        client: ServiceClient,
        out_dir: str | Path,
        jobs: int = 4,
        again: bool = False,
        on_event: EventFn | None = None,
        deadline: float = 600.0,
    ):
        if not 1 <= int(jobs) <= 32:
            raise InputError(f"--jobs {jobs}: use 1..32 tasks in flight")
        self.plan = plan
        self.client = client
        self.out_dir = ensure_results_dir(out_dir)
        self.jobs = int(jobs)
        self.again = again
        self.on_event = on_event
        self.deadline = deadline
        self.cancel_event = threading.Event()
        self._lock = threading.Lock()
        self._outcomes: dict[int, Outcome] = {}
        self._in_flight: dict[int, Path | None] = {}
        self._started = time.monotonic()
        self._ran = 0  # inputs that ran a task (reused ones say nothing about the time left)

    # ------------------------------------------------------------ public
    def cancel(self) -> None:
        """Create no new task; tasks already created finish and are saved."""
        self.cancel_event.set()

    def run(self) -> BatchReport:
        todo: queue.Queue[int] = queue.Queue()
        later = {j for js in self.plan.twins.values() for j in js}
        for i in range(len(self.plan.items)):
            if i not in later:
                todo.put(i)
        workers = [
            threading.Thread(target=self._worker, args=(todo,), name=f"youcam-batch-{n}", daemon=True)
            for n in range(min(self.jobs, len(self.plan.items)))
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return self.snapshot()

    def snapshot(self) -> BatchReport:
        """Outcomes so far; inputs still running are ``abandoned`` (with their job folder)."""
        with self._lock:
            outcomes = []
            for i, item in enumerate(self.plan.items):
                o = self._outcomes.get(i)
                if o is None:
                    job_dir = self._in_flight.get(i)
                    status = "abandoned" if i in self._in_flight else "cancelled"
                    o = Outcome(
                        item.source,
                        status,
                        job_dir=job_dir,
                        error="" if status == "abandoned" else "not started (cancelled)",
                    )
                outcomes.append(o)
        skipped = [Outcome(b.path, "skipped", error=b.message) for b in self.plan.bad]
        return BatchReport(self.plan, outcomes + skipped, self.out_dir, cancelled=self.cancel_event.is_set())

    # ------------------------------------------------------------ workers
    def _worker(self, todo: queue.Queue[int]) -> None:
        while not self.cancel_event.is_set():
            try:
                i = todo.get_nowait()
            except queue.Empty:
                return
            self._input(i, again=self.again)
            # the same content again: once its first job is finished, `run` answers it from the store
            for j in self.plan.twins.get(i, ()):
                if not self.cancel_event.is_set():
                    self._input(j, again=False)

    def _input(self, i: int, *, again: bool) -> None:
        """Run input ``i`` and record its outcome (a failure is an outcome, never an exception)."""
        with self._lock:
            self._in_flight[i] = None
        self._emit(None)
        try:
            outcome = self._one(i, again=again)
        except Exception as exc:  # a bug in one input must not stop the others
            log.debug("batch input %s failed", self.plan.items[i].source, exc_info=True)
            outcome = Outcome(self.plan.items[i].source, "failed", error=f"{type(exc).__name__}: {exc}")
        with self._lock:
            self._in_flight.pop(i, None)
            self._outcomes[i] = outcome
            self._ran += outcome.status in ("done", "resumed")
        self._emit(outcome)

    def _one(self, i: int, *, again: bool) -> Outcome:
        """Run one input; `run` answers an identical finished job from the store and resumes an
        identical created one, so a rerun pays only for what was never created."""
        plan, item = self.plan, self.plan.items[i]
        seen: dict[str, Any] = {}  # the job folder and whether it was resumed, once `run` made it

        def on_job_dir(d: Path) -> None:
            seen["dir"] = d
            seen["resumed"] = bool(load_sidecar(d).record.task_id)
            with self._lock:
                self._in_flight[i] = d
            inputs = {"source": str(item.source), "mask": _opt(item.mask), "refs": [str(r) for r in plan.refs]}
            (d / INPUTS_NAME).write_text(json.dumps(inputs, indent=2), encoding="utf-8")

        try:
            res = run(
                plan.feature,
                str(item.source),
                mask=_opt(item.mask),
                refs=[str(r) for r in plan.refs],
                params=dict(plan.params),
                api=plan.api,
                variant=plan.variant,
                client=self.client,
                out_dir=self.out_dir,
                cancel=self.cancel_event,
                deadline=self.deadline,
                on_job_dir=on_job_dir,
                again=again,
                frame=plan.frame,
            )
        except CancelledError:
            return Outcome(item.source, "cancelled", error="not started (cancelled); nothing was charged")
        except YouCamError as exc:
            job_dir: Path | None = exc.job.job_dir if exc.job else seen.get("dir")
            task_id = exc.job.task_id if exc.job else None  # only an error that stopped a job names a task
            return Outcome(item.source, "failed", job_dir=job_dir, task_id=task_id, error=_one_line(str(exc)))
        job_dir = res.sidecar.parent
        status = "reused" if res.reused_from else ("resumed" if seen.get("resumed") else "done")
        return Outcome(item.source, status, job_dir=job_dir, task_id=res.task_id, units=_units(job_dir))

    def _emit(self, last: Outcome | None) -> None:
        if self.on_event is None:
            return
        with self._lock:
            outs = list(self._outcomes.values())
            in_flight = len(self._in_flight)
            ran = self._ran
        n_done = sum(o.status in ("done", "resumed") for o in outs)
        left = len(self.plan.items) - len(outs)
        eta = (time.monotonic() - self._started) / len(outs) * left if ran and left else None
        event = BatchEvent(
            total=len(self.plan.items),
            done=n_done,
            reused=sum(o.status == "reused" for o in outs),
            failed=sum(o.status == "failed" for o in outs),
            in_flight=in_flight,
            units=sum(o.units or 0.0 for o in outs),
            eta_s=eta,
            last=last,
        )
        try:
            self.on_event(event)
        except Exception:  # a broken display must not stop a batch
            log.exception("batch event callback failed (ignored)")


def _units(job_dir: Path) -> float:
    """Units a finished job was charged (0 when it reused another job)."""
    return units_of(load_sidecar(job_dir).record)


# ---------------------------------------------------------------------- the CSV
CSV_COLUMNS = ("input", "job_folder", "status", "task_id", "units", "error")


def write_csv(report: BatchReport, path: str | Path | None = None) -> Path:
    """``batch-<UTC time>.csv`` in the results folder (or ``path``): one row per input."""
    if path is None:
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
        path = report.out_dir / f"batch-{stamp}.csv"
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for o in report.outcomes:
            w.writerow(
                [
                    str(o.source),
                    str(o.job_dir or ""),
                    o.status,
                    o.task_id or "",
                    "" if o.units is None else f"{o.units:g}",
                    o.error,
                ]
            )
    tmp.replace(path)
    report.csv_path = path
    return path


def write_summary(report: BatchReport) -> Path | None:
    """The cohort table beside the batch's CSV, for the features that have one.

    Skin analysis: one row per photo with every concern's score
    (``batch-<time>-scores.csv``); the analyzers (`RESULT_FIELDS`): one row per
    input, one column per attribute (``batch-<time>-attributes.csv``). None for
    other features or when no job finished. Writes the batch CSV first when it is
    not written yet. `InputError`/`OSError` when the table cannot be made: the
    results themselves are saved either way.
    """
    feature = report.plan.feature
    dirs = [o.job_dir for o in report.outcomes if o.status in OK_STATUSES and o.job_dir]
    if not dirs or (feature != "skin-analysis" and feature not in RESULT_FIELDS):
        return None
    csv_path = report.csv_path or write_csv(report)
    if feature == "skin-analysis":
        path, _ = write_skin_table(dirs, csv_path.with_name(csv_path.stem + "-scores.csv"))
    else:
        path, _ = write_analysis_table(dirs, csv_path.with_name(csv_path.stem + "-attributes.csv"))
    report.table_path = path
    return path
