"""Reading task-status replies and results, in both generations and all their quirks.

The shapes differ by generation and even by feature:
v2 ``{"data": {"task_status", "error", "results": {...}}}`` vs v1
``{"result": {"status", "polling_interval", "results": [{"id", "data": [...]}]}}``;
``results`` may be ``{"url"}``, ``{"output": [{"url"}]}``, a bare URL string
(skin-analysis ZIP example), or v1 ``results[].data[]`` with ``dst_id`` /
``analysis_result``. Everything here is tolerant: unknown extra fields are kept in
``raw`` and never break parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from napari_youcam.api.errors import ServerError
from napari_youcam.limits import JsonObject

# Decoded JSON from the service. Its shape depends on the feature and the API
# generation (see above), so it stays open here; the `features` readers and the
# workflow narrow it where they use it.
Json: TypeAlias = Any
TaskState = Literal["running", "success", "error"]


@dataclass(frozen=True)
class TaskStatus:
    """One poll reply, normalised."""

    state: TaskState  # anything else the service says is treated as running
    error: str | None = None
    error_message: str | None = None
    polling_interval_s: float | None = None
    results: Json = None


@dataclass
class TaskResult:
    """A finished task: where its outputs are, and what they said.

    ``urls`` are download URLs (valid about 2 hours: download at once).
    ``data`` is the JSON result for analysis features (None for pure images).
    ``cancel_requested`` is True when the caller asked to cancel after the task
    was created: the service cannot cancel, so we finished and kept the result.
    """

    task_id: str
    status: str  # "success": failures raise instead
    kind: str  # the endpoint's output kind ("image", "zip", "json", "boxes", ...)
    urls: list[str] = field(default_factory=list)
    data: Json = None
    dst_ids: list[str] = field(default_factory=list)
    raw: Json = None
    polls: int = 0
    elapsed_s: float = 0.0
    cancel_requested: bool = False


@dataclass(frozen=True)
class Template:
    """One v2 template, or one v1 style (``group_id`` set, ``id`` = style id)."""

    id: str
    title: str = ""
    thumb: str = ""
    category: str = ""
    group_id: str | None = None
    keep_users_color: bool | None = None

    def params(self, api: str = "v2") -> JsonObject:
        """The request parameters that select this template/style."""
        if api == "v1" or self.group_id is not None:
            return {"style_group_id": _num(self.group_id), "style_ids": [_num(self.id)]}
        return {"template_id": self.id}


def _num(v: str | None) -> int | str | None:
    """An id as the v1 service sends it: a number when it reads as one."""
    if v is None:
        return None
    try:
        return int(v)
    except ValueError:
        return v


def parse_status(api: str, body: JsonObject) -> TaskStatus:
    """Normalise a poll reply (v2 ``data.task_status``, v1 ``result.status``, either envelope)."""
    env = body.get("data") if api == "v2" else body.get("result")
    if not isinstance(env, dict):
        # Be lenient about the envelope: some replies mix data/result.
        env = body.get("data") if isinstance(body.get("data"), dict) else body.get("result")
    if not isinstance(env, dict):
        raise ServerError("task status reply has neither 'data' nor 'result'")
    state = env.get("task_status") or env.get("Task_status") or env.get("status") or "running"
    if not isinstance(state, str):
        raise ServerError(f"task status is {type(state).__name__}, not text")
    state = state.lower()
    known: TaskState = "success" if state == "success" else "error" if state == "error" else "running"
    interval = env.get("polling_interval")
    interval_s = None
    if isinstance(interval, (int, float)) and interval > 0:
        interval_s = float(interval) / 1000.0  # documented in milliseconds
    return TaskStatus(
        state=known,
        error=(str(env["error"]) if env.get("error") else None),
        error_message=(str(env["error_message"]) if env.get("error_message") else None),
        polling_interval_s=interval_s,
        results=env.get("results"),
    )


def _urls_from(obj: Json, out: list[str]) -> None:
    if isinstance(obj, str):
        if obj.startswith("http"):
            out.append(obj)
    elif isinstance(obj, dict):
        if isinstance(obj.get("url"), str):
            out.append(obj["url"])
        for key in ("output", "outputs", "urls", "data"):
            if isinstance(obj.get(key), list):
                for item in obj[key]:
                    _urls_from(item, out)
    elif isinstance(obj, list):
        for item in obj:
            _urls_from(item, out)


def extract(api: str, kind: str, results: Json) -> tuple[list[str], Json, list[str]]:
    """(download urls, JSON data, dst_ids) from a successful task's ``results``."""
    urls: list[str] = []
    dst_ids: list[str] = []
    data: Any = None
    if api == "v1" and isinstance(results, list):
        # v1: results[].data[] with url / dst_id / analysis_result
        items: list[Any] = []
        for r in results:
            if isinstance(r, dict) and isinstance(r.get("data"), list):
                items.extend(r["data"])
            elif isinstance(r, dict):
                items.append(r)
        analysis = []
        for it in items:
            if not isinstance(it, dict):
                continue
            if isinstance(it.get("url"), str):
                urls.append(it["url"])
            if it.get("dst_id"):
                dst_ids.append(str(it["dst_id"]))
            if "analysis_result" in it:
                analysis.append(it["analysis_result"])
            elif "faces" in it:
                analysis.append({"faces": it["faces"], **({"url": it["url"]} if "url" in it else {})})
        if analysis:
            data = analysis[0] if len(analysis) == 1 else analysis
        if kind in ("json", "boxes") and data is None:
            data = results
        return urls, data, dst_ids
    if isinstance(results, str):
        # the skin-analysis example shows a bare URL: "results": "https://..."
        return ([results] if results.startswith("http") else []), None, []
    if kind in ("json", "boxes"):
        data = results
        if isinstance(results, dict) and isinstance(results.get("url"), str):
            urls.append(results["url"])
        return urls, data, dst_ids
    if (
        isinstance(results, dict)
        and isinstance(results.get("output"), list)
        and any(
            isinstance(o, dict) and ("mask_urls" in o or "ui_score" in o or "score" in o) for o in results["output"]
        )
    ):
        # skin-analysis format=json: scores + mask URLs, no single result file
        return [], results, []
    _urls_from(results, urls)
    if isinstance(results, dict):
        dst = results.get("dst_id")
        if dst:
            dst_ids.append(str(dst))
        extra = {k: v for k, v in results.items() if k not in ("url", "output", "dst_id")}
        if extra:
            data = extra
    return urls, data, dst_ids
