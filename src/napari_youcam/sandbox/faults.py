"""Fault injection: make the sandbox misbehave on purpose, on request of a test.

A client is only as good as its behaviour when the service is not: a 503 during
upload, a connection reset after the PUT body was sent, a slow poll, an access token
that expired between two calls, a 200 whose body vanished, a reply of any status
with a body of the test's choosing (``reply``: a 429 with ``{}`` or nothing at all,
HTML from a proxy, a JSON list where an object belongs). Tests arm a `Fault` with
`Sandbox.inject(...)`; the HTTP handler asks `FaultSet.take(method, path)` on every
request and applies what it gets back. `times` counts *matching* requests, so a test
can say "the next two polls of this task path fail" and be sure nothing else is hit.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass
from typing import Literal

from napari_youcam.limits import JsonObject

FaultKind = Literal["status", "reset", "delay", "expire_token", "drop_body", "reply"]
FAULT_KINDS: tuple[str, ...] = ("status", "reset", "delay", "expire_token", "drop_body", "reply")

# Bodies the documents give for each status, so a client's error parser sees the
# real shapes (the v2 reference's error section). Unknown statuses get a generic body
# of the same form.
STATUS_BODIES: dict[int, JsonObject] = {
    400: {"status": 400, "error": "Invalid parameter value", "error_code": "InvalidParameters"},
    401: {"status": 401, "error": "This API key is not recognized.", "error_code": "InvalidApiKey"},
    403: {"status": 403, "error": "Forbidden"},
    404: {"status": 404, "error": "Not found"},
    429: {"status": 429, "error": "Too many requests"},
    500: {"status": 500, "error": "Task execution timed out", "error_code": "TaskTimeout"},
    502: {"status": 502, "error": "Bad gateway"},
    503: {"status": 503, "error": "Service unavailable"},
    504: {"status": 504, "error": "Gateway timeout"},
}


def status_body(status: int) -> JsonObject:
    """The documented error body for `status` (a generic one when none is documented)."""
    return dict(STATUS_BODIES.get(status, {"status": status, "error": "Sandbox injected error"}))


@dataclass
class Fault:
    """One armed fault. `times=None` means until cleared."""

    kind: FaultKind
    path: str = "*"
    method: str = "*"
    times: int | None = 1
    status: int = 503
    retry_after: float | int | None = None
    delay: float = 0.0
    # for kind "reply": the body as sent (bytes/str verbatim, anything else as JSON)
    body: bytes | str | JsonObject | list[object] | int | float | bool | None = None
    content_type: str = "application/json"

    def matches(self, method: str, path: str) -> bool:
        return fnmatch.fnmatchcase(method.upper(), self.method.upper()) and fnmatch.fnmatchcase(path, self.path)


class FaultSet:
    """Thread-safe list of armed faults; the first matching one wins per request."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {fault.kind!r}; use one of {', '.join(FAULT_KINDS)}")
        if fault.times is not None and fault.times < 1:
            raise ValueError("times must be >= 1 (or None for 'until cleared')")
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Return (and count down) the first fault matching this request, if any."""
        with self._lock:
            for f in self._faults:
                if f.matches(method, path):
                    if f.times is not None:
                        f.times -= 1
                        if f.times <= 0:
                            self._faults.remove(f)
                    return f
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)
