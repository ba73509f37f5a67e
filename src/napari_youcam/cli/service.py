"""`youcam features | run | resume | templates | credits | sandbox` — the service half of the CLI.

Every command talks to the service through `napari_youcam.connect.default_client`
so it works out of the box: without credentials it runs on the bundled local
sandbox and says so on stderr ("SANDBOX: ... synthetic"). Errors are raised as
`YouCamError`s; the dispatcher turns them into one line and the exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shlex
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from napari_youcam.cli import Subparsers
from napari_youcam.cli.interrupt import interruptible
from napari_youcam.errors import InputError, YouCamError
from napari_youcam.limits import JsonObject

if TYPE_CHECKING:  # the commands import what they need when they run (fast `youcam --help`)
    from napari_youcam.api.client import Client
    from napari_youcam.features.spec import Endpoint, FeatureSpec
    from napari_youcam.imaging import ExtendPlan
    from napari_youcam.workflow.inputs import Source
    from napari_youcam.workflow.run import JobResult
    from napari_youcam.workflow.steps import ProgressFn

LIST_SYNTAX = 'write a list as a,b or [a,b] or JSON ["a","b"], or repeat --set {name}=a --set {name}=b'
T = TypeVar("T")
# Overall share of the job per workflow stage (start, end): the bar runs once from 0 to
# 100 % over the whole job instead of restarting in every stage.
STAGE_SPAN: dict[str, tuple[float, float]] = {
    "validating": (0.0, 0.02),
    "preparing": (0.02, 0.10),
    "uploading": (0.10, 0.25),
    "creating": (0.25, 0.30),
    "waiting": (0.30, 0.85),
    "downloading": (0.85, 0.95),
    "writing": (0.95, 1.0),
    "done": (1.0, 1.0),
}


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser("features", help="list the service features and their parameters")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("feature", nargs="?", help="show one feature in detail")
    p.set_defaults(func=cmd_features)

    _register_run(subparsers)

    p = subparsers.add_parser(
        "resume",
        help="finish a job that stopped after its task was created (deadline, interrupt, "
        "failed download) from its job folder; creates no new task, so no new charge",
    )
    p.add_argument("job_dir", metavar="JOB_DIR", help="the <time>_<feature> folder holding youcam-job.json")
    p.add_argument("--base-url", help="service base URL (must be the host the task was created on)")
    p.add_argument("--timeout", type=float, default=600.0, help="overall deadline in seconds (default 600)")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.set_defaults(func=cmd_resume)

    p = subparsers.add_parser("templates", help="list the templates (v2) or styles (v1) of a feature")
    p.add_argument("feature")
    p.add_argument("--api", choices=("v2", "v1"))
    p.add_argument("--base-url")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_templates)

    p = subparsers.add_parser("credits", help="show the unit balance")
    p.add_argument("--api", choices=("v2", "v1"))
    p.add_argument("--base-url")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_credits)

    p = subparsers.add_parser("sandbox", help="serve the local sandbox (synthetic results) until Ctrl-C")
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = any free port)")
    p.add_argument(
        "--for",
        dest="duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds (default: until Ctrl-C)",
    )
    p.set_defaults(func=cmd_sandbox)


def _register_run(subparsers: Subparsers) -> None:
    """``youcam run``: its sources, mask, references, parameters and run options."""
    p = subparsers.add_parser("run", help="run a feature on an image/video and save the result")
    p.add_argument("feature", help="feature key, e.g. sod, skin-analysis, obj-removal")
    p.add_argument(
        "srcs",
        nargs="*",
        metavar="SRC",
        help="source image or video (omit for text-to-image); the three-photo analyzers "
        "(hair-type-detection, hair-frizziness-detection) take three: SRC SRC SRC",
    )
    p.add_argument("--mask", help="mask image (white/non-zero = area to change)")
    p.add_argument("--ref", action="append", default=[], metavar="PATH", help="reference image (repeatable)")
    p.add_argument(
        "--frame",
        type=int,
        metavar="N",
        help="frame of an animated or multi-page source (0 = first), recorded in the job",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="K=V",
        dest="sets",
        help="parameter, e.g. --set scale=2; numbers, true/false and lists are parsed as JSON, "
        "text parameters (prompt, ids, colours) are taken verbatim; list parameters take "
        "a,b or [a,b] or JSON, or a repeated --set",
    )
    p.add_argument("--variant", help="endpoint variant (see `youcam features FEATURE`)")
    p.add_argument("--out", help="results folder (default: YOUCAM_RESULTS_DIR or the user data dir)")
    p.add_argument("--api", choices=("v2", "v1"), help="API generation (default: from the credentials)")
    p.add_argument("--base-url", help="service base URL (default: YOUCAM_BASE_URL or the documented host)")
    p.add_argument("--timeout", type=float, default=600.0, help="overall deadline in seconds (default 600)")
    p.add_argument(
        "--no-face-check", action="store_true", help="skip the local, advisory check of the documented face rules"
    )
    p.add_argument(
        "--aspect",
        help="out-paint: canvas aspect ratio such as 16:9 (planned as `youcam "
        "extend-plan` does; instead of the ten --set sizes)",
    )
    p.add_argument(
        "--anchor",
        help="out-paint with --aspect: where the photo sits on the canvas "
        "(center, left, top-right, ...; default center)",
    )
    p.add_argument(
        "--again",
        action="store_true",
        help="pay for a new task even when an identical job in the results folder already has "
        "the result (default: reuse it, or resume an identical unfinished one)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.set_defaults(func=cmd_run)


# ---------------------------------------------------------------------- helpers
def _client(args: argparse.Namespace, *, api: str | None = None) -> Client:
    from napari_youcam.connect import SANDBOX_NOTICE, default_client

    client = default_client(api=api or getattr(args, "api", None), base_url=getattr(args, "base_url", None))
    if client.is_sandbox:
        print(SANDBOX_NOTICE, file=sys.stderr)
    return client


def parse_sets(items: list[str], *, text: Iterable[str] = (), lists: Iterable[str] = ()) -> JsonObject:
    """``k=v`` pairs; values parsed as JSON (numbers, true/false, lists, objects) else text.

    Names in ``text`` (the feature's text parameters: prompts, ids, colours, named
    choices) keep the value verbatim, so ``--set prompt=1984`` or ``prompt=null``
    is the text the user typed, not a number or a missing value. Names in ``lists``
    take ``a,b``, ``[a,b]`` or a JSON list, and a repeated ``--set`` adds to the list;
    any other name given twice is an error (which value was meant?).
    """
    text, lists = set(text), set(lists)
    out: JsonObject = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--set {item!r}: expected NAME=VALUE")
        k, v = item.split("=", 1)
        k = k.strip()
        if not k:
            raise InputError(f"--set {item!r}: the name is empty")
        if k in lists:
            out[k] = [*out.get(k, []), *parse_list(k, v)]
            continue
        if k in out:
            raise InputError(f"--set {k} is given twice ({out[k]!r} and {v!r}): give it once")
        if k in text:
            out[k] = v
            continue
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


def parse_list(name: str, value: str) -> list[object]:
    """``a,b`` / ``[a,b]`` / ``["a","b"]`` → a list; `InputError` stating the syntax."""
    raw = value.strip()
    if raw.startswith("["):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return parsed
        if not raw.endswith("]"):
            raise InputError(f"--set {name}={value}: the list is not closed; {LIST_SYNTAX.format(name=name)}")
        raw = raw[1:-1]
    elif raw.startswith("{"):
        raise InputError(f"--set {name}={value}: {name} is a list, not an object; {LIST_SYNTAX.format(name=name)}")
    if not raw.strip():
        return []
    items: list[object] = [x.strip().strip("'\"").strip() for x in raw.split(",")]
    if not all(items):
        raise InputError(f"--set {name}={value}: empty list item; {LIST_SYNTAX.format(name=name)}")
    return items


def _param_kinds(feature: str | FeatureSpec) -> dict[str, set[str]]:
    """Each parameter name of a feature → its kinds over every endpoint (text or not)."""
    from napari_youcam import features as F

    kinds: dict[str, set[str]] = {}
    for e in F.get(feature).endpoints:
        for p in e.params:
            is_text = p.kind in ("str", "color") or (
                p.kind == "enum" and bool(p.choices) and all(isinstance(c, str) for c in p.choices)
            )
            kinds.setdefault(p.name, set()).add("text" if is_text else p.kind)
    return kinds


def text_params(feature: str | FeatureSpec) -> set[str]:
    """Parameter names of a feature whose values are text on every endpoint."""
    return {name for name, kinds in _param_kinds(feature).items() if kinds == {"text"}}


def list_params(feature: str | FeatureSpec) -> set[str]:
    """Parameter names of a feature that take a list of choices (skin concerns...)."""
    return {name for name, kinds in _param_kinds(feature).items() if "enum_list" in kinds}


class _Bar:
    """A one-line progress bar on stderr over the whole job (plain silence when not a terminal).

    The stages of `workflow` are labels on one bar from 0 to 100 % (`STAGE_SPAN`),
    with the time since the command started; it redraws when the stage changes and
    at most ten times a second otherwise.
    """

    def __init__(
        self, stream: TextIO | None = None, width: int = 24, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.clock = clock
        self.started = clock()
        self.drawn_at: float | None = None
        self.overall = 0.0
        self.last_stage: str | None = None
        self.open_line = False  # a bar is on the terminal without its newline yet
        self.lock = threading.Lock()

    def __call__(self, stage: str, fraction: float) -> None:
        with self.lock:
            lo, hi = STAGE_SPAN.get(stage, (self.overall, self.overall))
            self.overall = max(self.overall, lo + (hi - lo) * fraction)
            changed, self.last_stage = stage != self.last_stage, stage
            if not self.tty:
                # Not a terminal (pipes, CI logs): stay quiet so stderr carries only the
                # notices and, on failure, the one error line.
                return
            now = self.clock()
            if not changed and self.drawn_at is not None and now - self.drawn_at < 0.1:
                return
            self.drawn_at = now
            n = int(round(self.overall * self.width))
            self.stream.write(
                f"\r[{'#' * n}{'.' * (self.width - n)}] {self.overall * 100:3.0f}% "
                f"{stage:<11} {now - self.started:5.1f} s"
            )
            self.open_line = stage != "done"
            if not self.open_line:
                self.stream.write("\n")
            self.stream.flush()

    def close(self) -> None:
        """End the bar's line (a job that stopped early) so the next message starts clean."""
        with self.lock:
            if self.tty and self.open_line:
                self.stream.write("\n")
                self.stream.flush()
            self.open_line = False


