"""`resume`: finish a job from its folder when `run` stopped after the task was created.

A created task is billed when it succeeds, whether or not anybody fetches the
result. When `run` stopped early — its deadline passed while the task was still
running, the process was interrupted, or the download failed — the task id is in
the job folder's ``youcam-job.json``. `resume` polls that same task (no create
request, so nothing new is charged), downloads into the same folder, and updates
the record, through the very steps `run` uses (`workflow.steps`).

A job folder is untrusted input (it may come from a colleague, a shared drive or
an archive): every URL is built from the client's configured base URL and the
catalogue's path for the recorded feature; a record naming another host, an
unknown feature/variant/generation or another task path is refused before any
request (`check_record`), and so is such a record read from the job store.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Literal

import numpy as np

from napari_youcam import features as F
from napari_youcam.api import ServiceClient
from napari_youcam.connect import default_client
from napari_youcam.errors import InputError
from napari_youcam.features import Endpoint
from napari_youcam.imaging import Transform
from napari_youcam.limits import JsonObject
from napari_youcam.workflow.inputs import ImageSource
from napari_youcam.workflow.jobs import HAS_RESULT, JobRecord, JobStatus, content_hash
from napari_youcam.workflow.sidecar import Sidecar, load_sidecar, now_iso, service_host
from napari_youcam.workflow.steps import (
    CancelToken,
    JobResult,
    Progress,
    ProgressFn,
    ResultData,
    _cancelled,
    _check_deadline,
    _decode,
    _load_image,
    _output_kind,
    _wait_step,
    _write_step,
    download_step,
    repoll,
    result_data,
    saved_data,
)
from napari_youcam.workflow.store import JobStore

log = logging.getLogger("napari_youcam.workflow")


def read_job(job_dir: str | Path) -> JsonObject:
    """The job record of a folder as JSON (a copy); `InputError` when there is none or it is broken."""
    return load_sidecar(job_dir).record.to_json()


def needs_service(job_dir: str | Path) -> bool:
    """False when `resume` can answer from the folder alone (result files all present)."""
    return _saved_files(load_sidecar(job_dir)) is None


def check_record(rec: JobRecord, *, where: str) -> Endpoint:
    """The catalogue endpoint of an untrusted record; `InputError` when it names anything else.

    Refused: an unknown feature, generation or variant, and a task path other than
    the catalogue's path for that endpoint (an absolute URL to another host, say).
    """
    spec = F.get(rec.feature)  # InputError naming close matches when unknown
    api: Literal["v1", "v2"] | None = "v1" if rec.api == "v1" else "v2" if rec.api == "v2" else None
    if api is None:
        raise InputError(f"{where}: unknown API generation {rec.api!r} in the job record; refusing to send anything")
    try:
        endpoint = spec.endpoint(api, rec.variant)
    except KeyError as exc:
        raise InputError(f"{where}: {exc.args[0] if exc.args else exc}") from None
    if rec.task_path is not None and rec.task_path != endpoint.task_path:
        raise InputError(
            f"{where}: the record's task path {rec.task_path!r} is not the catalogue's path "
            f"for {spec.key} ({rec.api}, {endpoint.variant}): the record was edited or damaged; "
            "refusing to send anything"
        )
    return endpoint


def resume(
    job_dir: str | Path,
    *,
    client: ServiceClient | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    deadline: float = 600.0,
    source: ImageSource | None = None,
) -> JobResult:
    """Finish the job recorded in ``job_dir`` without creating (or paying for) a new task.

    Reads ``youcam-job.json`` (feature, api, variant, params, task id, transform),
    polls the existing task, downloads its result into the same folder, updates
    the record (``resumed_at``) and returns a `JobResult` like `run` does. A job
    whose files are all in its folder returns them without any request.

    ``source`` (optional): the original source image, used only to paste a result
    of a cropped fit back into the full frame; its content must match the record.

    Raises `InputError` when the folder has no record, the record is damaged or
    names another host/path (`check_record`), has no task id, or ``client`` talks
    to another API generation or host; an error with its `job` set when the task failed or is gone.
    """
    report = Progress(progress)
    t_start = time.monotonic()
    report("validating", 0.0)
    deadline = _check_deadline(deadline)
    sidecar = load_sidecar(job_dir)
    rec = sidecar.record
    endpoint = check_record(rec, where=str(sidecar.path))
    if not rec.task_id:
        raise InputError(_no_task_message(sidecar.job_dir, rec.status))
    kind = rec.kind or _output_kind(endpoint, rec.params)
    tf = _transform_from(rec.transform)
    src_arr = _source_for(source, rec)
    notes = [str(n) for n in rec.notes]
    if tf is not None and tf.crop and src_arr is None and kind in ("image", "images"):
        notes.append(
            "the source was fitted with a crop and is not available here: the result covers the "
            "cropped region only (pass source= to paste it into the full image)"
        )

    # ------------------------------------------------------------ already on disk: no request
    saved = _saved_files(sidecar)
    if saved is not None:
        arrays, data = _decode_saved(sidecar, saved, kind, tf, src_arr, report=report, t_start=t_start)
        notes.append("the result was already in the job folder: nothing was requested")
        return _job_result(sidecar, endpoint, kind, saved, arrays, data, notes=notes, sandbox=rec.sandbox)
    if rec.status in HAS_RESULT:
        notes.append("result files listed in the record were missing: fetched again from the task")

    # ------------------------------------------------------------ the same service, the same task
    if client is None:
        client = default_client(api=rec.api)
    files, arrays, data = _fetch_again(
        sidecar, endpoint, client, kind, tf, src_arr, report=report, cancel=cancel, deadline=deadline, t_start=t_start
    )
    notes.append(f"resumed task {rec.task_id}: no new task was created")
    sandbox = client.is_sandbox or rec.sandbox
    return _job_result(sidecar, endpoint, kind, files, arrays, data, notes=notes, sandbox=sandbox)


def _fetch_again(
    sidecar: Sidecar,
    endpoint: Endpoint,
    client: ServiceClient,
    kind: str,
    tf: Transform | None,
    src_arr: np.ndarray | None,
    *,
    report: Progress,
    cancel: CancelToken | None,
    deadline: float,
    t_start: float,
) -> tuple[list[Path], list[np.ndarray], ResultData]:
    """Poll the recorded task again, then download, write and decode its result, as `run` does."""
    rec = sidecar.record
    _check_client(client, rec, sidecar.job_dir)
    _attach_store(sidecar)
    # No early exit on cancel: the task exists and is billed on success, so (as in `run`)
    # a cancel is only noted and the result is still fetched and kept.
    now = now_iso()
    history = [*rec.resumes, {"at": now, "from_status": rec.status.value, "error": rec.error}]
    times = rec.times
    times["resumed"] = now
    sidecar.update(
        resumed_at=now, resumes=history, times=times, error=None, service_host=rec.service_host or service_host(client)
    )
    report("waiting", 0.0)
    task_id = str(rec.task_id)
    res = _wait_step(
        client,
        endpoint,
        task_id,
        sidecar=sidecar,
        times=times,
        report=report,
        cancel=cancel,
        deadline=deadline,
        kind=kind,
        resuming=True,
    )
    sidecar.update(cancel_requested=bool(res.cancel_requested or _cancelled(cancel) or rec.cancel_requested))
    refresh = repoll(client, endpoint, task_id, kind, deadline)
    files = download_step(client, res, key=rec.feature, sidecar=sidecar, times=times, report=report, refresh=refresh)
    arrays, data = _write_step(
        rec.feature,
        res.kind,
        files,
        result_data(files, res),
        tf,
        src_arr,
        sidecar=sidecar,
        times=times,
        report=report,
        t_start=t_start,
    )
    return files, arrays, data


def _job_result(
    sidecar: Sidecar,
    endpoint: Endpoint,
    kind: str,
    files: list[Path],
    arrays: list[np.ndarray],
    data: ResultData,
    *,
    notes: list[str],
    sandbox: bool,
) -> JobResult:
    """The `JobResult` of a resumed (or already saved) job, from its record."""
    rec = sidecar.record
    return JobResult(
        feature=rec.feature,
        task_id=str(rec.task_id),
        params=rec.params,
        files=files,
        sidecar=sidecar.path,
        kind=kind,
        arrays=arrays,
        data=data,
        sandbox=sandbox,
        api=rec.api,
        variant=endpoint.variant,
        cancel_requested=rec.cancel_requested,
        notes=notes,
        reused_from=rec.reused_from,
    )


def _decode_saved(
    sidecar: Sidecar,
    saved: list[Path],
    kind: str,
    tf: Transform | None,
    src_arr: np.ndarray | None,
    *,
    report: Progress,
    t_start: float,
) -> tuple[list[np.ndarray], ResultData]:
    """Arrays and data of a job whose files are all in its folder (finishing a ``saved`` one)."""
    rec = sidecar.record
    data = saved_data(saved)
    if rec.status in (JobStatus.DONE, JobStatus.REUSED):
        arrays, data = _decode(rec.feature, kind, saved, data, tf, src_arr)
        report("done", 1.0)
        return arrays, data
    _attach_store(sidecar)  # saved / saved_undecoded: only the local decoding is left
    return _write_step(
        rec.feature, kind, saved, data, tf, src_arr, sidecar=sidecar, times=rec.times, report=report, t_start=t_start
    )


def _attach_store(sidecar: Sidecar) -> None:
    """Index the job's changes in its results folder's store (best effort: the folder is the truth)."""
    try:
        sidecar.on_write = JobStore.open(sidecar.job_dir.parent).record
    except Exception:
        log.warning("job store beside %s unavailable; the job folder keeps the record", sidecar.job_dir, exc_info=True)


# ---------------------------------------------------------------------- helpers
def _no_task_message(job_dir: Path, status: JobStatus) -> str:
    if status == "create_uncertain":
        why = "the create request failed without a clear answer, so the task may or may not exist on the service"
    elif status == "creating":
        why = "the job stopped while (or before) its task was being created, so the task may not exist"
    else:
        why = f"the record (status {status!r}) holds no task id"
    return (
        f"{job_dir}: nothing to resume: {why}; check `youcam credits` and the credit history for a "
        "charge before running the job again"
    )


def _check_client(client: ServiceClient, rec: JobRecord, job_dir: Path) -> None:
    """The task can only be polled on the API generation and host that created it."""
    capi = client.api
    if capi != rec.api:
        how = "YOUCAM_CLIENT_ID + YOUCAM_CLIENT_SECRET" if rec.api == "v1" else "YOUCAM_API_KEY"
        raise InputError(
            f"{job_dir}: this job's task was created on the {rec.api} API but the client uses "
            f"{capi}: configure {rec.api} credentials ({how})"
        )
    have = service_host(client)
    if rec.service_host and rec.service_host != have:
        hint = " — a sandbox task exists only in the sandbox process that created it" if rec.sandbox else ""
        raise InputError(
            f"{job_dir}: this job's task lives on {rec.service_host} but the client talks to {have}: "
            f"point it at {rec.service_host} (--base-url or YOUCAM_BASE_URL){hint}"
        )


def _saved_files(sidecar: Sidecar) -> list[Path] | None:
    """The result files of a saved job when all of them are in its folder, else None."""
    rec = sidecar.record
    if rec.status not in HAS_RESULT or not rec.files:
        return None
    paths = [sidecar.job_dir / n for n in rec.files]  # plain names: checked by JobRecord.from_json
    return paths if all(p.is_file() for p in paths) else None


def _transform_from(d: JsonObject | None) -> Transform | None:
    if d is None:
        return None
    try:
        crop = d.get("crop")
        (sw, sh), (ow, oh) = (int(v) for v in d["src_size"]), (int(v) for v in d["out_size"])
        box = None
        if crop:
            x, y, w, h = (int(v) for v in crop)
            box = (x, y, w, h)
        return Transform((sw, sh), (ow, oh), float(d.get("scale", 1.0)), box)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"the job record's transform is not readable ({exc})") from None


def _source_for(source: ImageSource | None, rec: JobRecord) -> np.ndarray | None:
    if source is None:
        return None
    arr = _load_image(source, "source")
    if rec.source_sha256 and content_hash(arr) != rec.source_sha256:
        raise InputError("source: this is not the image the job was run on (its content differs from the record)")
    if rec.source_shape and list(arr.shape) != list(rec.source_shape):
        raise InputError(f"source: shape {list(arr.shape)} differs from the recorded {list(rec.source_shape)}")
    return arr
