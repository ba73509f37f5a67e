"""`run`: one call from a napari array (or a file) to a result on disk and in memory.

validate → prepare → upload → create → wait → download → write → map back.

Two promises shape this module:
* nothing is spent before everything checkable is checked (params, sizes, mask),
  and a cancel before the create request costs nothing;
* once a task was created it is paid for on success, so the job polls to the end
  even when cancelled, downloads at once (URLs live 2 h) and writes the files and
  the sidecar before anything that could fail (decoding, mapping back).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from napari_youcam.errors import InputError, YouCamError
from napari_youcam.workflow.sidecar import (
    SIDECAR_NAME,
    Sidecar,
    default_results_dir,
    ensure_results_dir,
    make_job_dir,
    now_iso,
    service_host,
    sha256_of,
)

log = logging.getLogger("napari_youcam.workflow")

STAGES = ("validating", "preparing", "uploading", "creating", "waiting", "downloading", "writing", "done")
ProgressFn = Callable[[str, float], None]
_VIDEO_TYPES = {".mp4": "video/mp4", ".mov": "video/quicktime"}
_EXT_FOR_KIND = {"image": ".png", "images": ".png", "zip": ".zip", "video": ".mp4", "json": ".json",
                 "boxes": ".json"}


class CancelledError(YouCamError):
    """The job was cancelled before the task was created: nothing was charged."""

    exit_code = 130


class ResultSavedError(YouCamError):
    """The paid result is on disk, but a later step (decoding, mapping back) failed."""

    def __init__(self, message: str, *, files: list[Path], sidecar: Path):
        super().__init__(message)
        self.files = files
        self.sidecar = sidecar


@dataclass
class JobResult:
    """A finished job. ``files`` and ``sidecar`` exist on disk when this is returned."""

    feature: str
    task_id: str
    params: dict[str, Any]
    files: list[Path]
    sidecar: Path
    kind: str
    arrays: list[np.ndarray] = field(default_factory=list)
    data: Any = None
    sandbox: bool = False
    api: str = "v2"
    variant: str = "default"
    cancel_requested: bool = False
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- helpers
class _Progress:
    """Calls the user's callback with monotone (stage, fraction); never lets it break a job."""

    def __init__(self, fn: ProgressFn | None):
        self.fn = fn

    def __call__(self, stage: str, fraction: float) -> None:
        if self.fn is None:
            return
        try:
            self.fn(stage, float(max(0.0, min(1.0, fraction))))
        except Exception:  # a broken progress bar must not lose a paid result
            log.exception("progress callback failed (ignored)")


def _cancelled(cancel: Any) -> bool:
    try:
        return bool(cancel is not None and cancel.is_set())
    except Exception:
        return False


def _load_image(src: Any, what: str) -> np.ndarray:
    if isinstance(src, np.ndarray):
        return src
    if isinstance(src, (str, Path)):
        from napari_youcam.imaging.io import read_image_file

        return read_image_file(src, what=what)
    if hasattr(src, "__array__"):
        return np.asarray(src)
    raise InputError(f"{what}: expected an array or an image path, got {type(src).__name__}")


def _load_mask(mask: Any) -> np.ndarray:
    arr = _load_image(mask, "mask")
    if arr.ndim == 3:  # a painted RGB(A) mask file: any non-black pixel counts
        arr = arr[..., :3].max(axis=2)
    return arr


# Top-level box types an MP4 / QuickTime file starts with (ISO/IEC 14496-12, QTFF).
_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid"}