def _spec_json(spec: FeatureSpec) -> JsonObject:
    eps = []
    for e in spec.endpoints:
        eps.append(
            {
                "api": e.api,
                "variant": e.variant,
                "task_path": e.task_path,
                "output": e.output,
                "units": e.units,
                "inputs": [{"role": i.role, "kind": i.kind, "required": i.required, "many": i.many} for i in e.inputs],
                "params": [
                    {
                        "name": p.name,
                        "kind": p.kind,
                        "required": p.required,
                        "default": p.default,
                        "minimum": p.minimum,
                        "maximum": p.maximum,
                        "choices": list(p.choices),
                        "help": p.help,
                    }
                    for p in e.params
                ],
                "limits": {
                    "long_max": e.limits.long_max,
                    "long_strict": e.limits.long_strict,
                    "short_min": e.limits.short_min,
                    "formats": list(e.limits.formats),
                    "max_bytes": e.limits.max_bytes,
                    "text": e.limits.describe(),
                },
            }
        )
    return {
        "key": spec.key,
        "title": spec.title,
        "family": spec.family,
        "apis": list(spec.apis),
        "summary": spec.summary,
        "endpoints": eps,
    }


# ---------------------------------------------------------------------- commands
def cmd_features(args: argparse.Namespace) -> int:
    from napari_youcam import features as F

    specs = [F.get(args.feature)] if args.feature else list(F.FEATURES.values())
    if args.json:
        print(json.dumps([_spec_json(s) for s in specs], indent=2, default=str))
        return 0
    if args.feature:
        s = specs[0]
        print(f"{s.key} — {s.title} [{s.family}]")
        if s.summary:
            print(f"  {s.summary}")
        for e in s.endpoints:
            ins = ", ".join(f"{i.role}{'' if i.required else '?'}" for i in e.inputs) or "-"
            print(
                f"  {e.api}:{e.variant}  POST {e.task_path}  inputs: {ins}  output: {e.output}"
                + (f"  units: {e.units}" if e.units else "")
            )
            print(f"      limits: {e.limits.describe()}")
            for p in e.params:
                rng = ""
                if p.choices:
                    rng = " {" + "|".join(map(str, p.choices)) + "}"
                elif p.minimum is not None or p.maximum is not None:
                    rng = f" [{p.minimum}..{p.maximum}]"
                req = " (required)" if p.required else ""
                dflt = f" default={p.default}" if p.default is not None else ""
                value = "a,b,..." if p.kind == "enum_list" else f"<{p.kind}>"
                print(f"      --set {p.name}={value}{rng}{req}{dflt}")
        return 0
    print(f"{'FEATURE':<20} {'API':<6} {'FAMILY':<11} {'UNITS':<8} TITLE")
    for s in specs:
        apis = "/".join(s.apis)
        print(f"{s.key:<20} {apis:<6} {s.family:<11} {cost_column(s):<8} {s.title}")
    return 0


