"""`resume`: finish a job from its folder when `run` stopped after the task was created.

A created task is billed when it succeeds, whether or not anybody fetches the
result. When `run` stopped early — its deadline passed while the task was still
running, the process was interrupted, or the download failed — the task id is in
the job folder's ``youcam-job.json``. `resume` polls that same task (no create
request, so nothing new is charged), downloads into the same folder, and updates
the record, through the very steps `run` uses (`_wait_step`, `_download_step`,
`_write_step`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from napari_youcam.errors import InputError
from napari_youcam.workflow.run import (
    JobResult,
    ProgressFn,
    _cancelled,
    _check_deadline,
    _decode,
    _download_step,
    _load_image,
    _output_kind,
    _Progress,
    _wait_step,
    _write_step,
)
from napari_youcam.workflow.sidecar import (
    Sidecar,
    load_sidecar,
    now_iso,
    service_host,
    sha256_of,
)

#: statuses whose result files are already in the folder (nothing to ask the service)
_SAVED = ("done", "saved", "saved_undecoded")


def read_job(job_dir: str | Path) -> dict[str, Any]:
    """The job record of a folder (a copy); `InputError` when there is none."""
    return dict(load_sidecar(job_dir).record)


def needs_service(job_dir: str | Path) -> bool:
    """False when `resume` can answer from the folder alone (result files all present)."""
    side = load_sidecar(job_dir)
    return _saved_files(side) is None


def resume(job_dir: str | Path, *, client: Any = None, progress: ProgressFn | None = None,
           cancel: Any = None, deadline: float = 600.0, source: Any = None) -> JobResult:
    """Finish the job recorded in ``job_dir`` without creating (or paying for) a new task.

    Reads ``youcam-job.json`` (feature, api, variant, params, task id, transform),
    polls the existing task, downloads its result into the same folder, updates
    the record (``resumed_at``) and returns a `JobResult` like `run` does. A job
    that is already ``done`` returns its files without any request.

    ``source`` (optional): the original source image, used only to paste a result
    of a cropped fit back into the full frame; it must match the recorded hash.

    Raises `InputError` when the folder has no record, the record has no task id
    (the create request may not have reached the service), or ``client`` talks to
    another API generation or host than the one the task was created on;
    `TaskExpiredError` when the service no longer knows the task.
    """
    from napari_youcam import features as F
    from napari_youcam.api.errors import TaskExpiredError

    report = _Progress(progress)
    t_start = time.monotonic()
    report("validating", 0.0)
    deadline = _check_deadline(deadline)
    sidecar = load_sidecar(job_dir)
    rec = sidecar.record
    job_dir = sidecar.path.parent
    spec = F.get(rec["feature"])
    api = str(rec.get("api") or "v2")
    params = dict(rec.get("params") or {})
    status = rec.get("status")
    task_id = rec.get("task_id")
    if not task_id:
        raise InputError(_no_task_message(job_dir, status))
    try:
        endpoint = spec.endpoint(api, rec.get("variant"))
    except KeyError as exc:
        raise InputError(f"{job_dir}: {exc.args[0] if exc.args else exc}") from None
    kind = str(rec.get("kind") or _output_kind(endpoint, params))
    tf = _transform_from(rec.get("transform"))
    src_arr = _source_for(source, rec)
    times: dict[str, str] = dict(rec.get("times") or {})
    notes: list[str] = [str(n) for n in rec.get("notes") or []]
    if tf is not None and getattr(tf, "crop", None) and src_arr is None and kind in ("image", "images"):
        notes.append("the source was fitted with a crop and is not available here: the result covers the "
                     "cropped region only (pass source= to paste it into the full image)")

    def result(files: list[Path], arrays: list[np.ndarray], data: Any, *, sandbox: bool,
               cancel_requested: bool = False) -> JobResult:
        return JobResult(feature=spec.key, task_id=str(task_id), params=params, files=files,
                         sidecar=sidecar.path, kind=kind, arrays=arrays, data=data, sandbox=sandbox,
                         api=api, variant=endpoint.variant, cancel_requested=cancel_requested, notes=notes)

    # ------------------------------------------------------------ already on disk: no request
    saved = _saved_files(sidecar)
    if saved is not None:
        data = _saved_data(saved)
        if status == "done":
            arrays, data = _decode(spec.key, kind, saved, data, tf, src_arr)
            report("done", 1.0)
        else:  # saved / saved_undecoded: only the local decoding is left
            arrays, data = _write_step(spec.key, kind, saved, data, tf, src_arr, sidecar=sidecar,
                                       times=times, report=report, t_start=t_start)
        notes.append("the result was already in the job folder: nothing was requested")
        return result(saved, arrays, data, sandbox=bool(rec.get("sandbox")),
                      cancel_requested=bool(rec.get("cancel_requested")))
    if status in _SAVED:
        notes.append("result files listed in the record were missing: fetched again from the task")

    # ------------------------------------------------------------ the same service, the same task
    if client is None:
        from napari_youcam.api.session import default_client

        client = default_client(api=api)
    _check_client(client, rec, job_dir)
    # No early exit on cancel: the task exists and is billed on success, so (as in `run`)
    # a cancel is only noted and the result is still fetched and kept.
    now = now_iso()
    history = list(rec.get("resumes") or [])
    history.append({"at": now, "from_status": status, "error": rec.get("error")})
    sidecar.record.pop("error", None)
    times["resumed"] = now
    sidecar.update(resumed_at=now, resumes=history, times=times,
                   service_host=rec.get("service_host") or service_host(client))
    report("waiting", 0.0)
    try:
        res = _wait_step(client, endpoint, str(task_id), sidecar=sidecar, times=times, report=report,
                         cancel=cancel, deadline=deadline, kind=kind, path=rec.get("task_path") or None)
    except TaskExpiredError as exc:
        exc.message = (f"cannot resume task {task_id}: the service no longer knows it — a running task "
                       "expires when it is not polled for about 10 s (and finished results are kept "
                       "only for a limited time); check `youcam credits` and the credit history to see "
                       f"whether it was billed, then run the job again [{exc.message}]")
        exc.args = (exc.message,)
        raise
    cancel_requested = bool(res.cancel_requested or _cancelled(cancel) or rec.get("cancel_requested"))
    sidecar.update(cancel_requested=cancel_requested)
    files = _download_step(client, res, key=spec.key, sidecar=sidecar, times=times, report=report)
    arrays, data = _write_step(spec.key, res.kind, files, res.data, tf, src_arr, sidecar=sidecar,
                               times=times, report=report, t_start=t_start)
    notes.append(f"resumed task {task_id}: no new task was created")
    return result(files, arrays, data, sandbox=bool(getattr(client, "is_sandbox", False) or rec.get("sandbox")),
                  cancel_requested=cancel_requested)


# ---------------------------------------------------------------------- helpers
def _no_task_message(job_dir: Path, status: Any) -> str:
    if status == "create_uncertain":
        why = ("the create request failed without a clear answer, so the task may or may not exist on "
               "the service")
    elif status == "creating":
        why = "the job stopped while (or before) its task was being created, so the task may not exist"
    else:
        why = f"the record (status {status!r}) holds no task id"
    return (f"{job_dir}: nothing to resume: {why}; check `youcam credits` and the credit history for a "
            "charge before running the job again")


def _check_client(client: Any, rec: dict[str, Any], job_dir: Path) -> None:
    """The task can only be polled on the API generation and host that created it."""
    api = str(rec.get("api") or "v2")
    capi = getattr(client, "api", api)
    if capi != api:
        how = ("YOUCAM_CLIENT_ID + YOUCAM_CLIENT_SECRET" if api == "v1" else "YOUCAM_API_KEY")
        raise InputError(f"{job_dir}: this job's task was created on the {api} API but the client uses {capi}: "
                         f"configure {api} credentials ({how})")
    want = rec.get("service_host")
    have = service_host(client)
    if want and have and want != have:
        hint = (" — a sandbox task exists only in the sandbox process that created it"
                if rec.get("sandbox") else "")
        raise InputError(f"{job_dir}: this job's task lives on {want} but the client talks to {have}: "
                         f"point it at {want} (--base-url or YOUCAM_BASE_URL){hint}")


def _saved_files(sidecar: Sidecar) -> list[Path] | None:
    """The result files of a saved job when all of them are in its folder, else None."""
    rec = sidecar.record
    names = rec.get("files") or []
    if rec.get("status") not in _SAVED or not names:
        return None
    paths = [sidecar.path.parent / str(n) for n in names]
    if any(Path(str(n)).name != str(n) for n in names):  # a record pointing outside its folder
        raise InputError(f"{sidecar.path}: the record lists files outside the job folder")
    return paths if all(p.is_file() for p in paths) else None


def _saved_data(files: list[Path]) -> Any:
    # The result data is written last (`_download_step`), after any downloaded .json.
    for p in reversed(files):
        if p.suffix.lower() == ".json":
            try:
                return json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(f"{p}: the saved JSON result cannot be read ({exc})") from None
    return None


def _transform_from(d: Any) -> Any:
    if not isinstance(d, dict):
        return None
    from napari_youcam.imaging import Transform

    try:
        crop = d.get("crop")
        return Transform(tuple(int(v) for v in d["src_size"]), tuple(int(v) for v in d["out_size"]),
                         float(d.get("scale", 1.0)), tuple(int(v) for v in crop) if crop else None)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"the job record's transform is not readable ({exc})") from None


def _source_for(source: Any, rec: dict[str, Any]) -> np.ndarray | None:
    if source is None:
        return None
    want = rec.get("source_sha256")
    if want and sha256_of(source) != want:
        raise InputError("source: this is not the image the job was run on (its hash differs from the record)")
    arr = _load_image(source, "source")
    shape = rec.get("source_shape")
    if shape and list(arr.shape) != list(shape):
        raise InputError(f"source: shape {list(arr.shape)} differs from the recorded {list(shape)}")
    return arr
