"""A client-side rate limiter so a run stays under the documented request budget.

The service allows 250 requests per 300 s per IP and per token (API-V2.md §11) and
answers 429 beyond that. Counting on our side avoids the 429s (and the backoff
they cost) when a batch or several widgets run at once. Polls count too.

A token bucket that starts full with capacity C and refills at C/T per second can
let 2C requests through in a window T. To guarantee "at most ``limit`` per
``period`` in any window" the bucket holds only a ``burst`` and refills at
``(limit - burst) / period``: any window then sees at most
``burst + (limit - burst) = limit`` requests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Thread-safe token bucket; `acquire` blocks until a request may be sent."""

    def __init__(self, limit: int = 250, period: float = 300.0, *, burst: int | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if limit < 1 or period <= 0:
            raise ValueError("rate limit needs limit >= 1 and period > 0")
        self.limit = int(limit)
        self.period = float(period)
        self.burst = max(1, min(self.limit, burst if burst is not None else max(1, self.limit // 5)))
        refill = self.limit - self.burst
        # limit == burst means "all at once, then wait a full period" (tiny limits in tests)
        self.rate = refill / self.period if refill > 0 else self.burst / self.period
        self._tokens = float(self.burst)
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds callers were held back (diagnostics)

    def _fill_locked(self) -> None:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now

    def acquire(self, deadline: float | None = None) -> None:
        """Take one token, sleeping as needed. ``deadline`` (monotonic) bounds the wait."""
        while True:
            with self._lock:
                self._fill_locked()
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self.rate
            if deadline is not None:
                wait = min(wait, max(0.0, deadline - self._clock()))
                if wait <= 0:
                    from napari_youcam.api.errors import RateLimitError

                    raise RateLimitError("client-side rate limit: no request slot before the deadline")
            self.waited += wait
            self._sleep(wait)

    def __repr__(self) -> str:
        return f"RateLimiter({self.limit}/{self.period:g}s, burst={self.burst})"


_shared: dict[tuple[str, str, int, float], RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(scope: str, identity: str, limit: int = 250, period: float = 300.0) -> RateLimiter:
    """One limiter per (host, credential): clients built separately share the budget.

    ``identity`` must not be a secret in clear text; callers pass a fingerprint.
    """
    key = (scope, identity, int(limit), float(period))
    with _shared_lock:
        lim = _shared.get(key)
        if lim is None:
            lim = _shared[key] = RateLimiter(limit, period)
        return lim