def cost_column(spec: FeatureSpec) -> str:
    """The documented unit cost of a feature's first endpoint, short enough for a column.

    A number when the defaults fix it; "varies" when it depends on the params (see
    ``youcam features KEY``); "?" when the documentation gives none.
    """
    from napari_youcam import features as F

    ep = spec.endpoints[0]
    try:
        cost = F.unit_cost(ep, F.with_defaults(ep, {}))
    except (YouCamError, ValueError, TypeError, KeyError):
        cost = None
    if cost is not None:
        return f"{cost:g}"
    if ep.units:
        return ep.units if len(ep.units) <= 8 else "varies"
    return "?"


def cmd_run(args: argparse.Namespace) -> int:
    from napari_youcam import features as F
    from napari_youcam import workflow

    spec = F.get(args.feature)
    args.src = args.srcs[0] if args.srcs else None
    params = parse_sets(args.sets, text=text_params(spec), lists=list_params(spec))
    sources = [("source", s) for s in args.srcs]
    for label, path in [*sources, ("mask", args.mask), *[("ref", r) for r in args.ref]]:
        if path and not Path(path).is_file():
            raise InputError(f"{label}: no such file: {path}")
    if (args.aspect or args.anchor) and spec.key != "out-paint":
        raise InputError(f"--aspect/--anchor apply to out-paint only; {spec.key} takes --set NAME=VALUE")
    client = _client(args, api=_generation(spec, args.api))
    endpoint = F.endpoint_for(spec, args.api or client.api, args.variant)
    source: Source | None = args.srcs if len(args.srcs) > 1 else args.src
    if spec.key == "out-paint" and (args.aspect or args.anchor):
        source = _plan_outpaint(args, endpoint, params)
    fill_suggested(endpoint, params)
    bar = _Bar()
    cancel = threading.Event()
    job: dict[str, Path] = {}

    progress = bar if args.no_face_check else _with_face_advice(bar, spec.key, args.src, args.frame)

    def on_job_dir(d: Path) -> None:
        job.setdefault("dir", d)

    def work() -> JobResult:
        return workflow.run(
            spec.key,
            source,
            mask=args.mask,
            refs=tuple(args.ref),
            params=params,
            api=endpoint.api,
            variant=endpoint.variant,
            client=client,
            out_dir=args.out,
            progress=progress,
            cancel=cancel,
            deadline=args.timeout,
            on_job_dir=on_job_dir,
            again=args.again,
            frame=args.frame,
        )

    try:
        res = _in_thread(work, cancel, job)
    finally:
        bar.close()
    if res is None:
        return 130
    _print_result(args, res, client)
    return 0


