"""The steps after a task exists — wait → download → write — shared by `run`, `resume` and batch.

Once a task was created it is paid for on success, so these steps keep every
result: the job polls to the end even when cancelled, downloads at once (URLs live
2 h, and an expired URL is renewed by polling the task again), writes the files and
the record before anything that could fail (decoding, mapping back), and a failure
raises the error with its `job` set (`JobPlace`: the job folder, the task and the command that continues).
"""

from __future__ import annotations

import json
import logging
import re
import shlex
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeAlias
from urllib.parse import urlparse

import numpy as np
from PIL import Image

from napari_youcam import features as F
from napari_youcam import imaging
from napari_youcam.api import ServiceClient
from napari_youcam.api.client import DeadlineExceededError
from napari_youcam.api.errors import ServerError, TaskExpiredError, TaskFailedError
from napari_youcam.api.results import Json, TaskResult
from napari_youcam.errors import InputError, JobPlace, YouCamError
from napari_youcam.features import Endpoint
from napari_youcam.imaging import Transform
from napari_youcam.imaging.io import read_image_file
from napari_youcam.limits import JsonObject
from napari_youcam.workflow.jobs import JobStatus
from napari_youcam.workflow.sidecar import Sidecar, now_iso

log = logging.getLogger("napari_youcam.workflow")

STAGES = ("validating", "preparing", "uploading", "creating", "waiting", "downloading", "writing", "done")
ProgressFn = Callable[[str, float], None]
#: What a result says besides its images: the task's JSON (shaped by the feature and
#: the generation, see `api.results.Json`) or, for a skin ZIP, an `imaging.SkinResult`.
#: Left open (Any): readers narrow it by the job's feature and kind.
ResultData: TypeAlias = Any
_EXT_FOR_KIND = {"image": ".png", "images": ".png", "zip": ".zip", "video": ".mp4", "json": ".json", "boxes": ".json"}
_RESULT_SUFFIXES = (".png", ".jpg", ".jpeg", ".zip", ".mp4", ".mov", ".json", ".webp", ".gif")
_EXPIRED_URL = (401, 403, 404, 410)


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


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
    params: JsonObject
    files: list[Path]
    sidecar: Path
    kind: str
    arrays: list[np.ndarray] = field(default_factory=list)
    data: ResultData = None
    sandbox: bool = False
    api: str = "v2"
    variant: str = "default"
    cancel_requested: bool = False
    notes: list[str] = field(default_factory=list)
    reused_from: str | None = None  # the job folder name this result was taken from (nothing paid)


class Progress:
    """Calls the user's callback with (stage, fraction in 0..1); never lets it break a job."""

    def __init__(self, fn: ProgressFn | None):
        self.fn = fn

    def __call__(self, stage: str, fraction: float) -> None:
        if self.fn is None:
            return
        try:
            self.fn(stage, float(max(0.0, min(1.0, fraction))))
        except Exception:  # a broken progress bar must not lose a paid result
            log.exception("progress callback failed (ignored)")


def _cancelled(cancel: CancelToken | None) -> bool:
    try:
        return bool(cancel is not None and cancel.is_set())
    except Exception:  # noqa: BLE001 - a broken cancel token reads as "not cancelled": the job goes on
        return False


def _check_deadline(deadline: object) -> float:
    try:
        value = float(deadline)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"the deadline must be a number of seconds, got {deadline!r}") from None
    if not value > 0:  # also refuses NaN
        # A created task is billed; a deadline that has passed before the first poll
        # would abandon every result it pays for.
        raise InputError(
            f"the deadline must be more than 0 seconds, got {value:g}: give the task time to finish (default 600)"
        )
    return value


def resume_command(job_dir: Path) -> str:
    """The shell command that picks this job up again."""
    return f"youcam resume {shlex.quote(str(job_dir))}"


def _output_kind(endpoint: Endpoint, params: JsonObject) -> str:
    """What the task returns for these params (skin-analysis format=json gives JSON)."""
    return F.output_kind(endpoint, params)


def _load_image(src: object, what: str) -> np.ndarray:
    if isinstance(src, np.ndarray):
        return src
    if isinstance(src, (str, Path)):
        return read_image_file(src, what=what)
    if hasattr(src, "__array__"):
        return np.asarray(src)
    raise InputError(f"{what}: expected an array or an image path, got {type(src).__name__}")


