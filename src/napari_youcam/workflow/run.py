"""`run`: one call from a napari array (or a file) to a result on disk and in memory.

validate → prepare → (answer from the store?) → upload → create → wait → download → write.

Three promises shape this module:
* nothing is spent before everything checkable is checked (`plan`), and a cancel
  before the create request costs nothing;
* never pay twice: a job whose feature, variant, generation, params, input
  contents and service equal those of a finished job in the same results folder is
  answered from that job's files; one that was created but never finished is
  resumed (``again=True`` forces a new paid run);
* once a task was created it is paid for on success, so the job polls to the end
  even when cancelled and writes the files and the record before anything that
  could fail (see `workflow.steps`).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from napari_youcam import features as F
from napari_youcam import imaging
from napari_youcam.api import ServiceClient
from napari_youcam.api.errors import ConnectionFailedError, ServerError, TaskExpiredError
from napari_youcam.connect import default_client
from napari_youcam.errors import InputError, YouCamError
from napari_youcam.imaging import Transform
from napari_youcam.limits import JsonObject
from napari_youcam.workflow.inputs import ImageSource, Source
from napari_youcam.workflow.jobs import JobRecord, JobStatus
from napari_youcam.workflow.plan import Plan, prepare, validate
from napari_youcam.workflow.resume import check_record, resume
from napari_youcam.workflow.sidecar import (
    SIDECAR_NAME,
    Sidecar,
    default_results_dir,
    ensure_results_dir,
    make_job_dir,
    now_iso,
    service_host,
)
from napari_youcam.workflow.steps import (
    STAGES,
    CancelledError,
    CancelToken,
    JobResult,
    Progress,
    ProgressFn,
    ResultSavedError,
    _cancelled,
    _check_deadline,
    _decode,
    _load_image,
    _remove_job_dir,
    _try_update,
    _wait_step,
    _write_step,
    download_step,
    repoll,
    result_data,
    resume_command,
    saved_data,
)
from napari_youcam.workflow.store import STORE_NAME, JobStore

log = logging.getLogger("napari_youcam.workflow")

__all__ = [
    "STAGES",
    "CancelledError",
    "JobResult",
    "ResultSavedError",
    "find_faces",
    "parse_face_boxes",
    "resume_command",
    "run",
    "run_plan",
]


# ---------------------------------------------------------------------- run
def run(
    feature: str,
    source: Source | None = None,
    *,
    mask: ImageSource | None = None,
    refs: Sequence[ImageSource] = (),
    params: JsonObject | None = None,
    api: str | None = None,
    variant: str | None = None,
    client: ServiceClient | None = None,
    out_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    deadline: float = 600.0,
    on_job_dir: Callable[[Path], None] | None = None,
    again: bool = False,
    frame: int | None = None,
) -> JobResult:
    """Run one YouCam feature end to end; the result is on disk before this returns.

    ``source``: an array (any napari dtype/shape: gray, RGB, RGBA, uint8/16, float)
    or an image/video path; a list for multi-source endpoints. ``mask``: labels,
    bool or 0-255 array or a path (white/non-zero = area to change). ``refs``:
    reference images (arrays or paths). ``frame`` (0-based) picks one frame of a
    multi-frame source file (recorded in the job). ``progress(stage, fraction)``; ``cancel``
    has ``is_set()``. Raises `InputError` before spending anything when inputs
    are wrong, `CancelledError` when cancelled before the task was created, a
    error with its `job` set (`JobPlace`) once the job folder exists.
    ``on_job_dir(path)`` is called once the job folder and its record exist (just
    before the billed create request). An identical finished job in the same
    results folder answers without any request (``JobResult.reused_from``); an
    identical created-but-unfinished one is resumed; ``again=True`` pays anew.
    """
    report, t_start, times = Progress(progress), time.monotonic(), {"started": now_iso()}
    report("validating", 0.0)
    deadline = _check_deadline(deadline)
    if client is None:
        client = default_client(api=api)
    p = validate(
        feature, source, mask=mask, refs=refs, params=params, api=api or client.api, variant=variant, frame=frame
    )
    job_root = _job_root(p, client, out_dir)
    _stop_if_cancelled(cancel, "cancelled before anything was sent; nothing was charged")

    report("preparing", 0.0)
    prepare(p, source, mask=mask, refs=refs)
    report("preparing", 1.0)
    return _send(p, client, job_root, (report, t_start, times), cancel, deadline, on_job_dir, again)


def run_plan(
    p: Plan,
    *,
    client: ServiceClient | None = None,
    out_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    deadline: float = 600.0,
    on_job_dir: Callable[[Path], None] | None = None,
    again: bool = False,
) -> JobResult:
    """`run` for a job already checked and prepared by `plan`: what was checked is what is sent.

    The napari docks plan at Run (the user sees the cost and any problem) and send
    that same plan from the worker, so nothing is read or encoded twice.
    """
    report, t_start, times = Progress(progress), time.monotonic(), {"started": now_iso()}
    report("validating", 0.0)
    deadline = _check_deadline(deadline)
    if not p.prepared:
        raise InputError(f"{p.feature}: this plan's inputs were not prepared: make it with workflow.plan")
    if client is None:
        client = default_client(api=p.api)
    job_root = _job_root(p, client, out_dir)
    report("preparing", 1.0)  # done by `plan`: the stages read the same as `run`'s
    return _send(p, client, job_root, (report, t_start, times), cancel, deadline, on_job_dir, again)


def _job_root(p: Plan, client: ServiceClient, out_dir: str | Path | None) -> Path:
    """The results folder, checked usable (where the paid result goes must work before anything is sent)."""
    if client.api != p.api:
        raise InputError(
            f"{p.feature}: the client authenticates the {client.api} API; "
            f"{p.api} was requested (configure {p.api} credentials)"
        )
    return ensure_results_dir(out_dir if out_dir is not None else default_results_dir())


def _send(
    p: Plan,
    client: ServiceClient,
    job_root: Path,
    started: tuple[Progress, float, dict[str, str]],
    cancel: CancelToken | None,
    deadline: float,
    on_job_dir: Callable[[Path], None] | None,
    again: bool,
) -> JobResult:
    """A prepared plan from the store when an identical job answers it, else uploaded, created, awaited, saved.

    ``started`` is the job's progress reporter, its monotonic start and its timestamps so far.
    """
    report, t_start, times = started
    _stop_if_cancelled(cancel, "cancelled before anything was sent; nothing was charged")
    record = _new_record(p, client, times)
    store = _open_store(job_root, create=False)
    if store is not None and not again:
        earlier = _from_store(
            store, record, p, client, progress=report.fn, cancel=cancel, deadline=deadline, on_job_dir=on_job_dir
        )
        if earlier is not None:
            return earlier
    file_ids = _upload_step(client, p, report, cancel)
    times["uploaded"] = now_iso()
    sidecar, task_id = _create_step(
        client, p, file_ids, record, job_root=job_root, cancel=cancel, on_job_dir=on_job_dir
    )
    report("creating", 1.0)
    return _finish(client, p, sidecar, task_id, report=report, cancel=cancel, deadline=deadline, t_start=t_start)


def _stop_if_cancelled(cancel: CancelToken | None, message: str) -> None:
    if _cancelled(cancel):
        raise CancelledError(message)


def _new_record(p: Plan, client: ServiceClient, times: dict[str, str]) -> JobRecord:
    """The job's record before anything is sent (no task id yet, status ``creating``)."""
    arr = p.source_array
    return JobRecord(
        feature=p.feature,
        title=p.title,
        api=p.api,
        variant=p.variant,
        task_path=p.endpoint.task_path,
        params=p.params,
        source_sha256=p.source_sha256,
        input_hashes=p.input_hashes,
        source_shape=list(arr.shape) if arr is not None else None,
        source_dtype=str(arr.dtype) if arr is not None else None,
        source_name=p.source_name,
        source_frame=p.frame,
        reuse_key=p.reuse_key(client),
        transform=_transform_dict(p.transform),
        notes=list(p.notes),
        uploads=[
            {"role": u.role, "name": u.name, "content_type": u.content_type, "bytes": u.nbytes} for u in p.uploads
        ],
        unit_cost_estimate=p.unit_cost,
        service_host=service_host(client),
        kind=p.kind,
        sandbox=client.is_sandbox,
        status=JobStatus.CREATING,
        times=times,
    )