def _generation(spec: FeatureSpec, api: str | None) -> str | None:
    """The API generation to run ``spec`` on when none was asked for.

    None (the credentials decide) when the configured generation has the feature;
    else the generation the feature has (obj-removal is v1 only), or an
    `InputError` naming exactly what to configure when the credentials cannot run it.
    """
    from napari_youcam.connect import find_credentials

    if api is not None:
        return api
    creds = find_credentials()  # environment / config file only, no request
    configured = creds.api if creds is not None else "v2"
    if configured in spec.apis:
        return None
    other = spec.apis[0]
    if creds is not None and other == "v1" and not creds.has_v1:
        raise InputError(
            f"{spec.key} exists only on the v1 API and only a v2 API key is configured: set "
            "YOUCAM_CLIENT_ID and YOUCAM_CLIENT_SECRET (then --api v1 is picked for it)"
        )
    if creds is not None and other == "v2" and not creds.api_key:
        raise InputError(
            f"{spec.key} exists only on the v2 API and only v1 credentials are configured: set YOUCAM_API_KEY"
        )
    print(f"note: {spec.key} exists only on the {other} API: running it with --api {other}", file=sys.stderr)
    return other


def fill_suggested(endpoint: Endpoint, params: JsonObject) -> None:
    """Fill in each required parameter the user left out that has a suggested start
    (`Param.suggested`: skin analysis's concerns), and say so."""
    for p in endpoint.params:
        if p.suggested and p.required and p.default is None and p.name not in params:
            params[p.name] = chosen = [str(c) for c in p.suggested]
            print(
                f"note: no {p.name} given: using {', '.join(chosen)} (what the docks start with); "
                f"choose with --set {p.name}=a,b,...",
                file=sys.stderr,
            )


