"""`youcam batch | history | show | costs` — many jobs, and the jobs already run.

`batch` checks every input before the first task is created (exit 2 lists each
bad file, nothing sent), runs ``--jobs`` tasks at a time, and writes
``batch-<time>.csv`` in the results folder. Ctrl-C once stops creating tasks
(created ones finish and are saved); twice abandons and prints the command
that resumes. `history`, `show` and `costs` read the results folder's jobs.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from napari_youcam.cli import Subparsers
from napari_youcam.cli.interrupt import interruptible
from napari_youcam.errors import InputError

if TYPE_CHECKING:  # the commands import what they need when they run (fast `youcam --help`)
    from napari_youcam.workflow.batch import BatchEvent, BatchReport


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser("batch", help="run one feature over many images (files, folders, globs)")
    p.add_argument("feature", help="feature key, e.g. skin-analysis, sod, obj-removal")
    p.add_argument("paths", nargs="+", metavar="PATH", help="image files, folders of images, or globs")
    p.add_argument("--mask", metavar="PATH_OR_DIR", help="one mask for all, or a folder of masks paired by file stem")
    p.add_argument("--ref", action="append", default=[], metavar="PATH", help="reference image (repeatable)")
    p.add_argument(
        "--frame",
        type=int,
        metavar="N",
        help="frame of every animated or multi-page source (0 = first), recorded in each job",
    )
    p.add_argument("--set", action="append", default=[], metavar="K=V", dest="sets", help="parameter, as in `run`")
    p.add_argument("--variant", help="endpoint variant (see `youcam features FEATURE`)")
    p.add_argument("--api", choices=("v2", "v1"), help="API generation (default: from the credentials)")
    p.add_argument("--base-url", help="service base URL (default: YOUCAM_BASE_URL or the documented host)")
    p.add_argument("--out", help="results folder (default: YOUCAM_RESULTS_DIR or the user data dir)")
    p.add_argument("--jobs", type=int, default=4, help="tasks in flight (default 4)")
    p.add_argument("--timeout", type=float, default=600.0, help="deadline per task in seconds (default 600)")
    p.add_argument("--skip-bad", action="store_true", help="run the good inputs and list the bad ones")
    p.add_argument("--again", action="store_true", help="run every input anew, even when done before (paid)")
    p.add_argument("--no-face-check", action="store_true", help="skip the local, advisory face check")
    p.add_argument("--json", action="store_true", help="print the outcome of every input as JSON")
    p.set_defaults(func=cmd_batch)

    p = subparsers.add_parser("analysis", help="analyzer results (hair, skin tone, Fitzpatrick...) over many jobs")
    an = p.add_subparsers(dest="analysis_command", metavar="ANALYSIS_COMMAND")
    s = an.add_parser(
        "table", help="one row per analyzer job, one column per attribute, from job folders or a results folder"
    )
    s.add_argument("paths", nargs="+", metavar="PATH", help="job folders, or results folders holding them")
    s.add_argument("-o", "--output", required=True, help="the CSV to write, e.g. analysis.csv")
    s.set_defaults(func=cmd_analysis_table)

    p = subparsers.add_parser("history", help="list past jobs of the results folder")
    p.add_argument("--feature", help="only this feature")
    p.add_argument("--since", metavar="DATE", help="only jobs started on or after DATE (YYYY-MM-DD)")
    p.add_argument("--status", help="only jobs with this status (done, failed, running...)")
    p.add_argument("--out", help="results folder (default: YOUCAM_RESULTS_DIR or the user data dir)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the job index from the job folders first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_history)

    p = subparsers.add_parser("show", help="show one job (its id from `youcam history`, or its folder)")
    p.add_argument("job", metavar="JOB")
    p.add_argument("--out", help="results folder (default: YOUCAM_RESULTS_DIR or the user data dir)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = subparsers.add_parser("costs", help="units spent, per feature per day")
    p.add_argument("--by", choices=("day", "feature"), default="day")
    p.add_argument("--out", help="results folder (default: YOUCAM_RESULTS_DIR or the user data dir)")
    p.add_argument("--csv", action="store_true", help="CSV on stdout")
    p.set_defaults(func=cmd_costs)


def _results_dir(args: argparse.Namespace) -> Path:
    from napari_youcam.workflow import default_results_dir

    return Path(args.out).expanduser() if getattr(args, "out", None) else default_results_dir()


# ---------------------------------------------------------------------- batch
def cmd_analysis_table(args: argparse.Namespace) -> int:
    from napari_youcam.workflow.tables import write_analysis_table

    out, n = write_analysis_table(args.paths, args.output)
    print(f"{out}: {n} rows")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from napari_youcam import features as F
    from napari_youcam.cli.service import _client, _generation, fill_suggested, list_params, parse_sets, text_params
    from napari_youcam.workflow import batch as B

    spec = F.get(args.feature)
    # the same parameter syntax and defaults as `youcam run`
    params = parse_sets(args.sets, text=text_params(spec), lists=list_params(spec))
    if not 1 <= args.jobs <= 32:
        raise InputError(f"--jobs {args.jobs}: use 1..32 tasks in flight")
    sources, bad = B.expand_paths(args.paths)
    items, bad_masks = B.pair_masks(sources, args.mask)
    client = _client(args, api=_generation(spec, args.api))
    fill_suggested(F.endpoint_for(spec, args.api or client.api, args.variant), params)
    plan = B.check_inputs(
        spec.key,
        items,
        refs=args.ref,
        params=params,
        api=args.api or client.api,
        variant=args.variant,
        face_check=not args.no_face_check,
        bad=bad + bad_masks,
        frame=args.frame,
    )
    for path, warnings in plan.warnings.items():
        for w in warnings:
            print(f"warning: {path.name}: face check (advisory): {w}", file=sys.stderr)
    if plan.bad and not args.skip_bad:
        raise B.BatchInputError(plan.bad)
    for b in plan.bad:
        print(f"skipped: {b.path}: {b.message}", file=sys.stderr)
    if not plan.items:
        raise InputError("no input left to run: " + ("every input was bad" if plan.bad else "no images found"))
    out_dir = _results_dir(args)
    line = ProgressLine()
    batch = B.Batch(
        plan, client=client, out_dir=out_dir, jobs=args.jobs, again=args.again, on_event=line, deadline=args.timeout
    )
    report = interruptible(
        batch.run,
        cancel=batch.cancel,
        cancelling="cancelling: no new tasks; created tasks finish and are saved (Ctrl-C again to stop now)",
        name="youcam-batch",
    )
    line.finish()
    if report is None:
        print(
            "abandoned; created tasks may still be billed; resume with: " + shlex.join(["youcam", *sys.argv[1:]]),
            file=sys.stderr,
        )
        B.write_csv(batch.snapshot())
        return 130
    return _finish_batch(args, report)


def _finish_batch(args: argparse.Namespace, report: BatchReport) -> int:
    from napari_youcam.workflow import batch as B

    csv_path = B.write_csv(report)
    try:
        B.write_summary(report)
    except (InputError, OSError) as exc:  # the results are saved; only the summary table is missing
        again = "skin table" if report.plan.feature == "skin-analysis" else "analysis table"
        print(f"warning: no summary table: {exc}; make it with `youcam {again}`", file=sys.stderr)
    if args.json:
        print(
            json.dumps(
                {
                    "csv": str(csv_path),
                    "table": str(report.table_path or "") or None,
                    "cancelled": report.cancelled,
                    "units": report.units,
                    "outcomes": [
                        {
                            "input": str(o.source),
                            "status": o.status,
                            "job_folder": str(o.job_dir or "") or None,
                            "task_id": o.task_id,
                            "units": o.units,
                            "error": o.error or None,
                        }
                        for o in report.outcomes
                    ],
                },
                indent=2,
            )
        )
    counts = {s: report.count(s) for s in ("done", "resumed", "reused", "failed", "cancelled", "skipped")}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    print(f"batch: {summary}; {report.units:g} units; {csv_path}", file=sys.stderr)
    if report.table_path:
        print(f"table: {report.table_path}", file=sys.stderr)
    for o in report.outcomes:
        if o.status == "failed":
            print(f"failed: {o.source}: {o.error}", file=sys.stderr)
    if report.cancelled and report.count("cancelled"):
        print(
            "cancelled; run the same command again to do the rest: " + shlex.join(["youcam", *sys.argv[1:]]),
            file=sys.stderr,
        )
        return 130
    return 0 if report.count("failed") == 0 else 1


class ProgressLine:
    """One rewritten line on a terminal; silent otherwise (the summary says it all)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.lock = threading.Lock()
        self.shown = False

    def __call__(self, event: BatchEvent) -> None:
        if not self.tty:
            return
        with self.lock:
            self.stream.write("\r" + event.line().ljust(79))
            self.stream.flush()
            self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")


