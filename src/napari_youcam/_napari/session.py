"""One service client shared by every dock widget.

`connect.default_client()` decides between real credentials (environment or
the user config file) and a local sandbox started on loopback. Creating it may start
a server or read files, so it happens lazily on a worker thread, once per process,
and again only after the Settings panel changes something.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psygnal import Signal

_lock = threading.Lock()
_client: Any = None
_by_api: dict[str, Any] = {}


class _Events:
    """Tells open widgets that the client changed (settings saved, sandbox toggled)."""

    changed = Signal()


events = _Events()


def get_client(api: str | None = None) -> Any:
    """The shared client; created on first use (call from a worker thread).

    With `api` ("v1"/"v2") a client for that generation: some features exist only
    on one of them (object removal is v1-only). The sandbox serves both; real
    credentials must include that generation's secret, else `InputError` says so.
    """
    global _client
    with _lock:
        if _client is None:
            from napari_youcam.connect import default_client

            _client = default_client()
        base = _client
        if api is None or getattr(base, "api", api) == api:
            return base
        if api not in _by_api:
            from napari_youcam.connect import default_client, sandbox_client

            # the same sandbox as the base client (a test's or the user's), not the shared one
            _by_api[api] = (
                sandbox_client(getattr(base, "sandbox", None), api=api) if is_sandbox(base) else default_client(api=api)
            )
        return _by_api[api]


def set_client(client: Any) -> None:
    """Replace the shared client (Settings panel, tests) and tell the widgets."""
    global _client
    with _lock:
        old, _client = _client, client
        others = list(_by_api.values())
        _by_api.clear()
    retired = [c for c in [old, *others] if c is not None and c is not client]
    if _pending:
        # Closing a client under a request in flight leaves that thread blocked in
        # recv() until its 30 s timeout (closing a socket from another thread does
        # not wake it): close once the running status checks are done.
        _retired.extend(retired)
    else:
        for c in retired:
            _close(c)
    events.changed.emit()


def reset_client() -> None:
    """Forget the client so the next job re-reads the environment and config."""
    set_client(None)


def _close(client: Any) -> None:
    for name in ("close",):
        fn = getattr(client, name, None)
        if callable(fn):
            with contextlib.suppress(Exception):  # closing is best effort
                fn()


def is_sandbox(client: Any) -> bool:
    return bool(getattr(client, "is_sandbox", False))


@dataclass
class Status:
    """What the widgets show above their run button."""

    sandbox: bool
    api: str
    balance: float | None
    error: str | None = None

    def banner(self) -> str:
        if self.error:
            return f"Service not reachable: {self.error}"
        if self.sandbox:
            # one short line: five open docks each show it above their controls
            return "LOCAL SANDBOX: results are SYNTHETIC (add a key in Settings for real ones)."
        return f"YouCam service ({self.api} API)."

    def color(self) -> str:
        """Banner colour: amber for the sandbox, red when unreachable, green for the service."""
        return "#ffd54f" if self.sandbox else ("#ff8a80" if self.error else "#a5d6a7")

    def balance_text(self) -> str:
        if self.balance is None:
            return "balance: unknown"
        tag = " (sandbox units)" if self.sandbox else ""
        return f"balance: {self.balance:g} units{tag}"


def fetch_status() -> Status:
    """Client kind and current balance. Blocking: run on a worker thread."""
    from napari_youcam.errors import YouCamError

    try:
        client = get_client()
    except YouCamError as e:
        return Status(False, "?", None, error=str(e))
    api = getattr(getattr(client, "credentials", None), "api", None) or getattr(client, "api", "v2")
    try:
        balance = float(client.credits())
    except YouCamError as e:
        return Status(is_sandbox(client), str(api), None, error=str(e))
    except Exception as e:  # noqa: BLE001 - network oddities: show, do not crash the widget
        return Status(is_sandbox(client), str(api), None, error=type(e).__name__)
    return Status(is_sandbox(client), str(api), balance)


def refresh_status_async(callback: Callable[[Status], None]) -> Any:
    """Fetch the status on a napari worker thread and hand it to `callback` on the Qt thread."""
    from napari.qt.threading import create_worker

    worker = create_worker(fetch_status, _start_thread=False)
    worker.returned.connect(callback)
    _pending.add(worker)
    worker.finished.connect(lambda: _status_done(worker))
    worker.start()
    return worker


_pending: set[Any] = set()  # status checks in flight
_retired: list[Any] = []  # replaced clients, closed when no status check uses them


def _status_done(worker: Any) -> None:
    _pending.discard(worker)
    if not _pending:
        while _retired:
            _close(_retired.pop())


def pending_status_checks() -> int:
    """Status checks still in flight (a test waits for 0 before stopping its sandbox)."""
    return len(_pending)
