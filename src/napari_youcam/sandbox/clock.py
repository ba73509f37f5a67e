"""The sandbox's sense of time: task processing, URL and token expiry, the polling window
and the rate window all read one `Clock`, so tests can move time instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the epoch, as ``time.time()``."""
        ...


class SystemClock:
    """The real clock (the default)."""

    def time(self) -> float:
        return time.time()


class FakeClock:
    """A clock that moves only when told: ``Sandbox(clock=FakeClock())`` then ``advance(seconds)``."""

    def __init__(self, start: float | None = None) -> None:
        # Starts at the real time: v1 id_tokens carry the client's real timestamp.
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go back")
        with self._lock:
            self._now += seconds