# ---------------------------------------------------------------------- history, show, costs
def cmd_history(args: argparse.Namespace) -> int:
    from napari_youcam.workflow.tables import list_jobs, rebuild_index

    base = _results_dir(args)
    if args.rebuild:
        rebuilt = rebuild_index(base)
        print(f"index rebuilt from the job folders: {rebuilt.indexed} jobs", file=sys.stderr)
        for folder, why in rebuilt.skipped:
            print(f"skipped: {folder}: {why}", file=sys.stderr)
    rows = list_jobs(base, feature=args.feature, since=args.since, status=args.status)
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], indent=2))
        return 0
    for r in rows:
        units = "-" if r.units is None else f"{r.units:g}" + (" (sandbox)" if r.sandbox and r.units else "")
        print(f"{r.job_id}  {r.time[:19]:<19}  {r.feature:<18} {r.status:<16} {units:<14} {r.source_name}")
    if not rows:
        print(f"no jobs in {base}", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from napari_youcam.workflow.tables import find_job

    row = find_job(_results_dir(args), args.job)
    if args.json:
        print(json.dumps(row.as_dict(), indent=2))
        return 0
    units = "-" if row.units is None else f"{row.units:g} {'sandbox units' if row.sandbox else 'units'}"
    lines = [
        f"job      {row.job_id}",
        f"folder   {row.job_dir}",
        f"feature  {row.feature} ({row.api}:{row.variant})",
        f"status   {row.status}",
        f"started  {row.time}",
        f"task     {row.task_id or '-'}",
        f"units    {units}",
        f"source   {row.source or '-'}",
        f"params   {json.dumps(row.params, sort_keys=True)}",
    ]
    lines += [f"file     {row.job_dir / f}" for f in row.files]
    if row.reused_from:
        lines.append(f"reused   {row.reused_from}")
    if row.error:
        lines.append(f"error    {row.error}")
    print("\n".join(lines))
    return 0


def cmd_costs(args: argparse.Namespace) -> int:
    from napari_youcam.workflow.tables import costs, list_jobs

    rows = costs(list_jobs(_results_dir(args)), by=args.by)
    if args.csv:
        print("day,feature,jobs,units,kind" if args.by == "day" else "feature,jobs,units,kind")
        for c in rows:
            head = f"{c.day}," if args.by == "day" else ""
            print(f"{head}{c.feature},{c.jobs},{c.units:g},{c.label}")
        return 0
    for c in rows:
        head = f"{c.day}  " if args.by == "day" else ""
        print(f"{head}{c.feature:<18} {c.jobs:>4} jobs  {c.units:>8g} {c.label}")
    total = sum(c.units for c in rows if not c.sandbox)
    sandbox = sum(c.units for c in rows if c.sandbox)
    print(f"total: {total:g} units" + (f" (+ {sandbox:g} sandbox units)" if sandbox else ""))
    return 0
