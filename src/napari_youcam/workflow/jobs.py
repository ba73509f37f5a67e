"""The job's types: its status, its record (the sidecar's content) and its error.

`JobRecord` is what ``youcam-job.json`` holds and what the job store indexes. A
record read from disk is untrusted (a job folder can come from a colleague, a
shared drive, an archive): `JobRecord.from_json` checks the type of every field it
knows, keeps unknown fields aside, and raises `InputError` naming the first field
that is wrong. A record never holds a secret: feature, params, ids, hashes, sizes,
times, the service host and the sandbox flag.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from napari_youcam.errors import InputError
from napari_youcam.limits import JsonObject


class JobStatus(str, enum.Enum):
    """Where a job stands; the value is what the sidecar and the store hold."""

    CREATING = "creating"  # record written, create request not answered yet
    CREATE_UNCERTAIN = "create_uncertain"  # create failed without a clear answer: a task may exist
    RUNNING = "running"  # task created (billed on success), being polled
    SUCCEEDED = "succeeded"  # task finished on the service, result not fetched yet
    DOWNLOAD_FAILED = "download_failed"  # task finished, fetching its result failed: resumable
    SAVED = "saved"  # result files on disk, not decoded yet
    SAVED_UNDECODED = "saved_undecoded"  # result files on disk, decoding them failed
    DONE = "done"  # files on disk and decoded
    FAILED = "failed"  # the task failed, or polling stopped (see resumable)
    REUSED = "reused"  # answered from an earlier identical job: nothing sent

    def __str__(self) -> str:
        return self.value


#: statuses whose result files are in the job folder
HAS_RESULT = frozenset({JobStatus.SAVED, JobStatus.SAVED_UNDECODED, JobStatus.DONE, JobStatus.REUSED})
#: statuses of a created task whose result may still be fetched without paying again
UNFINISHED = frozenset({JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.DOWNLOAD_FAILED, JobStatus.FAILED})


# (field name, accepted JSON types) checked when a record is read from disk
_STR, _INT, _NUM, _BOOL = (str,), (int,), (int, float), (bool,)
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "job_id": _STR,
    "feature": _STR,
    "title": _STR,
    "api": _STR,
    "variant": _STR,
    "task_path": _STR,
    "params": (dict,),
    "task_id": _STR,
    "request_id": _INT,
    "source_sha256": _STR,
    "source_shape": (list,),
    "source_dtype": _STR,
    "input_hashes": (dict,),
    "reuse_key": _STR,
    "transform": (dict,),
    "notes": (list,),
    "uploads": (list,),
    "unit_cost_estimate": _NUM,
    "units_charged": _NUM,
    "service_host": _STR,
    "kind": _STR,
    "sandbox": _BOOL,
    "files": (list,),
    "times": (dict,),
    "cancel_requested": _BOOL,
    "error": _STR,
    "error_code": _STR,
    "error_type": _STR,
    "resumable": _BOOL,
    "resumed_at": _STR,
    "resumes": (list,),
    "reused_from": _STR,
    "dst_ids": (list,),
    "polls": _INT,
    "elapsed_s": _NUM,
    "arrays": (list,),
    "mask_files": (dict,),
    "source_name": _STR,
    "source_frame": _INT,
}


#: optional fields left out of the JSON while unset (a record says what happened, not what did not)
_OMIT_WHEN_NONE = frozenset(
    {
        "error",
        "error_code",
        "error_type",
        "resumable",
        "resumed_at",
        "reused_from",
        "dst_ids",
        "polls",
        "elapsed_s",
        "arrays",
        "mask_files",
        "units_charged",
        "source_name",
        "source_frame",
    }
)


@dataclass
class JobRecord:
    """One job, as written to ``youcam-job.json`` and indexed by the job store."""

    feature: str
    status: JobStatus = JobStatus.CREATING
    job_id: str = ""
    title: str | None = None
    api: str = "v2"
    variant: str = "default"
    task_path: str | None = None
    params: JsonObject = field(default_factory=dict)
    task_id: str | None = None
    request_id: int | None = None
    source_sha256: str | None = None
    source_shape: list[int] | None = None
    source_dtype: str | None = None
    input_hashes: dict[str, list[str]] = field(default_factory=dict)
    reuse_key: str | None = None
    transform: JsonObject | None = None
    notes: list[str] = field(default_factory=list)
    uploads: list[JsonObject] = field(default_factory=list)
    unit_cost_estimate: float | None = None
    units_charged: float | None = None
    service_host: str | None = None
    kind: str | None = None
    sandbox: bool = False
    files: list[str] = field(default_factory=list)
    times: dict[str, str] = field(default_factory=dict)
    cancel_requested: bool = False
    error: str | None = None
    error_code: str | None = None
    error_type: str | None = None
    resumable: bool | None = None
    resumed_at: str | None = None
    resumes: list[JsonObject] = field(default_factory=list)
    reused_from: str | None = None
    dst_ids: list[str] | None = None
    polls: int | None = None
    elapsed_s: float | None = None
    arrays: list[list[int]] | None = None
    mask_files: dict[str, str] | None = None
    source_name: str | None = None  # the source's file name when it came from a file
    source_frame: int | None = None  # the frame (0-based) read from a multi-frame source file
    #: fields this version does not know (kept so a rewrite loses nothing)
    extra: JsonObject = field(default_factory=dict)

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> JsonObject:
        out: JsonObject = {}
        for f in dataclasses.fields(self):
            if f.name == "extra":
                continue
            v = getattr(self, f.name)
            if v is None and f.name in _OMIT_WHEN_NONE:
                continue
            out[f.name] = v.value if isinstance(v, JobStatus) else v
        out.update({k: v for k, v in self.extra.items() if k not in out})
        return out

    @classmethod
    def from_json(cls, data: object, *, where: str = "job record") -> JobRecord:
        """A record from untrusted JSON; `InputError` naming the first bad field."""
        if not isinstance(data, dict):
            raise InputError(f"{where}: not a job record (a JSON object is expected)")
        if not isinstance(data.get("feature"), str) or not data["feature"]:
            raise InputError(f"{where}: not a job record (no feature)")
        known: JsonObject = {}
        extra: JsonObject = {}
        for key, value in data.items():
            if key == "status":
                continue
            types = _FIELD_TYPES.get(key)
            if types is None:
                extra[str(key)] = value
                continue
            if value is None:
                continue
            if not isinstance(value, types) or (types != _BOOL and isinstance(value, bool)):
                raise InputError(
                    f"{where}: field {key!r} has the wrong type ({type(value).__name__}); "
                    "the record was edited or damaged"
                )
            known[key] = value
        try:
            status = JobStatus(data.get("status", "creating"))
        except ValueError:
            raise InputError(f"{where}: unknown job status {data.get('status')!r}") from None
        files = known.get("files", [])
        if not all(isinstance(n, str) and Path(n).name == n and n not in ("", ".", "..") for n in files):
            raise InputError(f"{where}: the record lists files outside the job folder")
        return cls(status=status, extra=extra, **known)

    def update(self, **fields: object) -> None:
        """Set known fields (status as text or enum); anything else goes to ``extra``."""
        for key, value in fields.items():
            if key == "status":
                value = JobStatus(value)
            if key in _FIELD_TYPES or key == "status":
                setattr(self, key, value)
            else:
                self.extra[key] = value

    @property
    def units_label(self) -> str:
        return "sandbox units" if self.sandbox else "units"


# ---------------------------------------------------------------------- content hashes, reuse key
def canonical_json(obj: object) -> str:
    """JSON with sorted keys and no spaces: equal values give equal text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_hash(obj: bytes | str | Path | np.ndarray) -> str:
    """sha256 of what an input IS: pixels for images (shape, dtype, bytes), bytes for the rest.

    Decoded arrays hash the same whether the photo came from a file or a napari
    layer; a video (or other file) given by path hashes its bytes.
    """
    h = hashlib.sha256()
    if isinstance(obj, (bytes, bytearray)):
        h.update(obj)
    elif isinstance(obj, (str, Path)):
        with open(obj, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    else:
        a = np.ascontiguousarray(np.asarray(obj))
        h.update(f"{a.shape}|{a.dtype}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def reuse_key(
    *,
    feature: str,
    variant: str,
    api: str,
    params: JsonObject,
    input_hashes: dict[str, list[str]],
    service_host: str | None,
    sandbox: bool,
    frame: int | None = None,
) -> str:
    """The identity of a paid result: equal keys would buy the same result again.

    ``frame`` (a multi-frame source's chosen frame) joins the key only when given,
    so the keys of single-frame jobs stay what they were. Every sandbox counts as one
    host: its results are a pure function of the inputs, and the bundled one listens on
    a new port in each process, so a rerun in sandbox mode finds what the last run made.
    """
    identity: JsonObject = {
        "feature": feature,
        "variant": variant,
        "api": api,
        "params": params,
        "inputs": {k: list(v) for k, v in sorted(input_hashes.items())},
        "host": "sandbox" if sandbox else service_host,
        "sandbox": bool(sandbox),
    }
    if frame is not None:
        identity["frame"] = frame
    return hashlib.sha256(canonical_json(identity).encode()).hexdigest()
