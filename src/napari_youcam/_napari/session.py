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
from typing import TYPE_CHECKING

from napari.qt.threading import create_worker
from psygnal import Signal

from napari_youcam.api import ServiceClient
from napari_youcam.connect import SandboxClient, default_client, sandbox_client
from napari_youcam.errors import YouCamError

if TYPE_CHECKING:
    from napari.qt.threading import FunctionWorker

_lock = threading.Lock()
_client: ServiceClient | None = None
_by_api: dict[str, ServiceClient] = {}


class _Events:
    """Tells open widgets that the client changed (settings saved, sandbox toggled)."""

    changed = Signal()


events = _Events()


def get_client(api: str | None = None) -> ServiceClient:
    """The shared client; created on first use (call from a worker thread).

    With `api` ("v1"/"v2") a client for that generation: some features exist only
    on one of them (object removal is v1-only). The sandbox serves both; real
    credentials must include that generation's secret, else `InputError` says so.
    """
    global _client
    with _lock:
        if _client is None:
            _client = default_client()
        base = _client
        if api is None or base.api == api:
            return base
        if api not in _by_api:
            # the same sandbox as the base client (a test's or the user's), not the shared one
            sandbox = base.sandbox if isinstance(base, SandboxClient) else None
            _by_api[api] = sandbox_client(sandbox, api=api) if base.is_sandbox else default_client(api=api)
        return _by_api[api]


def set_client(client: ServiceClient | None) -> None:
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


def _close(client: ServiceClient) -> None:
    with contextlib.suppress(Exception):  # closing is best effort
        client.close()


def is_sandbox(client: ServiceClient | None) -> bool:
    return client is not None and client.is_sandbox


def uses_sandbox() -> bool:
    """The shared client exists and is the local sandbox (no client is made to answer)."""
    return is_sandbox(_client)


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
    try:
        client = get_client()
    except YouCamError as e:
        return Status(False, "?", None, error=str(e))
    api = client.api
    try:
        balance = float(client.credits())
    except YouCamError as e:
        return Status(is_sandbox(client), api, None, error=str(e))
    except Exception as e:  # noqa: BLE001 - network oddities: show, do not crash the widget
        return Status(is_sandbox(client), api, None, error=type(e).__name__)
    return Status(is_sandbox(client), api, balance)


def refresh_status_async(callback: Callable[[Status], None]) -> FunctionWorker[Status]:
    """Fetch the status on a napari worker thread and hand it to `callback` on the Qt thread."""
    worker = create_worker(fetch_status, _start_thread=False)
    worker.returned.connect(callback)
    _pending.add(worker)
    worker.finished.connect(lambda: _status_done(worker))
    worker.start()
    return worker


_pending: set[FunctionWorker[Status]] = set()  # status checks in flight
_retired: list[ServiceClient] = []  # replaced clients, closed when no status check uses them


def _status_done(worker: FunctionWorker[Status]) -> None:
    _pending.discard(worker)
    if not _pending:
        while _retired:
            _close(_retired.pop())


def pending_status_checks() -> int:
    """Status checks still in flight (a test waits for 0 before stopping its sandbox)."""
    return len(_pending)
