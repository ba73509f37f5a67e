"""Task lifecycle: create, run (asynchronously, by the clock), poll, expire, charge.

A task is `running` for `processing_seconds` after creation. It is finished lazily
on the first poll after that moment, in the polling request's thread: that is when
inputs are fetched and decoded, size rules are applied (engine errors, as the real
engine reports them inside a 200), results are generated and the ledger is charged.
A running task that was not polled for `poll_window_seconds` is lost — every later
poll gets 400 InvalidTaskId and nothing is charged — which is the documented rule a
client most easily breaks by sleeping too long between polls.
"""

from __future__ import annotations

import base64
import io
import os
import secrets
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from napari_youcam.features.spec import Limits
from napari_youcam.limits import JsonObject

from . import results as R
from . import results_analysis, results_image, results_vto  # noqa: F401  (they register their generators)
from .catalog import Route
from .contract import TaskRequest
from .files import FileStore

INVALID_TASK_ID = {"status": 400, "error": "Invalid task ID", "error_code": "InvalidTaskId"}

_PIL_FORMATS = {"JPEG": "jpg", "PNG": "png", "BMP": "bmp", "TIFF": "tiff", "WEBP": "webp", "GIF": "gif"}


def new_task_id(api: str) -> str:
    """v1 ids are standard base64 (with + / =, so a client must URL-encode them in the
    query string); v2 ids are URL-safe like the v2 examples."""
    if api == "v1":
        while True:
            tid = base64.b64encode(os.urandom(31)).decode()  # 44 chars, ends with '='
            if "+" in tid and "/" in tid:
                return tid
    while True:  # never a leading '-': a command line would read such an id as an option
        tid = secrets.token_urlsafe(32)
        if not tid.startswith("-"):
            return tid


@dataclass
class Task:
    task_id: str
    feature: str
    route: Route
    kind: str  # "task" | "preprocess"
    request: TaskRequest
    params: JsonObject  # flat, dotted, documented defaults applied
    owner: str
    created_at: float
    ready_at: float
    cost: float
    request_id: int | None = None
    forced_error: tuple[str, str] | None = None
    status: str = "running"
    error: str | None = None
    error_message: str = ""
    outcome: R.Outcome | None = None
    result_files: list[str] = field(default_factory=list)  # dst_ids
    last_poll: float = 0.0
    expired: bool = False
    charged: bool = False
    deleted: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def api(self) -> str:
        return self.route.api

    def as_dict(self) -> JsonObject:
        return {
            "task_id": self.task_id,
            "feature": self.feature,
            "api": self.api,
            "kind": self.kind,
            "status": "expired" if self.expired else self.status,
            "error": self.error,
            "params": self.params,
            "inputs": self.request.inputs,
            "request_id": self.request_id,
            "units": self.cost,
            "charged": self.charged,
        }