def _try_update(sidecar: Sidecar, **fields: object) -> None:
    try:
        sidecar.update(**fields)
    except OSError:
        log.warning("could not update the job record %s", sidecar.path)


def _remove_job_dir(job_dir: Path) -> None:
    shutil.rmtree(job_dir, ignore_errors=True)


# ---------------------------------------------------------------------- wait
def _wait_step(
    client: ServiceClient,
    endpoint: Endpoint,
    task_id: str,
    *,
    sidecar: Sidecar,
    times: dict[str, str],
    report: Progress,
    cancel: CancelToken | None,
    deadline: float,
    kind: str,
    resuming: bool = False,
) -> TaskResult:
    """Poll the (already created) task to the end, on the catalogue's path for ``endpoint``.

    An error that leaves the task alive on the service (our deadline, a lost
    connection) is raised with its `job` naming the command that resumes it.
    """
    job_dir = sidecar.job_dir
    try:
        res: TaskResult = client.wait(endpoint, task_id, progress=report, cancel=cancel, deadline=deadline, kind=kind)
    except YouCamError as exc:
        final = isinstance(exc, (TaskFailedError, TaskExpiredError))
        _try_update(
            sidecar,
            status=JobStatus.FAILED,
            error=str(exc),
            error_code=exc.code,
            error_type=type(exc).__name__,
            resumable=not final,
            times={**times, "failed": now_iso()},
        )
        hint = None if final else resume_command(job_dir)
        if isinstance(exc, TaskExpiredError):
            msg = (
                f"{'cannot resume task' if resuming else 'task'} {task_id}: the service no longer knows it "
                "— a running task expires when it is not polled for about 10 s (and finished results are "
                "kept only for a limited time); units may have been charged: check `youcam credits` and "
                f"the credit history, then run the job again ({job_dir}) [{exc.message}]"
            )
        elif isinstance(exc, DeadlineExceededError):
            msg = (
                f"task {task_id} still running after {deadline:g} s; it may still finish and be billed — "
                f"resume it with: {hint} (soon: the service drops a running task that is not polled "
                "for about 10 s)"
            )
        elif final:
            msg = exc.message
        else:
            msg = f"{exc.message} (task {task_id} was created and may still finish; resume it with: {hint})"
        exc.at_job(msg, JobPlace(job_dir, task_id, hint))
        raise  # the same error, now naming its job
    except BaseException:  # interrupted: the task lives on, and so does its record ("running")
        _try_update(sidecar, resumable=True)
        raise
    times["finished"] = now_iso()
    sidecar.update(status=JobStatus.SUCCEEDED, times=times, resumable=True)
    return res


# ---------------------------------------------------------------------- download
def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._")[:60] or "x"


def _mask_targets(key: str, data: ResultData) -> list[tuple[JsonObject, int, str, str]]:
    """(item, index, url, file name) for every mask URL of a skin ``format=json`` reply."""
    out: list[tuple[JsonObject, int, str, str]] = []
    items = data.get("output") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return out
    taken: set[str] = set()
    for item in items:
        urls = item.get("mask_urls") if isinstance(item, dict) else None
        if not isinstance(urls, list):
            continue
        label = _safe_name("_".join(str(item.get(k)) for k in ("type", "region") if item.get(k)))
        for j, url in enumerate(urls):
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                continue
            name = f"{key}_mask_{label}{f'_{j + 1}' if len(urls) > 1 else ''}{_ext_from_url(url, 'image')}"
            while name in taken:
                name = f"_{name}"
            taken.add(name)
            out.append((item, j, url, name))
    return out


def _has_result(res: TaskResult) -> bool:
    """False for a ``success`` reply that carries nothing to keep (no URL, no output[], no JSON)."""
    if res.urls:
        return True
    data = res.data
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k != "sandbox"}
    return bool(data) or isinstance(data, (int, float)) and not isinstance(data, bool)


def _ext_from_url(url: str, kind: str) -> str:
    suffix = Path(urlparse(url).path).suffix.lower()
    return suffix if suffix in _RESULT_SUFFIXES else _EXT_FOR_KIND.get(kind, ".bin")