def _open_store(results_dir: Path, *, create: bool = True) -> JobStore | None:
    """The results folder's job store, or None (logged) when it cannot be opened: jobs go on.

    With ``create=False`` a folder without a store gets none (a lookup needs no new file).
    """
    if not create and not (results_dir / STORE_NAME).is_file():
        return None
    try:
        return JobStore.open(results_dir)
    except Exception:  # sqlite3.Error, OSError: the job folders stay the truth
        log.warning("job store in %s unavailable; jobs are still recorded in their folders", results_dir, exc_info=True)
        return None


def _transform_dict(tf: Transform | None) -> JsonObject | None:
    if tf is None:
        return None
    return {
        "src_size": list(tf.src_size),
        "out_size": list(tf.out_size),
        "scale": float(tf.scale),
        "crop": list(tf.crop) if tf.crop else None,
    }


# ---------------------------------------------------------------------- never pay twice
def _from_store(
    store: JobStore,
    record: JobRecord,
    p: Plan,
    client: ServiceClient,
    *,
    progress: ProgressFn | None,
    cancel: CancelToken | None,
    deadline: float,
    on_job_dir: Callable[[Path], None] | None,
) -> JobResult | None:
    """An earlier identical job's answer: its files (reused), or its task (resumed); else None."""
    assert record.reuse_key is not None
    try:
        done = store.find_reusable(record.reuse_key)
        open_job = None if done is not None else store.find_unfinished(record.reuse_key)
    except Exception:  # a broken index must not stop (or bill) a job: run it as new
        log.warning("job store %s could not be searched; running the job", store.path, exc_info=True)
        return None
    if done is not None:
        check_record(done, where=f"{store.path} ({done.job_id})")
        return _reuse(store, done, record, p, on_job_dir=on_job_dir)
    if open_job is None:
        return None
    check_record(open_job, where=f"{store.path} ({open_job.job_id})")
    job_dir = store.job_dir(open_job)
    log.info("an identical job (%s) was created but not finished: resuming it instead of paying again", job_dir.name)
    if on_job_dir is not None:
        on_job_dir(job_dir)
    try:
        res = resume(job_dir, client=client, progress=progress, cancel=cancel, deadline=deadline, source=p.source_array)
    except TaskExpiredError as exc:
        if exc.job is None:
            raise
        log.warning("the unfinished identical job %s is gone from the service: running the job anew", job_dir)
        return None
    res.notes.append(
        f"an identical job ({job_dir.name}) had been created but not finished: it was resumed, no new task was created"
    )
    return res


