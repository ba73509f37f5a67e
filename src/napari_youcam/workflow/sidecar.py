"""Where results go, and the JSON sidecar that records how each was made.

The sidecar is written in stages (after the task is created, after it finished,
after the files were written) with an atomic replace, so whatever happens later —
a crash, a failed decode, a closed laptop — the task id of a paid task and every
downloaded file are on disk and described. It never contains secrets: only
feature, params, ids, hashes, sizes, times and the sandbox flag.
"""

from __future__ import annotations

import datetime as _dt
import enum
import hashlib
import json
import logging
import os
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from napari_youcam.api import ServiceClient
from napari_youcam.api.credentials import load_config
from napari_youcam.errors import InputError
from napari_youcam.limits import JsonObject
from napari_youcam.workflow.jobs import JobRecord

SIDECAR_NAME = "youcam-job.json"
log = logging.getLogger("napari_youcam.workflow")


def default_results_dir() -> Path:
    """``YOUCAM_RESULTS_DIR``, else the config file's ``results_dir``, else a user-data dir.

    Linux ``$XDG_DATA_HOME/napari-youcam/results`` (~/.local/share), macOS
    ``~/Library/Application Support/napari-youcam/results``, Windows
    ``%LOCALAPPDATA%\\napari-youcam\\results``.
    """
    env = os.environ.get("YOUCAM_RESULTS_DIR")
    if env:
        return Path(env).expanduser()
    cfg = load_config().get("results_dir")
    if cfg:
        return Path(cfg).expanduser()
    home = Path.home()
    if sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "napari-youcam" / "results"


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def sha256_of(obj: object) -> str | None:
    """Hash of a source: file bytes for a path, raw bytes, or array bytes+shape+dtype."""
    if obj is None:
        return None
    h = hashlib.sha256()
    if isinstance(obj, (str, Path)):
        with open(obj, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    if isinstance(obj, (bytes, bytearray)):
        h.update(obj)
        return h.hexdigest()
    shape = getattr(obj, "shape", None)
    dtype = getattr(obj, "dtype", None)
    if shape is not None:
        a = np.ascontiguousarray(obj)
        h.update(f"{a.shape}|{a.dtype}|".encode())
        h.update(a.tobytes())
        return h.hexdigest()
    h.update(repr((shape, dtype)).encode())
    return h.hexdigest()


def ensure_results_dir(out_dir: str | Path) -> Path:
    """Create ``out_dir`` (with parents) and prove a file can be written in it.

    Called before anything is sent: a results folder that cannot hold the result
    must be found out while the job is still free, not after the task was paid.
    Raises `InputError` saying which folder and how to choose another.
    """
    base = Path(out_dir).expanduser()
    hint = "choose another results folder (--out or YOUCAM_RESULTS_DIR)"
    if base.exists() and not base.is_dir():
        raise InputError(f"results folder {base} is a file, not a folder: {hint}")
    try:
        base.mkdir(parents=True, exist_ok=True)
        # one probe name per writer: threads and processes probing at once must not
        # delete each other's probe
        probe = base / f".youcam-write-test-{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"results folder {base} is not writable ({exc.strerror or exc}): {hint}") from None
    return base


def make_job_dir(out_dir: Path, feature: str) -> Path:
    """A fresh folder ``<UTC time>_<feature>[_n]`` inside ``out_dir``.

    ``mkdir`` is exclusive, so concurrent writers (threads or processes) never share one.
    """
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    base = Path(out_dir).expanduser()
    base.mkdir(parents=True, exist_ok=True)
    for n in range(1000):
        d = base / (f"{stamp}_{feature}" + (f"_{n}" if n else ""))
        try:
            d.mkdir()
            return d
        except FileExistsError:
            continue
    raise OSError(f"could not create a job folder in {base}")


def service_host(client: ServiceClient) -> str | None:
    """``host[:port]`` of the service a client talks to (never user:password@, path or query)."""
    url = client.base_url
    if not url:
        return None
    try:
        parts = urlsplit(str(url))
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def load_sidecar(job_dir: str | Path) -> Sidecar:
    """The record of a job folder (or of the ``youcam-job.json`` given directly).

    Raises `InputError` naming what is wrong: no such folder, no record in it, or a
    record that is not a job record (any known field of the wrong type).
    """
    path = Path(job_dir).expanduser()
    if path.is_file() and path.name == SIDECAR_NAME:
        path = path.parent
    if not path.is_dir():
        raise InputError(f"{path}: no such job folder (give the folder that holds {SIDECAR_NAME})")
    side = path / SIDECAR_NAME
    if not side.is_file():
        raise InputError(
            f"{path}: no {SIDECAR_NAME} in this folder, so it is not a job folder "
            "(give the <time>_<feature> folder that `youcam run` printed)"
        )
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{side}: the job record cannot be read ({exc})") from None
    record = JobRecord.from_json(data, where=str(side))
    record.job_id = path.name  # the folder names the job, whatever the file says
    return Sidecar(side, record)


def _jsonable(v: object) -> object:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, enum.Enum):
        return v.value
    if hasattr(v, "item") and callable(v.item) and getattr(v, "ndim", 1) == 0:
        return v.item()
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return repr(v)


#: called with the record after every write (the job store's hook); its failures are only logged
RecordHook = Callable[[JobRecord], None]


class Sidecar:
    """A job's `JobRecord`, rewritten atomically (temp file + ``os.replace``) on each `update`.

    ``on_write`` (the job store) is told of every write; its failures are logged and
    never stop the job: the file is the truth, the store only an index.
    """

    def __init__(self, path: Path, record: JobRecord | JsonObject, *, on_write: RecordHook | None = None):
        self.path = Path(path)
        if isinstance(record, dict):
            record = JobRecord.from_json(record, where=str(path))
        self.record = record
        if not record.job_id:
            record.job_id = self.path.parent.name
        self.on_write = on_write

    @property
    def job_dir(self) -> Path:
        return self.path.parent

    def update(self, **fields: object) -> Path:
        self.record.update(**fields)
        # One temporary name per writer: a job being resumed while the process that
        # started it still polls must not have two writers racing on one temp file.
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(_jsonable(self.record.to_json()), indent=2), encoding="utf-8")
        os.replace(tmp, self.path)
        if self.on_write is not None:
            try:
                self.on_write(self.record)
            except Exception:  # the index may fail; the record on disk is what counts
                log.warning(
                    "job store: could not index %s (the job folder keeps the record)", self.path.parent, exc_info=True
                )
        return self.path
