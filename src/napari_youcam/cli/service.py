"""`youcam features | run | resume | templates | credits | sandbox` — the service half of the CLI.

Every command talks to the service through `napari_youcam.api.session.default_client`
so it works out of the box: without credentials it runs on the bundled local
sandbox and says so on stderr ("SANDBOX: ... synthetic"). Errors are raised as
`YouCamError`s; the dispatcher turns them into one line and the exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

from napari_youcam.api.session import SANDBOX_NOTICE
from napari_youcam.errors import InputError



def register(subparsers: Any) -> None:
    p = subparsers.add_parser("features", help="list the service features and their parameters")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("feature", nargs="?", help="show one feature in detail")
    p.set_defaults(func=cmd_features)

    p = subparsers.add_parser("run", help="run a feature on an image/video and save the result")
    p.add_argument("feature", help="feature key, e.g. sod, skin-analysis, obj-removal")
    p.add_argument("src", nargs="?", help="source image or video (omit for text-to-image)")
    p.add_argument("--mask", help="mask image (white/non-zero = area to change)")
    p.add_argument("--ref", action="append", default=[], metavar="PATH", help="reference image (repeatable)")
    p.add_argument("--set", action="append", default=[], metavar="K=V", dest="sets",
                   help="parameter, e.g. --set scale=2; numbers, true/false and lists are parsed as JSON, "
                        "text parameters (prompt, ids, colours) are taken verbatim")
    p.add_argument("--variant", help="endpoint variant (see `youcam features FEATURE`)")
    p.add_argument("--out", help="results folder (default: YOUCAM_RESULTS_DIR or the user data dir)")
    p.add_argument("--api", choices=("v2", "v1"), help="API generation (default: from the credentials)")
    p.add_argument("--base-url", help="service base URL (default: YOUCAM_BASE_URL or the documented host)")
    p.add_argument("--timeout", type=float, default=600.0, help="overall deadline in seconds (default 600)")
    p.add_argument("--no-face-check", action="store_true",
                   help="skip the local, advisory check of the documented face rules")
    p.add_argument("--again", action="store_true",
                   help="pay for a new task even when an identical job in the results folder already has "
                        "the result (default: reuse it, or resume an identical unfinished one)")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.set_defaults(func=cmd_run)

    p = subparsers.add_parser(
        "resume", help="finish a job that stopped after its task was created (deadline, interrupt, "
                       "failed download) from its job folder; creates no new task, so no new charge")
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
    p.add_argument("--for", dest="duration", type=float, default=None, metavar="SECONDS",
                   help="stop after this many seconds (default: until Ctrl-C)")
    p.set_defaults(func=cmd_sandbox)


# ---------------------------------------------------------------------- helpers
def _client(args: argparse.Namespace, *, api: str | None = None) -> Any:
    from napari_youcam.api.session import default_client

    client = default_client(api=api or getattr(args, "api", None), base_url=getattr(args, "base_url", None))
    if getattr(client, "is_sandbox", False):
        print(SANDBOX_NOTICE, file=sys.stderr)
    return client


def parse_sets(items: list[str], *, text: Any = ()) -> dict[str, Any]:
    """``k=v`` pairs; values parsed as JSON (numbers, true/false, lists, objects) else text.

    Names in ``text`` (the feature's text parameters: prompts, ids, colours, named
    choices) keep the value verbatim, so ``--set prompt=1984`` or ``prompt=null``
    is the text the user typed, not a number or a missing value.
    """
    text = set(text or ())
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--set {item!r}: expected NAME=VALUE")
        k, v = item.split("=", 1)
        k = k.strip()
        if not k:
            raise InputError(f"--set {item!r}: the name is empty")
        if k in text:
            out[k] = v
            continue
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


def text_params(feature: Any) -> set[str]:
    """Parameter names of a feature whose values are text on every endpoint."""
    from napari_youcam import features as F

    spec = F.get(feature)
    text: set[str] = set()
    other: set[str] = set()
    for e in spec.endpoints:
        for p in e.params:
            is_text = p.kind in ("str", "color") or (
                p.kind == "enum" and bool(p.choices) and all(isinstance(c, str) for c in p.choices))
            (text if is_text else other).add(p.name)
    return text - other


class _Bar:
    """A one-line progress bar on stderr (plain stage lines when not a terminal)."""

    def __init__(self, stream: Any = None, width: int = 24):
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_stage: str | None = None
        self.lock = threading.Lock()

    def __call__(self, stage: str, fraction: float) -> None:
        with self.lock:
            if self.tty:
                n = int(round(fraction * self.width))
                self.stream.write(f"\r[{'#' * n}{'.' * (self.width - n)}] {fraction * 100:3.0f}% {stage:<12}")
                if stage == "done":
                    self.stream.write("\n")
                self.stream.flush()
            # Not a terminal (pipes, CI logs): stay quiet so stderr carries only the
            # notices and, on failure, the one error line.
            self.last_stage = stage


def _spec_json(spec: Any) -> dict[str, Any]:
    eps = []
    for e in spec.endpoints:
        eps.append({
            "api": e.api, "variant": e.variant, "task_path": e.task_path, "output": e.output,
            "units": e.units,
            "inputs": [{"role": i.role, "kind": i.kind, "required": i.required, "many": i.many}
                       for i in e.inputs],
            "params": [{"name": p.name, "kind": p.kind, "required": p.required, "default": p.default,
                        "minimum": p.minimum, "maximum": p.maximum, "choices": list(p.choices),
                        "help": p.help} for p in e.params],
            "limits": {"long_max": e.limits.long_max, "long_strict": e.limits.long_strict,
                       "short_min": e.limits.short_min, "formats": list(e.limits.formats),
                       "max_bytes": e.limits.max_bytes, "text": e.limits.describe()},
        })
    return {"key": spec.key, "title": spec.title, "family": spec.family, "apis": list(spec.apis),
            "summary": spec.summary, "endpoints": eps}


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
            print(f"  {e.api}:{e.variant}  POST {e.task_path}  inputs: {ins}  output: {e.output}"
                  + (f"  units: {e.units}" if e.units else ""))
            print(f"      limits: {e.limits.describe()}")
            for p in e.params:
                rng = ""
                if p.choices:
                    rng = " {" + "|".join(map(str, p.choices)) + "}"
                elif p.minimum is not None or p.maximum is not None:
                    rng = f" [{p.minimum}..{p.maximum}]"
                req = " (required)" if p.required else ""
                dflt = f" default={p.default}" if p.default is not None else ""
                print(f"      --set {p.name}=<{p.kind}>{rng}{req}{dflt}")
        return 0
    for s in specs:
        apis = "/".join(s.apis)
        print(f"{s.key:<20} {apis:<6} {s.family:<11} {s.title}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from napari_youcam import workflow

    params = parse_sets(args.sets, text=text_params(args.feature))
    for label, path in [("source", args.src), ("mask", args.mask), *[("ref", r) for r in args.ref]]:
        if path and not Path(path).is_file():
            raise InputError(f"{label}: no such file: {path}")
    client = _client(args)
    bar = _Bar()
    cancel = threading.Event()
    job: dict[str, Path] = {}

    progress = bar if args.no_face_check else _with_face_advice(bar, args.feature, args.src)

    def work() -> Any:
        return workflow.run(
            args.feature, args.src, mask=args.mask, refs=tuple(args.ref), params=params,
            api=args.api, variant=args.variant, client=client, out_dir=args.out,
            progress=progress, cancel=cancel, deadline=args.timeout, on_job_dir=lambda d: job.setdefault("dir", d),
            again=args.again)

    res = _in_thread(work, cancel, job)
    if res is None:
        return 130
    _print_result(args, res, bar)
    return 0


def _with_face_advice(bar: Any, feature: str, src: str | None) -> Any:
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
            for warning in _face_warnings(feature, src):
                print(f"warning: face check (advisory): {warning}", file=sys.stderr)
        bar(stage, fraction)

    return progress


def _face_warnings(feature: str, src: str) -> list[str]:
    from napari_youcam.errors import YouCamError
    from napari_youcam.imaging import face_check, read_image_file

    try:
        image = read_image_file(src)
    except YouCamError:  # workflow reports unreadable sources itself
        return []
    return list(face_check(image, feature).warnings)


def cmd_resume(args: argparse.Namespace) -> int:
    from napari_youcam import workflow

    rec = workflow.read_job(args.job_dir)  # InputError (exit 2) when there is no record
    # A finished job is answered from its folder: no client, no sandbox, no request.
    client = _client(args, api=rec.get("api")) if workflow.needs_service(args.job_dir) else None
    bar = _Bar()
    cancel = threading.Event()
    job = {"dir": Path(args.job_dir)}

    def work() -> Any:
        return workflow.resume(args.job_dir, client=client, progress=bar, cancel=cancel,
                               deadline=args.timeout)

    res = _in_thread(work, cancel, job)
    if res is None:
        return 130
    _print_result(args, res, bar)
    return 0


def _in_thread(work: Any, cancel: threading.Event, job: dict[str, Path]) -> Any:
    """Run ``work()`` on a thread so Ctrl-C only requests a cancel; None when abandoned.

    The first Ctrl-C sets ``cancel`` (free before the task exists; after that the
    paid result is still awaited); the second abandons the job and names the
    command that picks it up again from its folder (``job["dir"]`` once known).
    """
    box: dict[str, Any] = {}
    finished = threading.Event()

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # re-raised on the main thread
            box["error"] = exc
        finally:
            finished.set()

    t = threading.Thread(target=target, name="youcam-job", daemon=True)
    t.start()
    interrupts = 0
    # Wait on our own event, not Thread.join/is_alive: on CPython < 3.13 a Ctrl-C that
    # lands inside join(timeout) can make is_alive() report False while the job still
    # runs, which would drop a paid result.
    while not finished.is_set():
        try:
            finished.wait(0.2)
        except KeyboardInterrupt:
            interrupts += 1
            cancel.set()
            if interrupts == 1:
                print("\ncancelling: if the task was already created it cannot be cancelled; "
                      "waiting to save the paid result (Ctrl-C again to abandon it)", file=sys.stderr)
            else:
                from napari_youcam.workflow import resume_command

                hint = (f"; resume it with: {resume_command(job['dir'])}" if "dir" in job else "")
                print(f"abandoned; a created task may still be billed{hint}", file=sys.stderr)
                return None
    if "error" in box:
        raise box["error"]
    return box["result"]


def _print_result(args: argparse.Namespace, res: Any, bar: _Bar) -> None:
    if bar.tty and bar.last_stage != "done":
        print(file=sys.stderr)
    if args.json:
        data = res.data
        if data is not None and not isinstance(data, (dict, list, str, int, float, bool)):
            data = _skin_json(data)
        print(json.dumps({"feature": res.feature, "api": res.api, "variant": res.variant,
                          "task_id": res.task_id, "kind": res.kind, "files": [str(f) for f in res.files],
                          "sidecar": str(res.sidecar), "sandbox": res.sandbox,
                          "cancel_requested": res.cancel_requested, "reused_from": res.reused_from,
                          "data": data, "notes": res.notes},
                         indent=2, default=str))
    else:
        for f in res.files:
            print(f)
        print(res.sidecar)
    if res.reused_from:
        print(f"note: identical to job {res.reused_from}: its result was reused, nothing was sent or charged "
              "(--again pays for a new one)", file=sys.stderr)
    if res.cancel_requested:
        print("note: cancel came after the task was created; the paid result was saved", file=sys.stderr)
    if res.sandbox:
        print("SANDBOX: the files above are synthetic (no credentials configured)", file=sys.stderr)


def _skin_json(skin: Any) -> Any:
    scores = getattr(skin, "scores", None)
    if scores is None:
        return repr(skin)
    return {"skin_age": getattr(skin, "skin_age", None), "overall": getattr(skin, "overall", None),
            "scores": {k: {"raw_score": getattr(v, "raw_score", None), "ui_score": getattr(v, "ui_score", None)}
                       for k, v in scores.items()},
            "masks": sorted(getattr(skin, "masks", {}).keys())}


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
        print(json.dumps({"units": total, "sandbox": bool(getattr(client, "is_sandbox", False))}))
    else:
        print(f"{total:g} units" + (" (sandbox)" if getattr(client, "is_sandbox", False) else ""))
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from napari_youcam.sandbox import Sandbox

    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port}: use a port in 0..65535 (0 = any free port)")
    sb = Sandbox(port=args.port)
    try:
        sb.start()
    except (OSError, OverflowError) as exc:
        raise InputError(f"cannot listen on port {args.port}: {exc.strerror or exc}") from None
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