def outpaint_command(
    src: str, plan: ExtendPlan, *, aspect: str | None = None, anchor: str = "center", planned_only: bool = False
) -> str:
    """A ready-to-run ``youcam run out-paint …`` line for an `ExtendPlan` of ``src``.

    With an aspect ratio (and no crop or explicit canvas: ``planned_only`` False) the
    line repeats ``--aspect/--anchor``, so `run` plans the same canvas from the photo;
    otherwise it spells out the ten planned sizes. ``src`` given as a size (WxH)
    becomes the placeholder IMAGE.
    """
    # the plan's output limits are those of one generation: the line names it
    words = ["youcam", "run", "out-paint", src if Path(src).is_file() else "IMAGE", "--api", plan.api]
    if aspect and not planned_only:
        words += ["--aspect", aspect, "--anchor", anchor]
    else:
        words += [w for k, v in plan.params.items() for w in ("--set", f"{k}={v}")]
    return " ".join(shlex.quote(w) for w in words)


def _plan_outpaint(args: argparse.Namespace, endpoint: Endpoint, params: JsonObject) -> Source:
    """Out-paint's ten sizes from ``--aspect/--anchor`` (as `youcam extend-plan` plans them).

    Returns the source to upload: the photo's path, or the pre-scaled pixels when the
    plan had to shrink the photo to keep the canvas inside the output limits.
    """
    from napari_youcam.imaging import plan_extend, prescale_image, read_image_file

    if not args.aspect:
        raise InputError("--anchor needs --aspect (e.g. --aspect 16:9 --anchor left)")
    if not args.src:
        raise InputError("out-paint needs a source image")
    given = sorted(k for k in params if k.startswith(("output_", "input_", "crop_input_")))
    if given:
        raise InputError(f"give either --aspect/--anchor or --set {given[0]}=..., not both")
    image = read_image_file(args.src, what="source")
    h, w = image.shape[:2]
    plan = plan_extend(w, h, aspect=args.aspect, anchor=args.anchor or "center", api=endpoint.api)
    params.update(plan.params)
    for line in [*plan.notes, *plan.warnings]:
        print(f"note: out-paint: {line}", file=sys.stderr)
    return prescale_image(image, plan) if plan.prescale < 1.0 else args.src


def _with_face_advice(bar: ProgressFn, feature: str, src: str | None, frame: int | None = None) -> ProgressFn:
    """`bar`, plus the advisory face check printed once the inputs passed validation.

    Skin analysis, the face analyzer, makeup transfer, hair features... fail on the
    service (and some after charging) without one clear face, or with a face under
    60 % of the width. The check runs when workflow reports "preparing" — after
    validation, before any upload — and only warns: the detector can miss a face the
    service would find, so the run goes on.
    """
    from napari_youcam.imaging.faces import FACE_RULES

    if not src or feature not in FACE_RULES:
        return bar
    said: list[bool] = []

    def progress(stage: str, fraction: float) -> None:
        if stage == "preparing" and not said:
            said.append(True)
            for warning in _face_warnings(feature, src, frame):
                print(f"warning: face check (advisory): {warning}", file=sys.stderr)
        bar(stage, fraction)

    return progress