class Processor:
    """Fetches, decodes and checks inputs, then asks `results.generate` for the outcome."""

    def __init__(self, files: FileStore, base_url: Callable[[], str]):
        self.files = files
        self.base_url = base_url

    def fetch(self, kind: str, value: str, role: str) -> bytes:
        code = "error_download_mask" if role == "mask" else "error_download_image"
        if kind == "id":
            f = self.files.get(value)
            if f is None:
                raise R.EngineError(code, f"file id {value!r} is unknown (register it with the File API first)")
            if f.data is None:
                raise R.EngineError(code, f"file id {value!r} was registered but its bytes were never PUT")
            return f.data
        base = self.base_url()
        if value.startswith(base + "/_download/"):
            token = value[len(base) + len("/_download/") :].split("/", 1)[0]
            d = self.files.download(token)
            if d is None or d.expires_at <= self.files.clock.time():
                raise R.EngineError(code, "the URL is not downloadable (expired or unknown)")
            return d.data
        try:
            with urllib.request.urlopen(value, timeout=5) as resp:  # noqa: S310 - public URL inputs
                data: bytes = resp.read(100 * 1024 * 1024 + 1)
                return data
        except Exception as exc:  # noqa: BLE001
            raise R.EngineError(code, f"could not download {value}: {exc}") from None

    @staticmethod
    def decode(data: bytes, role: str) -> tuple[Image.Image, str]:
        try:
            img = Image.open(io.BytesIO(data))
            img.load()
        except Exception:  # noqa: BLE001
            code = "error_decode_mask" if role == "mask" else "error_decode_image"
            raise R.EngineError(code, f"the {role} file is not a decodable image") from None
        return img, _PIL_FORMATS.get(img.format or "", (img.format or "").lower())

    @staticmethod
    def check_size(img: Image.Image, fmt: str, limits: Limits, role: str) -> None:
        w, h = img.size
        long, short = max(w, h), min(w, h)
        too_big = []
        if limits.long_max is not None and (long >= limits.long_max if limits.long_strict else long > limits.long_max):
            too_big.append(f"long side {long} px {'must be <' if limits.long_strict else 'exceeds'} {limits.long_max}")
        if limits.width_max is not None and (w >= limits.width_max if limits.long_strict else w > limits.width_max):
            too_big.append(f"width {w} px over {limits.width_max}")
        if limits.height_max is not None and (h >= limits.height_max if limits.long_strict else h > limits.height_max):
            too_big.append(f"height {h} px over {limits.height_max}")
        if too_big:
            raise R.EngineError("error_exceed_max_image_size", f"{role}: " + "; ".join(too_big))
        too_small = []
        if limits.short_min is not None and short < limits.short_min:
            too_small.append(f"short side {short} px < {limits.short_min}")
        if limits.side_min is not None and short < limits.side_min:
            too_small.append(f"{w}x{h} px: both sides must be >= {limits.side_min}")
        if limits.long_min is not None and long < limits.long_min:
            too_small.append(f"long side {long} px < {limits.long_min}")
        if too_small:
            raise R.EngineError("error_below_min_image_size", f"{role}: " + "; ".join(too_small))
        if fmt and limits.formats:
            ok = fmt in limits.formats or (fmt in ("jpg", "jpeg") and {"jpg", "jpeg"} & set(limits.formats))
            if not ok:
                raise R.EngineError(
                    "error_decode_image", f"{role}: format {fmt} is not accepted here ({', '.join(limits.formats)})"
                )
        a_min, a_max = limits.aspect_min, limits.aspect_max
        if (a_min is not None and w / h < a_min) or (a_max is not None and w / h > a_max):
            raise R.EngineError("error_unsupport_ratio", f"{role}: aspect {w}:{h} is outside the accepted range")

    def run(self, task: Task) -> R.Outcome:
        if task.forced_error:
            raise R.EngineError(*task.forced_error)
        ep = task.route.endpoint
        limits = ep.limits_with(task.params)
        inp = R.Inputs()
        for role, items in task.request.inputs.items():
            spec_in = ep.input(role)
            for kind, value in items:
                data = self.fetch(kind, value, role)
                if spec_in is not None and spec_in.kind == "video":
                    if len(data) < 12 or data[4:8] not in (b"ftyp", b"moov", b"mdat", b"wide", b"free"):
                        raise R.EngineError("error_decode_video", f"the {role} file is not an mp4/mov video")
                    inp.src_raw = data
                    continue
                img, fmt = self.decode(data, role)
                in_limits = (spec_in.limits if spec_in is not None else None) or limits
                if role in ("src", "srcs"):
                    self.check_size(img, fmt, in_limits, role)
                elif role in ("ref", "refs") and spec_in is not None and spec_in.limits is not None:
                    self.check_size(img, fmt, spec_in.limits, role)
                if role == "src":
                    inp.src, inp.src_bytes = img, data
                elif role == "mask":
                    inp.mask = img
                elif role in ("ref", "refs"):
                    inp.refs.append(img)
                elif role == "srcs":
                    inp.srcs.append(img)
                    if inp.src is None:
                        inp.src_bytes = data
        if inp.mask is not None and inp.src is not None and inp.mask.size != inp.src.size:
            raise R.EngineError(
                "size_mismatch_on_input_image_and_mask",
                f"mask is {inp.mask.size[0]}x{inp.mask.size[1]}, source is {inp.src.size[0]}x{inp.src.size[1]}",
            )
        if task.feature == "skin-analysis" and inp.src is not None:
            hd = any(str(c).startswith("hd_") for c in task.params.get("dst_actions") or [])
            if hd and min(inp.src.size) < 1080:
                raise R.EngineError("error_below_min_image_size", "HD concerns need a short side >= 1080 px")
        return R.generate(task.feature, ep, task.kind, inp, task.params)