def _reuse(
    store: JobStore, done: JobRecord, record: JobRecord, p: Plan, *, on_job_dir: Callable[[Path], None] | None
) -> JobResult:
    """A new job folder holding (links to) an identical finished job's files: nothing is sent."""
    src_dir = store.job_dir(done)
    job_dir = make_job_dir(store.results_dir, p.feature)
    files: list[Path] = []
    try:
        for name in done.files:
            files.append(_link_or_copy(src_dir / name, job_dir / name))
    except OSError as exc:
        _remove_job_dir(job_dir)
        raise InputError(
            f"cannot copy the earlier result from {src_dir} into {job_dir} "
            f"({exc.strerror or exc}); nothing was charged: run with --again"
        ) from None
    record.job_id = job_dir.name
    record.update(
        status=JobStatus.REUSED,
        reused_from=done.job_id,
        task_id=done.task_id,
        files=done.files,
        kind=done.kind,
        mask_files=done.mask_files,
        units_charged=0.0,
        dst_ids=done.dst_ids,
        times={**record.times, "done": now_iso()},
    )
    sidecar = Sidecar(job_dir / SIDECAR_NAME, record, on_write=store.record)
    sidecar.update()
    if on_job_dir is not None:
        on_job_dir(job_dir)
    kind = done.kind or p.kind
    try:
        arrays, data = _decode(p.feature, kind, files, saved_data(files), p.transform, p.source_array)
    except Exception as exc:
        raise ResultSavedError(
            f"the earlier result was linked into {job_dir} but could not be read back: {exc}",
            files=files,
            sidecar=sidecar.path,
        ) from exc
    return JobResult(
        feature=p.feature,
        task_id=str(done.task_id or ""),
        params=p.params,
        files=files,
        sidecar=sidecar.path,
        kind=kind,
        arrays=arrays,
        data=data,
        sandbox=record.sandbox,
        api=p.api,
        variant=p.variant,
        reused_from=done.job_id,
        notes=[
            *p.notes,
            (
                f"identical to job {done.job_id}: its result was reused, nothing was "
                "sent or charged (run again with --again to pay for a new one)"
            ),
        ],
    )


def _link_or_copy(src: Path, dest: Path) -> Path:
    try:
        os.link(src, dest)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(src, dest)
    return dest