def _face_warnings(feature: str, src: str, frame: int | None = None) -> list[str]:
    from napari_youcam import features as F
    from napari_youcam.errors import YouCamError
    from napari_youcam.imaging import face_check, read_image_file

    try:
        image = read_image_file(src, frame=frame)
    except YouCamError:  # workflow reports unreadable sources itself
        return []
    short_min = F.endpoint_for(feature).limits.short_min
    return list(face_check(image, feature, short_min=short_min).warnings)


def cmd_resume(args: argparse.Namespace) -> int:
    from napari_youcam import workflow

    rec = workflow.read_job(args.job_dir)  # InputError (exit 2) when there is no record
    # A finished job is answered from its folder: no client, no sandbox, no request.
    client = _client(args, api=rec.get("api")) if workflow.needs_service(args.job_dir) else None
    bar = _Bar()
    cancel = threading.Event()
    job = {"dir": Path(args.job_dir)}

    def work() -> JobResult:
        return workflow.resume(args.job_dir, client=client, progress=bar, cancel=cancel, deadline=args.timeout)

    try:
        res = _in_thread(work, cancel, job)
    finally:
        bar.close()
    if res is None:
        return 130
    _print_result(args, res, client)
    return 0


def _in_thread(work: Callable[[], T], cancel: threading.Event, job: dict[str, Path]) -> T | None:
    """``work()`` with Ctrl-C as a cancel; None when abandoned.

    The first Ctrl-C sets ``cancel`` (free before the task exists; after that the
    paid result is still awaited); the second abandons the job and names the
    command that picks it up again from its folder (``job["dir"]`` once known).
    """

    def abandoned() -> str:
        from napari_youcam.workflow import resume_command

        hint = f"; resume it with: {resume_command(job['dir'])}" if "dir" in job else ""
        return f"abandoned; a created task may still be billed{hint}"

    return interruptible(
        work,
        cancel=cancel.set,
        cancelling="cancelling: if the task was already created it cannot be cancelled; "
        "waiting to save the paid result (Ctrl-C again to abandon it)",
        abandoned=abandoned,
    )


def _print_result(args: argparse.Namespace, res: JobResult, client: Client | None) -> None:
    if not args.json:  # the paid result's paths first, before any further request
        for f in res.files:
            print(f)
        print(res.sidecar, flush=True)
    units = units_after(client, res)
    if args.json:
        data = res.data
        if data is not None and not isinstance(data, (dict, list, str, int, float, bool)):
            data = _skin_json(data)
        print(
            json.dumps(
                {
                    "feature": res.feature,
                    "api": res.api,
                    "variant": res.variant,
                    "task_id": res.task_id,
                    "kind": res.kind,
                    "files": [str(f) for f in res.files],
                    "sidecar": str(res.sidecar),
                    "sandbox": res.sandbox,
                    "cancel_requested": res.cancel_requested,
                    "reused_from": res.reused_from,
                    "data": data,
                    **_analysis_table(res.feature, data),
                    "notes": res.notes,
                    **units,
                },
                indent=2,
                default=str,
            )
        )
    if res.reused_from:
        print(
            f"note: identical to job {res.reused_from}: its result was reused, nothing was sent or charged "
            "(--again pays for a new one)",
            file=sys.stderr,
        )
    if res.cancel_requested:
        print("note: cancel came after the task was created; the paid result was saved", file=sys.stderr)
    if client is not None:
        print(units_line(units), file=sys.stderr)
    if res.sandbox:
        print("SANDBOX: the files above are synthetic (no credentials configured)", file=sys.stderr)


def _analysis_table(feature: str, data: object) -> JsonObject:
    """``{"table": [[attribute, value], ...]}`` for an analyzer's JSON result, else nothing."""
    from napari_youcam.features.analysis import RESULT_FIELDS, analysis_rows

    if feature not in RESULT_FIELDS or not isinstance(data, dict):
        return {}
    return {"table": [list(row) for row in analysis_rows(feature, data)]}


