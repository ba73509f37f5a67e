"""A client-side rate limiter that follows the documented request budget.

The service allows 250 requests per 300 s per IP and per token (API-V2.md §11),
counting status polls, and answers 429 beyond that — with no ``Retry-After``.
`RateLimiter` keeps the same books the service keeps: a sliding window of send
times, so no window of ``period`` seconds ever holds more than ``limit`` requests.

Inside that budget, polls of running tasks come first. A running task that is
not polled for about 10 s is dropped by the service after it was paid for, so:

* a poll (``kind="poll"``) may take any free slot, and while one waits, no new
  work (uploads, creates, lists) is let through;
* new work leaves a reserve in the window for the tasks being polled
  (enough for each to be polled every ``gap`` seconds for a whole period), and a
  create counts the task it is about to start — so under a tight budget, new
  tasks wait for running ones to finish instead of starving their polls;
* `poll_spacing` stretches the interval between polls when the window is filling,
  so many tasks in flight share the budget instead of exhausting it.

``YOUCAM_RATE_LIMIT=N/SECONDS`` overrides the documented budget (`parse_rate_limit`).
The clock and the sleep are injectable so tests run without real waiting.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from napari_youcam.api.errors import RateLimitError
from napari_youcam.errors import InputError

RequestKind = Literal["poll", "create", "other"]
DEFAULT_LIMIT = 250
DEFAULT_PERIOD = 300.0


def parse_rate_limit(text: str) -> tuple[int, float]:
    """``"250/300"`` → ``(250, 300.0)``; anything else is an `InputError` naming the form."""
    count, sep, seconds = text.strip().partition("/")
    try:
        limit, period = int(count), float(seconds)
    except ValueError:
        limit, period = 0, 0.0
    if not sep or limit < 1 or not (0 < period < 1e7):
        raise InputError(f"YOUCAM_RATE_LIMIT={text!r} is not valid: write it as N/SECONDS with whole "
                         f"N >= 1 and SECONDS > 0, e.g. {DEFAULT_LIMIT}/{DEFAULT_PERIOD:g}")
    return limit, period


class RateLimiter:
    """Thread-safe sliding-window limiter with priority for polls (see the module doc).

    ``gap`` is the longest wanted interval between two polls of one running task
    (the service drops a task after ~10 s without a poll; 6 s leaves room for a
    slow request). A send is kept on the books ``slack`` seconds longer than the
    period (default 5 % of it, at most 1 s): the service counts arrivals, which
    come a little after our sends and not always equally late.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT, period: float = DEFAULT_PERIOD, *, gap: float = 6.0,
                 slack: float | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if limit < 1 or period <= 0 or gap <= 0:
            raise ValueError("rate limit needs limit >= 1, period > 0 and gap > 0")
        self.limit = int(limit)
        self.period = float(period)
        self.gap = float(gap)
        self.slack = min(1.0, 0.05 * self.period) if slack is None else max(0.0, float(slack))
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self._polls_waiting = 0
        self._pollers = 0
        self.waited = 0.0  # total seconds callers were held back (diagnostics)
        self.count = 0  # requests let through since creation

    # ------------------------------------------------------------------ bookkeeping
    def _expire_locked(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.period - self.slack:
            self._sent.popleft()

    def reserve(self, pollers: int) -> int:
        """Window slots kept for ``pollers`` running tasks (each polled every ``gap`` s)."""
        if pollers <= 0:
            return 0
        return min(self.limit - 1, math.ceil(pollers * self.period / self.gap))

    def _may_send_locked(self, kind: RequestKind) -> bool:
        used = len(self._sent)
        if kind == "poll":
            return used < self.limit
        if self._polls_waiting:
            return False
        pollers = self._pollers + (1 if kind == "create" else 0)
        return used < self.limit - self.reserve(pollers)

    def _next_change_locked(self, now: float) -> float:
        """Seconds until the oldest send leaves the window (something may then be allowed)."""
        if not self._sent:
            return self.period
        return max(1e-3, self._sent[0] + self.period + self.slack - now)

    # ------------------------------------------------------------------ public
    def acquire(self, deadline: float | None = None, *, kind: RequestKind = "other") -> None:
        """Wait for a slot and take it. ``deadline`` (clock seconds) bounds the wait.

        Polls wake every 50 ms at most, so a slot freed by a finished task is seen
        at once; other requests re-check at least every second.
        """
        waiting_poll = False
        try:
            while True:
                with self._lock:
                    now = self._clock()
                    self._expire_locked(now)
                    if self._may_send_locked(kind):
                        self._sent.append(now)
                        self.count += 1
                        return
                    if kind == "poll" and not waiting_poll:
                        waiting_poll = True
                        self._polls_waiting += 1
                    wait = min(self._next_change_locked(now), 0.05 if kind == "poll" else 1.0)
                if deadline is not None:
                    wait = min(wait, deadline - self._clock())
                    if wait <= 0:
                        raise RateLimitError("client-side rate limit: no request slot before the deadline "
                                             f"({self.limit} requests per {self.period:g} s)")
                self.waited += wait
                self._sleep(wait)
        finally:
            if waiting_poll:
                with self._lock:
                    self._polls_waiting -= 1

    @contextmanager
    def polling(self) -> Iterator[None]:
        """Count a running task for as long as it is being polled (its reserve is kept)."""
        with self._lock:
            self._pollers += 1
        try:
            yield
        finally:
            with self._lock:
                self._pollers -= 1

    def poll_spacing(self, interval: float) -> float:
        """The interval to wait before the next poll: ``interval``, stretched under load.

        While the window is less than half full the given interval stands. Beyond
        that each running task gets an equal share of half the budget, never more
        than ``gap`` apart.
        """
        with self._lock:
            self._expire_locked(self._clock())
            if len(self._sent) * 2 < self.limit:
                return interval
            share = max(1, self._pollers) * self.period / (self.limit / 2)
        return max(interval, min(share, self.gap))

    @property
    def in_window(self) -> int:
        with self._lock:
            self._expire_locked(self._clock())
            return len(self._sent)

    def __repr__(self) -> str:
        return f"RateLimiter({self.limit}/{self.period:g}s, in window={self.in_window})"


_shared: dict[tuple[str, str, int, float], RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(scope: str, identity: str, limit: int = DEFAULT_LIMIT,
                   period: float = DEFAULT_PERIOD) -> RateLimiter:
    """One limiter per (host, credential): clients built separately share the budget.

    ``identity`` must not be a secret in clear text; callers pass a fingerprint.
    """
    key = (scope, identity, int(limit), float(period))
    with _shared_lock:
        lim = _shared.get(key)
        if lim is None:
            lim = _shared[key] = RateLimiter(limit, period)
        return lim