def _looks_like_mp4(path: Path) -> bool:
    """True when the file starts like an ISO media (MP4/MOV) file: a box header."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    return len(head) == 8 and head[4:8] in _MP4_BOXES


def _limits_for(endpoint: Any, params: dict[str, Any]) -> Any:
    """Limits for these params (skin-analysis HD needs a larger short side)."""
    from napari_youcam import features as F

    return F.limits_for(endpoint, params)


def _output_kind(endpoint: Any, params: dict[str, Any]) -> str:
    """What the task returns for these params (skin-analysis format=json gives JSON)."""
    from napari_youcam import features as F

    return F.output_kind(endpoint, params)


def _transform_dict(tf: Any) -> dict[str, Any] | None:
    if tf is None:
        return None
    return {"src_size": list(tf.src_size), "out_size": list(tf.out_size), "scale": float(tf.scale),
            "crop": list(tf.crop) if getattr(tf, "crop", None) else None}


def _ext_from_url(url: str, kind: str, index: int) -> str:
    suffix = Path(urlparse(url).path).suffix.lower()
    if suffix in (".png", ".jpg", ".jpeg", ".zip", ".mp4", ".mov", ".json", ".webp", ".gif"):
        return suffix
    return _EXT_FOR_KIND.get(kind, ".bin")


def _read_result_image(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        im.load()
        if im.mode not in ("RGB", "RGBA", "L"):
            im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
        return np.asarray(im)


# ---------------------------------------------------------------------- run
def run(feature: str, source: Any = None, *, mask: Any = None, refs: Sequence[Any] = (),
        params: dict[str, Any] | None = None, api: str | None = None, variant: str | None = None,
        client: Any = None, out_dir: str | Path | None = None, progress: ProgressFn | None = None,
        cancel: Any = None, deadline: float = 600.0,
        on_job_dir: Callable[[Path], None] | None = None) -> JobResult:
    """Run one YouCam feature end to end; the result is on disk before this returns.

    ``source``: an array (any napari dtype/shape: gray, RGB, RGBA, uint8/16, float)
    or an image/video path; a list for multi-source endpoints. ``mask``: labels,
    bool or 0-255 array or a path (white/non-zero = area to change). ``refs``:
    reference images (arrays or paths). ``progress(stage, fraction)``; ``cancel``
    has ``is_set()``. Raises `InputError` before spending anything when inputs
    are wrong, `CancelledError` when cancelled before the task was created.
    ``on_job_dir(path)`` is called once the job folder and its record exist (just
    before the billed create request), so a caller that abandons the job can say
    which folder `resume` picks it up from.
    """
    from napari_youcam import features as F

    report = _Progress(progress)
    t_start = time.monotonic()
    times: dict[str, str] = {"started": now_iso()}

    # ------------------------------------------------------------ validating
    report("validating", 0.0)
    spec = F.get(feature)
    deadline = _check_deadline(deadline)
    if client is None:
        from napari_youcam.api.session import default_client

        client = default_client(api=api)
    api = api or getattr(client, "api", "v2")
    if getattr(client, "api", api) != api:
        raise InputError(f"{spec.key}: the client authenticates the {client.api} API; "
                         f"{api} was requested (configure {api} credentials)")
    endpoint = F.endpoint_for(spec, api, variant)
    params = dict(params or {})
    F.check(spec, params, None, api=api, variant=endpoint.variant)
    sandbox = bool(getattr(client, "is_sandbox", False))
    # Where the paid result will go must be known to work before anything is sent.
    job_root = ensure_results_dir(out_dir if out_dir is not None else default_results_dir())
    if _cancelled(cancel):
        raise CancelledError("cancelled before anything was sent; nothing was charged")

    # ------------------------------------------------------------ preparing
    report("preparing", 0.0)
    limits = _limits_for(endpoint, params)
    src_input = endpoint.input("src") or endpoint.input("srcs")
    mask_input = endpoint.input("mask")
    ref_input = endpoint.input("ref") or endpoint.input("refs")
    refs = list(refs or [])
    if mask is not None and mask_input is None:
        raise InputError(f"{spec.key} ({api}) takes no mask; remove it")
    if mask is None and mask_input is not None and mask_input.required:
        raise InputError(f"{spec.key} needs a mask: paint the area to change (white = change)")
    if refs and ref_input is None:
        raise InputError(f"{spec.key} ({api}) takes no reference image; remove it")
    if ref_input is not None and ref_input.required and not refs:
        raise InputError(f"{spec.key} needs a reference image (--ref)")
    if ref_input is not None and not ref_input.many and len(refs) > 1:
        raise InputError(f"{spec.key} takes one reference image, {len(refs)} were given")
    if src_input is None and source is not None:
        raise InputError(f"{spec.key} ({api}) takes no source image (it generates from params)")
    if src_input is not None and src_input.required and source is None:
        raise InputError(f"{spec.key} needs a source {src_input.kind}")

    uploads: list[tuple[str, bytes | Path, str, str]] = []  # (role, data, content_type, name)
    infos: dict[str, Any] = {}
    src_arr: np.ndarray | None = None
    main_tf = None
    notes: list[str] = []
    src_hash = None
    if source is not None and src_input is not None:
        sources = list(source) if (src_input.many and isinstance(source, (list, tuple))) else [source]
        src_hash = sha256_of(source if not isinstance(source, (list, tuple)) else source[0])
        if src_input.kind == "video":
            vpath = sources[0]
            if isinstance(vpath, (bytes, bytearray)):
                vdata: bytes | Path = bytes(vpath)
                vname, ctype, nbytes = "source.mp4", "video/mp4", len(vpath)
            else:
                p = Path(vpath)
                if not p.is_file():
                    raise InputError(f"source: no such video file: {p}")
                ext = p.suffix.lower()
                fmts = tuple(getattr(limits, "formats", ()) or ())
                if fmts and ext.lstrip(".") not in fmts:
                    raise InputError(f"source: {p.name}: {spec.key} accepts {', '.join(fmts)} videos")
                vdata, vname, ctype, nbytes = p, p.name, _VIDEO_TYPES.get(ext, "video/mp4"), p.stat().st_size
                if nbytes == 0:
                    raise InputError(f"source: {p.name} is empty (0 bytes): choose a video file")
                if not _looks_like_mp4(p):
                    raise InputError(f"source: {p.name} is not an MP4/MOV video (no ISO media header): "
                                     "export it as MP4 (H.264)")
            max_b = getattr(limits, "max_bytes", 100 * 1024 * 1024)
            if nbytes >= max_b:
                raise InputError(f"source: the video is {nbytes / 2**20:.1f} MiB; it must be under "
                                 f"{max_b // 2**20} MiB")
            uploads.append(("src", vdata, ctype, vname))
        else:
            from napari_youcam import imaging

            mask_arr = _load_mask(mask) if mask is not None else None
            for i, s in enumerate(sources):
                arr = _load_image(s, "source")
                if i == 0:
                    src_arr = arr
                prep = imaging.prepare(arr, limits, mask=mask_arr if i == 0 else None)
                if i == 0:
                    main_tf = prep.transform
                    notes.extend(prep.notes)
                role = src_input.role
                uploads.append((role, prep.image.data, prep.image.content_type, f"{role}{i}.{prep.image.format}"))
                infos.setdefault(role, []).append(prep.info)
                if i == 0 and prep.mask is not None:
                    uploads.append(("mask", prep.mask.data, prep.mask.content_type, "mask.png"))
                    infos["mask"] = getattr(prep, "mask_info", None) or prep.info
    if ref_input is not None and refs:
        from napari_youcam import imaging

        rlimits = ref_input.limits or limits
        for i, r in enumerate(refs):
            rarr = _load_image(r, "reference")
            rprep = imaging.prepare(rarr, rlimits)
            uploads.append((ref_input.role, rprep.image.data, rprep.image.content_type,
                            f"ref{i}.{rprep.image.format}"))
            infos.setdefault(ref_input.role, []).append(rprep.info)
    if infos:
        F.check(spec, params, infos, api=api, variant=endpoint.variant)
    report("preparing", 1.0)
    if _cancelled(cancel):
        raise CancelledError("cancelled before anything was sent; nothing was charged")

    # ------------------------------------------------------------ uploading
    files: dict[str, list[str]] = {}
    for n, (role, data, ctype, name) in enumerate(uploads):
        report("uploading", n / max(1, len(uploads)))
        fid = client.upload(data, content_type=ctype, file_name=name, feature=endpoint)
        files.setdefault(role, []).append(fid)
        if _cancelled(cancel):
            raise CancelledError("cancelled after uploading, before the task was created; "
                                 "nothing was charged")
    report("uploading", 1.0)
    times["uploaded"] = now_iso()

    # ------------------------------------------------------------ creating
    report("creating", 0.0)
    request_id = client.next_request_id() if api == "v1" else 0
    body_files: dict[str, Any] = {}
    for role, ids in files.items():
        inp = endpoint.input(role)
        body_files[role] = ids if (inp is not None and inp.many) else ids[0]
    body = F.build_body(endpoint, body_files, params, request_id=request_id)
    if _cancelled(cancel):  # last moment at which cancelling is free
        raise CancelledError("cancelled before the task was created; nothing was charged")
    # The job's record is on disk BEFORE the (billed) create request, so a task
    # can never be paid for without a place to keep its id and result.
    try:
        job_dir = make_job_dir(job_root, spec.key)
    except OSError as exc:
        raise InputError(f"cannot create a job folder in {job_root} ({exc.strerror or exc}); "
                         "nothing was charged: choose another results folder") from None
    sidecar = Sidecar(job_dir / SIDECAR_NAME, {
        "feature": spec.key, "title": spec.title, "api": api, "variant": endpoint.variant,
        "task_path": endpoint.task_path, "params": params, "task_id": None,
        "request_id": request_id if api == "v1" else None,
        "source_sha256": src_hash,
        "source_shape": list(src_arr.shape) if src_arr is not None else None,
        "source_dtype": str(src_arr.dtype) if src_arr is not None else None,
        "transform": _transform_dict(main_tf), "notes": notes,
        "uploads": [{"role": r, "name": nm, "content_type": ct,
                     "bytes": len(d) if isinstance(d, (bytes, bytearray)) else Path(d).stat().st_size}
                    for r, d, ct, nm in uploads],
        "unit_cost_estimate": _safe_cost(F, endpoint, params),
        "service_host": service_host(client), "kind": _output_kind(endpoint, params),
        "sandbox": sandbox, "status": "creating", "files": [], "times": times,
        "cancel_requested": False,
    })
    try:
        sidecar.update()
    except OSError as exc:
        _remove_job_dir(job_dir)
        raise InputError(f"cannot write the job record in {job_dir} ({exc.strerror or exc}); "
                         "nothing was charged: choose another results folder") from None
    if on_job_dir is not None:
        try:
            on_job_dir(job_dir)
        except Exception:  # a broken hook must not stop a job
            log.exception("on_job_dir callback failed (ignored)")
    try:
        task_id = client.create_task(endpoint, body)
    except BaseException as exc:
        if _create_may_have_happened(exc):
            # The service may have started (and will bill) a task we cannot see:
            # keep the record so the user can reconcile it with the credit history.
            _try_update(sidecar, status="create_uncertain", error=str(exc),
                        times={**times, "failed": now_iso()})
        else:
            _remove_job_dir(job_dir)  # refused: nothing was created, nothing to keep
        raise
    times["created"] = now_iso()
    # From here the task is (or will be) paid for: record its id at once.
    try:
        sidecar.update(task_id=task_id, status="running", times=times, cancel_requested=_cancelled(cancel))
    except OSError as exc:
        raise YouCamError(f"task {task_id} was created (and will be billed) but its record could not be "
                          f"written to {sidecar.path} ({exc.strerror or exc}); keep this task id") from None
    report("creating", 1.0)

    # ------------------------------------------------------------ waiting → downloading → writing
    res = _wait_step(client, endpoint, task_id, sidecar=sidecar, times=times, report=report, cancel=cancel,
                     deadline=deadline, kind=_output_kind(endpoint, params))
    cancel_requested = bool(res.cancel_requested or _cancelled(cancel))
    sidecar.update(cancel_requested=cancel_requested)
    saved = _download_step(client, res, key=spec.key, sidecar=sidecar, times=times, report=report)
    arrays, data = _write_step(spec.key, res.kind, saved, res.data, main_tf, src_arr, sidecar=sidecar,
                               times=times, report=report, t_start=t_start)
    if cancel_requested:
        notes.append("cancel was requested after the task had been created: the service cannot "
                     "cancel, so the (paid) result was kept and saved")
    return JobResult(feature=spec.key, task_id=task_id, params=params, files=saved, sidecar=sidecar.path,
                     kind=res.kind, arrays=arrays, data=data, sandbox=sandbox, api=api,
                     variant=endpoint.variant, cancel_requested=cancel_requested, notes=notes)


# ---------------------------------------------------------------------- steps shared by run and resume
def _check_deadline(deadline: Any) -> float:
    try:
        deadline = float(deadline)
    except (TypeError, ValueError):
        raise InputError(f"the deadline must be a number of seconds, got {deadline!r}") from None
    if not deadline > 0:  # also refuses NaN
        # A created task is billed; a deadline that has passed before the first poll
        # would abandon every result it pays for.
        raise InputError(f"the deadline must be more than 0 seconds, got {deadline:g}: "
                         "give the task time to finish (default 600)")
    return deadline


def resume_command(job_dir: Path) -> str:
    """The shell command that picks this job up again."""
    import shlex

    return f"youcam resume {shlex.quote(str(job_dir))}"


def _wait_step(client: Any, endpoint: Any, task_id: str, *, sidecar: Sidecar, times: dict[str, str],
               report: _Progress, cancel: Any, deadline: float, kind: str, path: str | None = None) -> Any:
    """Poll the (already created) task to the end; the sidecar says how it ended.

    An error that leaves the task alive on the service (our deadline, a lost
    connection, an interrupt) names the command that resumes it from its folder.
    """
    from napari_youcam.api.errors import TaskExpiredError, TaskFailedError

    job_dir = sidecar.path.parent
    try:
        res = client.wait(endpoint, task_id, progress=report, cancel=cancel, deadline=deadline,
                          kind=kind, path=path)
    except YouCamError as exc:
        final = isinstance(exc, (TaskFailedError, TaskExpiredError))
        _try_update(sidecar, status="failed", error=str(exc), error_code=exc.code,
                    error_type=type(exc).__name__, resumable=not final,
                    times={**times, "failed": now_iso()})
        if not final:
            from napari_youcam.api.client import DeadlineExceededError

            if isinstance(exc, DeadlineExceededError):
                exc.message = (f"task {task_id} still running after {deadline:g} s; it may still finish and "
                               f"be billed — resume it with: {resume_command(job_dir)} (soon: the service "
                               "drops a running task that is not polled for about 10 s)")
            else:
                exc.message = (f"{exc.message} (task {task_id} was created and may still finish; "
                               f"resume it with: {resume_command(job_dir)})")
            exc.args = (exc.message,)
        exc.job_dir = job_dir  # type: ignore[attr-defined]
        raise
    except BaseException:  # interrupted: the task lives on, and so does its record ("running")
        _try_update(sidecar, resumable=True)
        raise
    times["finished"] = now_iso()
    sidecar.update(status="succeeded", times=times, resumable=True)
    return res


def _download_step(client: Any, res: Any, *, key: str, sidecar: Sidecar, times: dict[str, str],
                   report: _Progress) -> list[Path]:
    """Download every result URL (and write JSON results) into the job folder."""
    job_dir = sidecar.path.parent
    kind = res.kind
    saved: list[Path] = []
    try:
        for i, url in enumerate(res.urls):
            report("downloading", i / max(1, len(res.urls)))
            ext = _ext_from_url(url, kind, i)
            name = f"{key}{'' if len(res.urls) == 1 else f'_{i + 1}'}{ext}"
            saved.append(client.download(url, job_dir / name))
            sidecar.update(files=[p.name for p in saved])
        if res.data is not None and (kind in ("json", "boxes") or not res.urls):
            p = job_dir / f"{key}.json"
            if p in saved:  # a downloaded file already has that name: never overwrite a result
                p = job_dir / f"{key}_data.json"
            p.write_text(json.dumps(res.data, indent=2, default=str), encoding="utf-8")
            saved.append(p)
    except (YouCamError, OSError) as exc:
        if isinstance(exc, OSError):  # disk full, folder removed...: say so, with the way back
            exc = YouCamError(f"{key}: cannot save the result in {job_dir} ({exc.strerror or exc})")
        _try_update(sidecar, status="download_failed", error=str(exc), error_code=exc.code,
                    error_type=type(exc).__name__, resumable=True, files=[p.name for p in saved])
        exc.message = (f"{exc.message} (task {res.task_id} succeeded; its record is in {sidecar.path}; "
                       f"fetch the result with: {resume_command(job_dir)})")
        exc.args = (exc.message,)
        exc.job_dir = job_dir  # type: ignore[attr-defined]
        raise exc from None
    report("downloading", 1.0)
    times["downloaded"] = now_iso()
    sidecar.update(status="saved", kind=kind, files=[p.name for p in saved], times=times,
                   dst_ids=res.dst_ids or None, polls=res.polls)
    return saved


def _write_step(key: str, kind: str, saved: list[Path], data: Any, tf: Any, src_arr: np.ndarray | None, *,
                sidecar: Sidecar, times: dict[str, str], report: _Progress,
                t_start: float) -> tuple[list[np.ndarray], Any]:
    """Decode the saved files and map them back; the sidecar ends as ``done``."""
    report("writing", 0.0)
    try:
        arrays, data = _decode(key, kind, saved, data, tf, src_arr)
    except Exception as exc:  # the files are safe; say so instead of losing them
        sidecar.update(status="saved_undecoded", error=f"{type(exc).__name__}: {exc}")
        raise ResultSavedError(f"the result was saved to {sidecar.path.parent} but could not be read back: "
                               f"{exc}", files=saved, sidecar=sidecar.path) from exc
    times["done"] = now_iso()
    sidecar.record.pop("error", None)
    sidecar.record.pop("resumable", None)
    sidecar.update(status="done", times=times, elapsed_s=round(time.monotonic() - t_start, 3),
                   arrays=[list(a.shape) for a in arrays])
    report("writing", 1.0)
    report("done", 1.0)
    return arrays, data


_GATEWAY_STATUSES = (502, 503, 504)


def _create_may_have_happened(exc: BaseException) -> bool:
    """False only when the create request was certainly refused (an HTTP error reply)."""
    if not isinstance(exc, YouCamError):
        return True  # unexpected failure (interrupt, bug): assume the worst
    from napari_youcam.api.errors import ConnectionFailedError, ServerError

    if isinstance(exc, ConnectionFailedError):
        return True
    # an unreadable 200 reply, or a gateway error (502/503/504) that a proxy can send
    # after the service already took the task: a billed task may exist
    return isinstance(exc, ServerError) and (exc.status is None or exc.status < 400
                                             or exc.status in _GATEWAY_STATUSES)


def _remove_job_dir(job_dir: Path) -> None:
    import shutil

    shutil.rmtree(job_dir, ignore_errors=True)


def _try_update(sidecar: Any, **fields: Any) -> None:
    try:
        sidecar.update(**fields)
    except OSError:
        log.warning("could not update the job record %s", sidecar.path)


def _safe_cost(F: Any, endpoint: Any, params: dict[str, Any]) -> float | None:
    try:
        return F.unit_cost(endpoint, params)
    except Exception:
        return None


def _decode(key: str, kind: str, saved: list[Path], data: Any, tf: Any,
            src_arr: np.ndarray | None) -> tuple[list[np.ndarray], Any]:
    """Arrays in the source frame (where geometry allows) and the result data."""
    from napari_youcam import imaging

    arrays: list[np.ndarray] = []
    for p in saved:
        suffix = p.suffix.lower()
        if suffix == ".zip":
            skin = imaging.read_skin_zip(p)
            if tf is not None:
                mapped = {}
                for name, m in skin.masks.items():
                    mapped[name] = _map_back(m, tf, src_arr, nearest=True)
                skin.masks.clear()
                skin.masks.update(mapped)
            data = skin
        elif suffix in (".png", ".jpg", ".jpeg", ".webp", ".gif"):
            img = _read_result_image(p)
            arrays.append(_map_back(img, tf, src_arr) if tf is not None else img)
    return arrays, data


def _map_back(img: np.ndarray, tf: Any, src_arr: np.ndarray | None, *, nearest: bool = False) -> np.ndarray:
    """Undo the fit when the result has the geometry we sent (in-place edits).

    Results of another size (enhance x2, out-paint canvas, generators) are kept as
    they are: resizing them to the source would destroy what the feature did.
    """
    from napari_youcam import imaging

    h, w = img.shape[:2]
    if (w, h) != tuple(tf.out_size) or tuple(tf.out_size) == tuple(tf.src_size) and not getattr(tf, "crop", None):
        return img
    base = None
    if getattr(tf, "crop", None) and src_arr is not None and not nearest:
        base = imaging.to_rgb8(src_arr)
        if img.ndim == 3 and img.shape[2] == 4:
            img = img[..., :3]
    return imaging.unfit(img, tf, base=base, nearest=nearest)


# ---------------------------------------------------------------------- faces
def find_faces(feature: str, source: Any, *, api: str | None = None, variant: str | None = None,
               client: Any = None, progress: ProgressFn | None = None, cancel: Any = None,
               deadline: float = 120.0) -> list[dict[str, Any]]:
    """Detect the faces a face-lift / face-reshape / face-swap task can target.

    Returns boxes in the SOURCE frame: ``{"index", "x", "y", "width", "height"}``;
    ``index`` is what the task's ``index`` (or face-swap ``position``) expects.
    """
    from napari_youcam import features as F
    from napari_youcam import imaging

    report = _Progress(progress)
    report("validating", 0.0)
    spec = F.get(feature)
    if client is None:
        from napari_youcam.api.session import default_client

        client = default_client(api=api)
    api = api or client.api
    endpoint = F.endpoint_for(spec, api, variant)
    if not getattr(endpoint, "preprocess_path", None):
        raise InputError(f"{spec.key} ({api}) has no face detection step")
    report("preparing", 0.0)
    arr = _load_image(source, "source")
    prep = imaging.prepare(arr, _limits_for(endpoint, {}))
    if _cancelled(cancel):
        raise CancelledError("cancelled before anything was sent; nothing was charged")
    report("uploading", 0.0)
    fid = client.upload(prep.image.data, content_type=prep.image.content_type,
                        file_name=f"src.{prep.image.format}", feature=endpoint)
    if _cancelled(cancel):
        raise CancelledError("cancelled before face detection started; nothing was charged")
    report("waiting", 0.0)
    raw = client.preprocess(spec.key, endpoint, fid, deadline=deadline)
    boxes = parse_face_boxes(raw)
    tf = prep.transform
    s = float(tf.scale) or 1.0
    ox, oy = (tf.crop[0], tf.crop[1]) if getattr(tf, "crop", None) else (0, 0)
    out = [{"index": i, "x": x / s + ox, "y": y / s + oy, "width": w / s, "height": h / s}
           for i, (x, y, w, h) in enumerate(boxes)]
    report("done", 1.0)
    return out


def parse_face_boxes(raw: Any) -> list[tuple[float, float, float, float]]:
    """(x, y, w, h) per face from R4 ``result[{left,top,width,height}]`` or R5 ``faces[{bbox}]``."""
    out: list[tuple[float, float, float, float]] = []
    if not isinstance(raw, dict):
        return out
    for item in raw.get("result") or []:
        if isinstance(item, dict) and {"left", "top", "width", "height"} <= item.keys():
            out.append((float(item["left"]), float(item["top"]), float(item["width"]), float(item["height"])))
    for face in raw.get("faces") or []:
        bbox = face.get("bbox") if isinstance(face, dict) else None
        if isinstance(bbox, list) and bbox and isinstance(bbox[0], list):  # v1 nested form (B9)
            bbox = bbox[0]
        if isinstance(bbox, list) and len(bbox) == 4:
            x1, y1, x2, y2 = (float(v) for v in bbox)
            out.append((x1, y1, x2 - x1, y2 - y1))
    return out