def units_after(client: Client | None, res: JobResult) -> JsonObject:
    """What the job cost and what is left: ``units_charged``, ``charge_source``, ``balance``.

    The charge is the task's entry in the credit history when the service lists it
    ("history"), else the documented cost ("documented"); a unit endpoint that
    fails leaves None — the run itself succeeded, so this never raises.
    """
    from napari_youcam import features as F

    out: JsonObject = {"units_charged": None, "charge_source": None, "balance": None}
    if client is None:  # a finished job answered from its folder: nothing new was charged
        return out
    if res.reused_from:  # answered from an identical earlier job: nothing is sent, not even a balance query
        out.update(units_charged=0.0, charge_source="reused")
        return out
    try:
        history = client.credit_history(page_size=30).get("history") or []
        entries = [h for h in history if isinstance(h, dict) and str(h.get("target_id")) == str(res.task_id)]
        if entries:
            charges = [c for h in entries for c in (h.get("info") or {}).get("credits") or []]
            # the history lists a charge as a negative amount; the sign is not documented
            out.update(
                units_charged=abs(sum(float(c.get("amount_dec", c.get("amount", 0))) for c in charges)),
                charge_source="history",
            )
    except (YouCamError, ValueError, TypeError, AttributeError):
        pass
    if out["units_charged"] is None:
        try:
            cost = F.unit_cost(F.endpoint_for(res.feature, res.api, res.variant), res.params)
        except (YouCamError, ValueError, TypeError, KeyError):
            cost = None
        if cost is not None:
            out.update(units_charged=cost, charge_source="documented")
    with contextlib.suppress(YouCamError):
        out["balance"] = client.credits()
    return out


def units_line(units: JsonObject) -> str:
    """``units: 2 charged · 99998 left`` for the end of a run."""
    charged = units["units_charged"]
    if charged is None:
        cost = "charge unknown (not in the credit history, cost not documented)"
    elif units["charge_source"] == "reused":
        return "units: 0 charged (reused an identical earlier result)"
    elif units["charge_source"] == "documented":
        cost = f"{charged:g} charged (documented cost; not in the credit history yet)"
    else:
        cost = f"{charged:g} charged"
    left = "balance unknown" if units["balance"] is None else f"{units['balance']:g} left"
    return f"units: {cost} · {left}"


def _skin_json(skin: object) -> JsonObject | str:
    """A skin ZIP's result as JSON (scores and mask names); anything else as its repr."""
    from napari_youcam.imaging.skin import SkinResult

    if not isinstance(skin, SkinResult):
        return repr(skin)
    return {
        "skin_age": skin.skin_age,
        "overall": skin.overall,
        "scores": {k: {"raw_score": v.raw_score, "ui_score": v.ui_score} for k, v in skin.scores.items()},
        "masks": sorted(skin.masks),
    }


def cmd_templates(args: argparse.Namespace) -> int:
    client = _client(args)
    items = client.templates(args.feature, api=args.api)
    if args.json:
        print(json.dumps([t.__dict__ for t in items], indent=2))
        return 0
    for t in items:
        group = f"group={t.group_id} " if t.group_id is not None else ""
        print(f"{t.id}\t{group}{t.title}" + (f"\t[{t.category}]" if t.category else ""))
    if not items:
        print("no templates", file=sys.stderr)
    return 0


def cmd_credits(args: argparse.Namespace) -> int:
    client = _client(args)
    total = client.credits()
    if args.json:
        print(json.dumps({"units": total, "sandbox": client.is_sandbox}))
    else:
        print(f"{total:g} units" + (" (sandbox)" if client.is_sandbox else ""))
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from napari_youcam.sandbox import Sandbox

    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port}: use a port in 0..65535 (0 = any free port)")
    sb = Sandbox(port=args.port)
    try:
        sb.start()
    except (OSError, OverflowError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise InputError(f"cannot listen on port {args.port}: {why}") from None
    try:
        print(f"sandbox listening at {sb.base_url} (synthetic results, no real units)")
        print(f"export YOUCAM_BASE_URL={sb.base_url}")
        print(f"export YOUCAM_API_KEY={sb.api_key}")
        print(f"# v1: export YOUCAM_CLIENT_ID={sb.client_id} YOUCAM_CLIENT_SECRET={sb.client_secret}")
        sys.stdout.flush()
        end = None if args.duration is None else time.monotonic() + args.duration
        while end is None or time.monotonic() < end:
            time.sleep(0.1 if end is not None else 0.5)
    except KeyboardInterrupt:
        print("stopping the sandbox", file=sys.stderr)
    finally:
        sb.stop()
    return 0
