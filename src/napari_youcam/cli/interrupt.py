"""Run paid work on a thread so that Ctrl-C asks for a cancel instead of killing it.

A KeyboardInterrupt lands on the main thread only. The work runs on a daemon
thread; the first Ctrl-C calls ``cancel`` (the work decides what can still be
stopped: nothing is created after it, a created task is awaited and saved), the
second abandons the wait and returns None. Used by `youcam run`, `resume` and
`batch`.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def interruptible(
    work: Callable[[], T],
    *,
    cancel: Callable[[], None],
    cancelling: str,
    abandoned: Callable[[], str] | None = None,
    name: str = "youcam-job",
) -> T | None:
    """``work()``'s value, its exception re-raised here, or None after a second Ctrl-C.

    ``cancelling`` is printed at the first Ctrl-C; ``abandoned()`` (when given) says,
    at the second, what was left behind and how to pick it up.
    """
    results: list[T] = []
    errors: list[BaseException] = []
    finished = threading.Event()

    def target() -> None:
        try:
            results.append(work())
        except BaseException as exc:  # noqa: BLE001 - re-raised on the main thread
            errors.append(exc)
        finally:
            finished.set()

    threading.Thread(target=target, name=name, daemon=True).start()
    interrupts = 0
    # Wait on our own event, not Thread.join/is_alive: on CPython < 3.13 a Ctrl-C that
    # lands inside join(timeout) can make is_alive() report False while the work still
    # runs, which would drop a paid result.
    while not finished.is_set():
        try:
            finished.wait(0.2)
        except KeyboardInterrupt:
            interrupts += 1
            if interrupts == 1:
                cancel()
                print(f"\n{cancelling}", file=sys.stderr)
            else:
                if abandoned is not None:
                    print(abandoned(), file=sys.stderr)
                return None
    if errors:
        raise errors[0]
    return results[0]
