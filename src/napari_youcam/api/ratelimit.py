"""A client-side rate limiter that follows the documented request budget.

The service allows 250 requests per 300 s per IP and per token (API-V2.md §11),
counting status polls, and answers 429 beyond that — with no ``Retry-After``.
`RateLimiter` keeps the same books the service keeps: a sliding window of send
times, so no window of ``period`` seconds ever holds more than ``limit`` requests.
Sends are also paced (one per ``period / limit`` seconds after a small burst): a
window filled in one burst would leave nothing free until that burst ages out,
and a running task cannot wait that long for its next poll.

Inside that budget, polls of running tasks come first. A running task that is
not polled for about 10 s is dropped by the service after it was paid for, so:

* a poll (``kind="poll"``) takes the next slot; while one waits, no new work
  (uploads, creates, lists) is let through;
* `poll_spacing` stretches the interval between polls with the number of tasks
  in flight, so that their polls together use at most two thirds of the budget;
* a create waits while `max_running` tasks are being polled: more could not all
  be polled every ``gap`` seconds inside that share (3 under the documented
  250 / 300 s, 7 under 60 / 30 s), so new tasks wait for running ones to finish
  instead of starving their polls.

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
_STARTING_TTL = 30.0  # seconds a create counts as a running task before its first poll
_POLL_SHARE = 1.5  # polls of running tasks may use 1 / 1.5 = two thirds of the paced rate


def parse_rate_limit(text: str) -> tuple[int, float]:
    """``"250/300"`` → ``(250, 300.0)``; anything else is an `InputError` naming the form."""
    count, sep, seconds = text.strip().partition("/")
    try:
        limit, period = int(count), float(seconds)
    except ValueError:
        limit, period = 0, 0.0
    if not sep or limit < 1 or not (0 < period < 1e7):
        raise InputError(
            f"YOUCAM_RATE_LIMIT={text!r} is not valid: write it as N/SECONDS with whole "
            f"N >= 1 and SECONDS > 0, e.g. {DEFAULT_LIMIT}/{DEFAULT_PERIOD:g}"
        )
    return limit, period


class RateLimiter:
    """Thread-safe sliding-window limiter with priority for polls (see the module doc).

    ``gap`` is the longest wanted interval between two polls of one running task
    (the service drops a task after ~10 s without a poll; 6 s leaves room for a
    slow request). A send is kept on the books ``slack`` seconds longer than the
    period (default 5 % of it, at most 1 s): the service counts arrivals, which
    come a little after our sends and not always equally late. ``burst`` requests
    may go back to back (default a tenth of the limit) before pacing applies.
    """

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        period: float = DEFAULT_PERIOD,
        *,
        gap: float = 6.0,
        slack: float | None = None,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if limit < 1 or period <= 0 or gap <= 0:
            raise ValueError("rate limit needs limit >= 1, period > 0 and gap > 0")
        self.limit = int(limit)
        self.period = float(period)
        self.gap = float(gap)
        self.slack = min(1.0, 0.05 * self.period) if slack is None else max(0.0, float(slack))
        self.spacing = (self.period + self.slack) / self.limit
        self.burst = max(1, min(self.limit, self.limit // 10 if burst is None else int(burst)))
        self._tat = -float("inf")  # pacing: the theoretical time of the next send
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self._polls_waiting = 0
        self._pollers = 0
        # creates let through whose task is not polled yet (dropped after _STARTING_TTL s:
        # a create that failed never starts polling)
        self._starting: deque[float] = deque()
        self.waited = 0.0  # total seconds callers were held back (diagnostics)
        self.count = 0  # requests let through since creation

    # ------------------------------------------------------------------ bookkeeping
    def _expire_locked(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.period - self.slack:
            self._sent.popleft()

    @property
    def polls_waiting(self) -> int:
        """Status requests held back right now (they go before any other request)."""
        return self._polls_waiting

    @property
    def max_running(self) -> int:
        """How many tasks may be polled at once (each every ``gap`` s, in the poll share)."""
        return max(1, math.floor(self.gap / (self.spacing * _POLL_SHARE)))

    def _wait_locked(self, kind: RequestKind, now: float) -> float:
        """Seconds until a request of ``kind`` may go (0 = now), given the books at ``now``."""
        if kind != "poll" and self._polls_waiting:
            return 0.05  # a poll goes first; look again soon
        while self._starting and self._starting[0] < now - _STARTING_TTL:
            self._starting.popleft()
        if kind == "create" and self._pollers + len(self._starting) >= self.max_running:
            return 0.25  # a running task must finish first
        used = len(self._sent)
        window = 0.0 if used < self.limit else self._sent[0] + self.period + self.slack - now
        pace = self._tat - (self.burst - 1) * self.spacing - now
        return max(0.0, window, pace)

    # ------------------------------------------------------------------ public
    def acquire(self, deadline: float | None = None, *, kind: RequestKind = "other") -> None:
        """Wait for a slot and take it. ``deadline`` (clock seconds) bounds the wait."""
        waiting_poll = False
        try:
            while True:
                with self._lock:
                    now = self._clock()
                    self._expire_locked(now)
                    wait = self._wait_locked(kind, now)
                    if wait <= 0:
                        if kind == "create":
                            self._starting.append(now)
                        self._sent.append(now)
                        self._tat = max(self._tat, now) + self.spacing
                        self.count += 1
                        return
                    if kind == "poll" and not waiting_poll:
                        waiting_poll = True
                        self._polls_waiting += 1
                wait = min(wait, 1.0)
                if deadline is not None:
                    wait = min(wait, deadline - self._clock())
                    if wait <= 0:
                        raise RateLimitError(
                            "client-side rate limit: no request slot before the deadline "
                            f"({self.limit} requests per {self.period:g} s)"
                        )
                self.waited += wait
                self._sleep(wait)
        finally:
            if waiting_poll:
                with self._lock:
                    self._polls_waiting -= 1

    @contextmanager
    def polling(self) -> Iterator[None]:
        """Count a running task for as long as it is being polled."""
        with self._lock:
            if self._starting:
                self._starting.popleft()  # the create that started it
            self._pollers += 1
        try:
            yield
        finally:
            with self._lock:
                self._pollers -= 1

    def poll_spacing(self, interval: float) -> float:
        """The interval to wait before the next poll: ``interval``, stretched with load.

        Each running task's polls are spaced so that all of them together use
        at most two thirds of the paced rate, never more than ``gap`` apart.
        """
        with self._lock:
            share = max(1, self._pollers) * self.spacing * _POLL_SHARE
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


def shared_limiter(
    scope: str, identity: str, limit: int = DEFAULT_LIMIT, period: float = DEFAULT_PERIOD
) -> RateLimiter:
    """One limiter per (host, credential): clients built separately share the budget.

    ``identity`` must not be a secret in clear text; callers pass a fingerprint.
    """
    key = (scope, identity, int(limit), float(period))
    with _shared_lock:
        lim = _shared.get(key)
        if lim is None:
            lim = _shared[key] = RateLimiter(limit, period)
        return lim