# ---------------------------------------------------------------------- upload, create
def _upload_step(client: ServiceClient, p: Plan, report: Progress, cancel: CancelToken | None) -> dict[str, list[str]]:
    """Register and upload every prepared input; file ids by role (free: nothing is charged yet)."""
    files: dict[str, list[str]] = {}
    for n, up in enumerate(p.uploads):
        report("uploading", n / max(1, len(p.uploads)))
        fid = client.upload(up.data, content_type=up.content_type, file_name=up.name, feature=p.endpoint)
        files.setdefault(up.role, []).append(fid)
        _stop_if_cancelled(cancel, "cancelled after uploading, before the task was created; nothing was charged")
    report("uploading", 1.0)
    return files


def _create_step(
    client: ServiceClient,
    p: Plan,
    file_ids: dict[str, list[str]],
    record: JobRecord,
    *,
    job_root: Path,
    cancel: CancelToken | None,
    on_job_dir: Callable[[Path], None] | None,
) -> tuple[Sidecar, str]:
    """Write the job's record, then send the (billed) create request; the record gets the task id.

    The job is indexed in the store from the moment a task may exist: a create the
    service refused leaves neither a folder nor a row (nor a new store file).
    """
    request_id = client.next_request_id() if p.api == "v1" else 0
    body_files: JsonObject = {}
    for role, ids in file_ids.items():
        inp = p.endpoint.input(role)
        body_files[role] = ids if (inp is not None and inp.many) else ids[0]
    body = F.build_body(p.endpoint, body_files, p.params, request_id=request_id)
    _stop_if_cancelled(cancel, "cancelled before the task was created; nothing was charged")
    # The record is on disk BEFORE the create request, so a task can never be paid
    # for without a place to keep its id and result.
    try:
        job_dir = make_job_dir(job_root, p.feature)
    except OSError as exc:
        raise InputError(
            f"cannot create a job folder in {job_root} ({exc.strerror or exc}); "
            "nothing was charged: choose another results folder"
        ) from None
    record.job_id = job_dir.name
    record.request_id = request_id if p.api == "v1" else None
    sidecar = Sidecar(job_dir / SIDECAR_NAME, record)
    try:
        sidecar.update()
    except OSError as exc:
        _remove_job_dir(job_dir)
        raise InputError(
            f"cannot write the job record in {job_dir} ({exc.strerror or exc}); "
            "nothing was charged: choose another results folder"
        ) from None
    if on_job_dir is not None:
        try:
            on_job_dir(job_dir)
        except Exception:  # a broken hook must not stop a job
            log.exception("on_job_dir callback failed (ignored)")
    times = record.times
    try:
        task_id = client.create_task(p.endpoint, body)
    except BaseException as exc:
        if _create_may_have_happened(exc):
            _index_in(sidecar, job_root)
            # The service may have started (and will bill) a task we cannot see:
            # keep the record so the user can reconcile it with the credit history.
            _try_update(
                sidecar, status=JobStatus.CREATE_UNCERTAIN, error=str(exc), times={**times, "failed": now_iso()}
            )
        else:
            _remove_job_dir(job_dir)  # refused: nothing was created, nothing to keep
        raise
    times["created"] = now_iso()
    _index_in(sidecar, job_root)
    # From here the task is (or will be) paid for: record its id at once.
    try:
        sidecar.update(task_id=task_id, status=JobStatus.RUNNING, times=times, cancel_requested=_cancelled(cancel))
    except OSError as exc:
        raise YouCamError(
            f"task {task_id} was created (and will be billed) but its record could not be "
            f"written to {sidecar.path} ({exc.strerror or exc}); keep this task id"
        ) from None
    return sidecar, task_id


_GATEWAY_STATUSES = (502, 503, 504)


def _create_may_have_happened(exc: BaseException) -> bool:
    """False only when the create request was certainly refused (an HTTP error reply)."""
    if not isinstance(exc, YouCamError):
        return True  # unexpected failure (interrupt, bug): assume the worst
    if isinstance(exc, ConnectionFailedError):
        return True
    # an unreadable 200 reply, or a gateway error (502/503/504) that a proxy can send
    # after the service already took the task: a billed task may exist
    return isinstance(exc, ServerError) and (exc.status is None or exc.status < 400 or exc.status in _GATEWAY_STATUSES)