def _fetch_all(
    client: ServiceClient,
    res: TaskResult,
    key: str,
    job_dir: Path,
    sidecar: Sidecar,
    report: Progress,
    saved: list[Path],
) -> dict[str, str]:
    """Download every result and mask URL of ``res`` not yet in ``saved``; returns mask files."""
    targets = [
        (url, f"{key}{'' if len(res.urls) == 1 else f'_{i + 1}'}{_ext_from_url(url, res.kind)}")
        for i, url in enumerate(res.urls)
    ]
    masks = _mask_targets(key, res.data)
    targets += [(url, name) for _, _, url, name in masks]
    done = {p.name for p in saved}
    for n, (url, name) in enumerate(targets):
        report("downloading", n / max(1, len(targets)))
        if name in done:
            continue
        saved.append(client.download(url, job_dir / name))
        done.add(name)
        sidecar.update(files=[p.name for p in saved])
    mask_files: dict[str, str] = {}
    for item, j, _, name in masks:
        item.setdefault("mask_files", []).append(name)
        mask_files[f"{item.get('type')}/{item.get('region') or 'whole'}/{j}"] = name
    return mask_files


def download_step(
    client: ServiceClient,
    res: TaskResult,
    *,
    key: str,
    sidecar: Sidecar,
    times: dict[str, str],
    report: Progress,
    refresh: Callable[[], TaskResult] | None = None,
) -> list[Path]:
    """Download every result URL (and skin mask URL), write JSON results, into the job folder.

    A ``success`` with nothing in it is an error that keeps the job resumable. A URL
    that answers 401/403/404/410 (expired) is renewed once by ``refresh()`` — a
    new poll of the same task — before giving up.
    """
    job_dir = sidecar.job_dir
    saved: list[Path] = []
    renewed = refresh is None
    try:
        if not _has_result(res):
            raise ServerError(
                f"{key}: task {res.task_id} reported success but its reply carried no result "
                "(no URL, no output, no data)"
            )
        while True:
            try:
                mask_files = _fetch_all(client, res, key, job_dir, sidecar, report, saved)
                break
            except ServerError as exc:
                if renewed or exc.status not in _EXPIRED_URL:
                    raise
                renewed = True
                log.info("result URL of task %s expired (%s): polling the task for fresh URLs", res.task_id, exc.status)
                assert refresh is not None
                res = _renew(refresh, res.task_id)
        if res.data is not None and (res.kind in ("json", "boxes") or not res.urls):
            p = job_dir / f"{key}.json"
            if p in saved:  # a downloaded file already has that name: never overwrite a result
                p = job_dir / f"{key}_data.json"
            p.write_text(json.dumps(res.data, indent=2, default=str), encoding="utf-8")
            saved.append(p)
    except (YouCamError, OSError) as exc:
        if isinstance(exc, OSError):  # disk full, folder removed...: say so, with the way back
            exc = YouCamError(f"{key}: cannot save the result in {job_dir} ({exc.strerror or exc})")
        gone = isinstance(exc, TaskExpiredError)
        _try_update(
            sidecar,
            status=JobStatus.DOWNLOAD_FAILED,
            error=str(exc),
            error_code=exc.code,
            error_type=type(exc).__name__,
            resumable=not gone,
            files=[p.name for p in saved],
        )
        hint = None if gone else resume_command(job_dir)
        msg = f"{exc.message} (task {res.task_id} succeeded; its record is in {sidecar.path}" + (
            f"; fetch the result with: {hint})" if hint else ")"
        )
        raise exc.at_job(msg, JobPlace(job_dir, res.task_id, hint)) from None
    report("downloading", 1.0)
    times["downloaded"] = now_iso()
    sidecar.update(
        status=JobStatus.SAVED,
        kind=res.kind,
        files=[p.name for p in saved],
        times=times,
        dst_ids=res.dst_ids or None,
        polls=res.polls,
        mask_files=mask_files or None,
    )
    return saved


def _renew(refresh: Callable[[], TaskResult], task_id: str) -> TaskResult:
    try:
        return refresh()
    except TaskExpiredError as exc:
        raise TaskExpiredError(
            f"the result URLs of task {task_id} expired and the task itself is gone from "
            "the service, so its result cannot be fetched any more",
            code=exc.code,
            status=exc.status,
        ) from None


