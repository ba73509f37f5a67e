"""The state one sandbox keeps, handed explicitly to the service and the HTTP handler.

`Settings` (timing knobs tests may change), `Account` (units, ledger, tasks, uploads,
the request log and injected engine errors) and `RateLimiter` (the per-credential
request window) are gathered in `SandboxState`, so neither `Service` nor the handler
reaches into the `Sandbox` object.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from napari_youcam.limits import JsonObject

from .auth import Authority
from .clock import Clock
from .faults import FaultSet
from .files import FileStore
from .tasks import Task


@dataclass
class Settings:
    """Timing knobs (tests change them on a running sandbox)."""

    processing_seconds: float
    poll_window_seconds: float
    polling_interval_ms: int


class RateLimiter:
    """Sliding window of request times per credential."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str, now: float) -> bool:
        with self._lock:
            q = self._hits[key]
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True


class Account:
    """Units, the ledger, tasks, uploaded bytes and the request log (thread-safe)."""

    def __init__(self, units: float, clock: Clock) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self._balance = float(units)
        self._forced: list[tuple[str, str, str | None]] = []
        self.ledger: list[JsonObject] = []
        self.requests: list[JsonObject] = []
        self.uploads: dict[str, bytes] = {}
        self.tasks: dict[str, Task] = {}

    @property
    def balance(self) -> float:
        with self.lock:
            return self._balance

    @balance.setter
    def balance(self, value: float) -> None:
        with self.lock:
            self._balance = float(value)

    def force_error(self, error: str, message: str, feature: str | None) -> None:
        with self.lock:
            self._forced.append((error, message, feature))

    def clear_forced(self) -> None:
        with self.lock:
            self._forced.clear()

    def take_forced_error(self, feature: str) -> tuple[str, str] | None:
        with self.lock:
            for i, (code, msg, feat) in enumerate(self._forced):
                if feat is None or feat == feature:
                    del self._forced[i]
                    return code, msg
        return None

    def charge(self, task: Task) -> None:
        with self.lock:
            if task.charged:
                return
            task.charged = True
            self._balance -= task.cost
            dst = task.params.get("dst_actions") if task.feature == "skin-analysis" else None
            self.ledger.append(
                {
                    "task_id": task.task_id,
                    "feature": task.feature,
                    "units": task.cost,
                    "api": task.api,
                    "request_id": task.request_id,
                    "time": self.clock.time(),
                    "balance_after": self._balance,
                    "dst_actions": list(dst or []),
                }
            )

    def log_request(self, method: str, path: str, query: str, headers: dict[str, str], nbytes: int) -> JsonObject:
        """Record one request, its Authorization redacted (``had_authorization`` kept)."""
        had = "authorization" in headers
        shown = dict(headers)
        if had:
            shown["authorization"] = "Bearer ***"
        entry: JsonObject = {
            "method": method,
            "path": path,
            "query": query,
            "headers": shown,
            "bytes": nbytes,
            "had_authorization": had,
            "status": None,
            "time": self.clock.time(),
        }
        with self.lock:
            self.requests.append(entry)
        return entry


@dataclass
class SandboxState:
    settings: Settings
    account: Account
    authority: Authority
    files: FileStore
    faults: FaultSet
    limiter: RateLimiter
    clock: Clock
    base_url: Callable[[], str]
