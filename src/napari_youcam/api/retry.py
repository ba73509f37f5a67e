"""When and how long to wait before trying a request again.

Retrying is safe for reads (polls, downloads) and for the pre-signed PUT (same
bytes, same object). It is NOT safe for the task-creating POST in v2: there is no
idempotency key, so a retried POST that had reached the server creates and bills a
second task (the v2 documents describe no idempotency key). `RetryPolicy` only computes delays; the transport
decides per request kind what may be retried.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field

RETRY_STATUSES: frozenset[int] = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Jittered exponential backoff that honours ``Retry-After`` up to a ceiling.

    ``attempts`` counts the first try (4 = one try + three retries). ``base`` is the
    first delay in seconds, doubled per retry, capped at ``ceiling``; ``jitter`` is
    the +/- fraction applied so parallel clients do not retry in lockstep. Tests
    pass tiny ``base``/``ceiling`` values to stay fast.
    """

    attempts: int = 5
    base: float = 0.5
    ceiling: float = 20.0
    jitter: float = 0.25
    statuses: frozenset[int] = field(default_factory=lambda: RETRY_STATUSES)

    def delay(self, retry: int, retry_after: float | None = None, *, cap: float | None = None) -> float:
        """Seconds to sleep before retry number ``retry`` (1-based).

        A server-given ``Retry-After`` wins over the computed backoff but is still
        bounded by the ceiling (and by ``cap``, which polling uses to keep the gap
        between polls inside the service's window).
        """
        ceiling = self.ceiling if cap is None else min(self.ceiling, cap)
        if retry_after is not None and retry_after >= 0:
            return float(min(retry_after, ceiling))
        d = self.base * (2 ** max(retry - 1, 0))
        if self.jitter:
            d *= 1 + random.uniform(-self.jitter, self.jitter)
        return max(0.0, min(float(d), ceiling))

    def should_retry_status(self, status: int) -> bool:
        return status in self.statuses


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        dt = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if dt is None:
        return None
    return max(0.0, dt.timestamp() - (time.time() if now is None else now))