# ---------------------------------------------------------------------- wait, download, write
def _finish(
    client: ServiceClient,
    p: Plan,
    sidecar: Sidecar,
    task_id: str,
    *,
    report: Progress,
    cancel: CancelToken | None,
    deadline: float,
    t_start: float,
) -> JobResult:
    times = sidecar.record.times
    res = _wait_step(
        client,
        p.endpoint,
        task_id,
        sidecar=sidecar,
        times=times,
        report=report,
        cancel=cancel,
        deadline=deadline,
        kind=p.kind,
    )
    cancel_requested = bool(res.cancel_requested or _cancelled(cancel))
    sidecar.update(cancel_requested=cancel_requested)
    saved = download_step(
        client,
        res,
        key=p.feature,
        sidecar=sidecar,
        times=times,
        report=report,
        refresh=repoll(client, p.endpoint, task_id, p.kind, deadline),
    )
    arrays, data = _write_step(
        p.feature,
        res.kind,
        saved,
        result_data(saved, res),
        p.transform,
        p.source_array,
        sidecar=sidecar,
        times=times,
        report=report,
        t_start=t_start,
    )
    notes = list(p.notes)
    if cancel_requested:
        notes.append(
            "cancel was requested after the task had been created: the service cannot "
            "cancel, so the (paid) result was kept and saved"
        )
    return JobResult(
        feature=p.feature,
        task_id=task_id,
        params=p.params,
        files=saved,
        sidecar=sidecar.path,
        kind=res.kind,
        arrays=arrays,
        data=data,
        sandbox=sidecar.record.sandbox,
        api=p.api,
        variant=p.variant,
        cancel_requested=cancel_requested,
        notes=notes,
    )


def _index_in(sidecar: Sidecar, results_dir: Path) -> None:
    """From now on every write of the record is indexed in the results folder's store."""
    store = _open_store(results_dir)
    if store is not None:
        sidecar.on_write = store.record


# ---------------------------------------------------------------------- faces
def find_faces(
    feature: str,
    source: ImageSource,
    *,
    api: str | None = None,
    variant: str | None = None,
    client: ServiceClient | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    deadline: float = 120.0,
) -> list[JsonObject]:
    """Detect the faces a face-lift / face-reshape / face-swap task can target.

    Returns boxes in the SOURCE frame: ``{"index", "x", "y", "width", "height"}``;
    ``index`` is what the task's ``index`` (or face-swap ``position``) expects.
    """
    report = Progress(progress)
    report("validating", 0.0)
    spec = F.get(feature)
    if client is None:
        client = default_client(api=api)
    api = api or client.api
    endpoint = F.endpoint_for(spec, api, variant)
    if not endpoint.preprocess_path:
        raise InputError(f"{spec.key} ({api}) has no face detection step")
    report("preparing", 0.0)
    arr = _load_image(source, "source")
    prep = imaging.prepare(arr, F.limits_for(endpoint, {}))
    if _cancelled(cancel):
        raise CancelledError("cancelled before anything was sent; nothing was charged")
    report("uploading", 0.0)
    fid = client.upload(
        prep.image.data, content_type=prep.image.content_type, file_name=f"src.{prep.image.format}", feature=endpoint
    )
    if _cancelled(cancel):
        raise CancelledError("cancelled before face detection started; nothing was charged")
    report("waiting", 0.0)
    raw = client.preprocess(spec.key, endpoint, fid, deadline=deadline)
    boxes = parse_face_boxes(raw)
    tf = prep.transform
    s = float(tf.scale) or 1.0
    ox, oy = (tf.crop[0], tf.crop[1]) if tf.crop else (0, 0)
    out = [
        {"index": i, "x": x / s + ox, "y": y / s + oy, "width": w / s, "height": h / s}
        for i, (x, y, w, h) in enumerate(boxes)
    ]
    report("done", 1.0)
    return out


def parse_face_boxes(raw: object) -> list[tuple[float, float, float, float]]:
    """(x, y, w, h) per face from either documented reply: ``result[{left,top,width,height}]`` or ``faces[{bbox}]``."""
    out: list[tuple[float, float, float, float]] = []
    if not isinstance(raw, dict):
        return out
    for item in raw.get("result") or []:
        if isinstance(item, dict) and {"left", "top", "width", "height"} <= item.keys():
            out.append((float(item["left"]), float(item["top"]), float(item["width"]), float(item["height"])))
    for face in raw.get("faces") or []:
        bbox = face.get("bbox") if isinstance(face, dict) else None
        if isinstance(bbox, list) and bbox and isinstance(bbox[0], list):  # v1 nests the box in a list
            bbox = bbox[0]
        if isinstance(bbox, list) and len(bbox) == 4:
            x1, y1, x2, y2 = (float(v) for v in bbox)
            out.append((x1, y1, x2 - x1, y2 - y1))
    return out