def repoll(
    client: ServiceClient, endpoint: Endpoint, task_id: str, kind: str, deadline: float
) -> Callable[[], TaskResult]:
    """A new poll of a finished task: the service answers with fresh result URLs."""
    return lambda: client.wait(endpoint, task_id, deadline=min(deadline, 120.0), kind=kind)


def saved_data(files: list[Path]) -> Json:
    """The JSON result among saved files (the data file is written last, after any downloaded .json)."""
    for p in reversed(files):
        if p.suffix.lower() == ".json":
            try:
                return json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(f"{p}: the saved JSON result cannot be read ({exc})") from None
    return None


def result_data(saved: list[Path], res: TaskResult) -> ResultData:
    """The result data; as written to disk when it was (skin masks' local names included)."""
    written = res.data is not None and (res.kind in ("json", "boxes") or not res.urls)
    return saved_data(saved) if written else res.data


# ---------------------------------------------------------------------- write
def _write_step(
    key: str,
    kind: str,
    saved: list[Path],
    data: ResultData,
    tf: Transform | None,
    src_arr: np.ndarray | None,
    *,
    sidecar: Sidecar,
    times: dict[str, str],
    report: Progress,
    t_start: float,
) -> tuple[list[np.ndarray], ResultData]:
    """Decode the saved files and map them back; the record ends as ``done``."""
    report("writing", 0.0)
    try:
        arrays, data = _decode(key, kind, saved, data, tf, src_arr)
    except Exception as exc:  # the files are safe; say so instead of losing them
        sidecar.update(status=JobStatus.SAVED_UNDECODED, error=f"{type(exc).__name__}: {exc}")
        raise ResultSavedError(
            f"the result was saved to {sidecar.job_dir} but could not be read back: {exc}",
            files=saved,
            sidecar=sidecar.path,
        ) from exc
    times["done"] = now_iso()
    sidecar.update(
        status=JobStatus.DONE,
        times=times,
        elapsed_s=round(time.monotonic() - t_start, 3),
        arrays=[list(a.shape) for a in arrays],
        error=None,
        error_code=None,
        error_type=None,
        resumable=None,
        units_charged=sidecar.record.unit_cost_estimate,
    )
    report("writing", 1.0)
    report("done", 1.0)
    return arrays, data


def _read_result_image(path: Path) -> np.ndarray:
    with Image.open(path) as opened:
        opened.load()
        im: Image.Image = opened
        if im.mode not in ("RGB", "RGBA", "L"):
            im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
        return np.asarray(im)


def _decode(
    key: str, kind: str, saved: list[Path], data: ResultData, tf: Transform | None, src_arr: np.ndarray | None
) -> tuple[list[np.ndarray], ResultData]:
    """Arrays in the source frame (where geometry allows) and the result data.

    Skin ``format=json`` mask files are not result images: they stay files, named
    in the JSON data (``mask_files``), like the masks inside a skin ZIP.
    """
    arrays: list[np.ndarray] = []
    for p in saved:
        suffix = p.suffix.lower()
        if suffix == ".zip":
            skin = imaging.read_skin_zip(p)
            if tf is not None:
                mapped = {name: _map_back(m, tf, src_arr, nearest=True) for name, m in skin.masks.items()}
                skin.masks.clear()
                skin.masks.update(mapped)
            data = skin
        elif suffix in (".png", ".jpg", ".jpeg", ".webp", ".gif") and not p.name.startswith(f"{key}_mask_"):
            img = _read_result_image(p)
            arrays.append(_map_back(img, tf, src_arr) if tf is not None else img)
    return arrays, data


def _map_back(img: np.ndarray, tf: Transform, src_arr: np.ndarray | None, *, nearest: bool = False) -> np.ndarray:
    """Undo the fit when the result has the geometry we sent (in-place edits).

    Results of another size (enhance x2, out-paint canvas, generators) are kept as
    they are: resizing them to the source would destroy what the feature did.
    """
    h, w = img.shape[:2]
    if (w, h) != tuple(tf.out_size) or tuple(tf.out_size) == tuple(tf.src_size) and not tf.crop:
        return img
    base = None
    if tf.crop and src_arr is not None and not nearest:
        base = imaging.to_rgb8(src_arr)
        if img.ndim == 3 and img.shape[2] == 4:
            img = img[..., :3]
    return imaging.unfit(img, tf, base=base, nearest=nearest)
