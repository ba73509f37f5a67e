"""`Sandbox`: the HTTP plumbing and the public, test-facing object.

Standard library only (`ThreadingHTTPServer`): one thread per connection, HTTP/1.1
keep-alive, explicit Content-Length on every reply. Every request is logged with
its Authorization header redacted (but a `had_authorization` flag kept) so tests
can prove no secret went to the upload/download host. Faults are applied here,
before routing, because they model the network and the front door, not the API.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from napari_youcam.limits import JsonObject

from .auth import Authority
from .clock import Clock, SystemClock
from .faults import Fault, FaultKind, FaultSet, status_body
from .files import FileStore
from .service import Reply, Service
from .state import Account, RateLimiter, SandboxState, Settings
from .tasks import Task

log = logging.getLogger("napari_youcam.sandbox")

_request_counter = 0
_counter_lock = threading.Lock()


def _request_id() -> str:
    """A snowflake-like integer for the `x-request-id` header."""
    global _request_counter
    with _counter_lock:
        _request_counter += 1
        return str((int(time.time() * 1000) << 22) | (_request_counter & 0x3FFFFF))


class _BadRequest(Exception):
    """The request cannot be read (bad Content-Length or chunk size)."""


# A client that goes away mid-request (a cancelled job, a closed laptop, a test that
# drops the connection) is normal life for a server, not an error worth a traceback.
_DISCONNECTS = (ConnectionError, TimeoutError, socket.timeout)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "YouCamSandbox/1.0"
    server: _Server

    # Any: BaseHTTPRequestHandler's own signature (printf-style arguments of any type)
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by design
        return

    def do_GET(self) -> None:  # noqa: N802
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def do_PUT(self) -> None:  # noqa: N802
        self._handle()

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline().split(b";")[0].strip()
                try:
                    size = int(line or b"0", 16)
                except ValueError:
                    raise _BadRequest("malformed chunked body") from None
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        raw = (self.headers.get("Content-Length") or "0").strip()
        if not raw.isdigit():
            raise _BadRequest(f"Content-Length {raw!r} is not a byte count")
        n = int(raw)
        return self.rfile.read(n) if n > 0 else b""

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no reply."""
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    def _handle(self) -> None:
        state, service = self.server.state, self.server.service
        parts = urlsplit(self.path)
        path, query = parts.path, parts.query
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = self._read_body()
        except _BadRequest as exc:
            # The body cannot be delimited: answer 400 and close (the stream is unusable).
            entry = state.account.log_request(self.command, path, query, headers, 0)
            self.close_connection = True
            self._send(Reply(400, {"status": 400, "error": str(exc), "error_code": "BadRequest"}), entry)
            return
        entry = state.account.log_request(self.command, path, query, headers, len(body))
        fault = state.faults.take(self.command, path)
        drop_body = False
        if fault is not None:
            if fault.kind == "delay":
                time.sleep(fault.delay)
            elif fault.kind == "reset":
                entry["status"] = None
                self._reset()
                return
            elif fault.kind == "status":
                if fault.delay:
                    time.sleep(fault.delay)
                reply = Reply(fault.status, status_body(fault.status))
                if fault.retry_after is not None:
                    reply.headers["Retry-After"] = str(fault.retry_after)
                self._send(reply, entry)
                return
            elif fault.kind == "reply":
                self._send(_fault_reply(fault), entry)
                return
            elif fault.kind == "expire_token":
                state.authority.expire_tokens()
            elif fault.kind == "drop_body":
                drop_body = True
        auth = headers.get("authorization")
        if auth and not path.startswith("/_") and not state.limiter.hit(auth, state.clock.time()):
            self._send(Reply(429, {"status": 429, "error": "Too many requests"}), entry)
            return
        reply = service.handle(self.command, path, query, headers, body)
        if drop_body:
            reply = Reply(200, b"", reply.content_type)
        self._send(reply, entry)

    def _send(self, reply: Reply, entry: JsonObject) -> None:
        data = reply.payload()
        entry["status"] = reply.status
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-request-id", _request_id())
            for k, v in reply.headers.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _fault_reply(fault: Fault) -> Reply:
    """The reply a ``reply`` fault asks for, body as given (not forced into JSON)."""
    body = fault.body
    if body is None:
        data = b""
    elif isinstance(body, (bytes, str)):
        data = body.encode("utf-8") if isinstance(body, str) else body
    else:
        data = json.dumps(body).encode("utf-8")
    reply = Reply(fault.status, data, fault.content_type)
    if fault.retry_after is not None:
        reply.headers["Retry-After"] = str(fault.retry_after)
    return reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], state: SandboxState, service: Service) -> None:
        self.state = state
        self.service = service
        super().__init__(addr, _Handler)

    # Any: socketserver's own annotation of the client address (its form depends on the socket family)
    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        """Client disconnects: one debug line. Anything else: logged with its traceback.

        (socketserver's default prints every one of them to stderr.)
        """
        info = sys.exc_info()
        if isinstance(info[1], _DISCONNECTS):
            log.debug("client %s went away: %s", client_address, type(info[1]).__name__)
            return
        log.error("sandbox: error while serving %s", client_address, exc_info=info)


class Sandbox:
    """A local stand-in for the YouCam API (both generations), on loopback.

    Use as a context manager or call `start()`/`stop()`. Credentials are made up
    per instance (`api_key` for v2; `client_id`/`client_secret` — a real RSA public
    key — for v1). Timing knobs are small by default so tests stay fast.
    ``clock`` (default: the real one) times task processing, URL and token expiry,
    the polling window and the rate window: with a `FakeClock`, tests move time with
    ``clock.advance(seconds)`` instead of sleeping. Its state (`SandboxState`) is
    what the service and the HTTP handler get.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        processing_seconds: float = 0.2,
        poll_window_seconds: float = 10.0,
        url_ttl_seconds: float = 7200,
        token_ttl_seconds: float = 7200,
        units: float = 1000.0,
        rate_limit: tuple[int, float] = (250, 300.0),
        host: str = "127.0.0.1",
        api_key: str | None = None,
        client_id: str | None = None,
        timestamp_window_seconds: float = 300.0,
        polling_interval_ms: int | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.url_ttl_seconds = url_ttl_seconds
        self.token_ttl_seconds = token_ttl_seconds
        self.clock: Clock = clock or SystemClock()
        # What the sandbox tells clients to wait between polls: a quarter of the
        # processing time (>= 50 ms, <= 1 s), so sandbox-backed tests stay fast.
        interval = (
            polling_interval_ms
            if polling_interval_ms is not None
            else int(min(1000, max(50, processing_seconds * 250)))
        )
        self.state = SandboxState(
            settings=Settings(processing_seconds, poll_window_seconds, interval),
            account=Account(units, self.clock),
            authority=Authority(
                api_key=api_key,
                client_id=client_id,
                token_ttl_seconds=token_ttl_seconds,
                timestamp_window_seconds=timestamp_window_seconds,
                clock=self.clock,
            ),
            files=FileStore(url_ttl_seconds=url_ttl_seconds, clock=self.clock),
            faults=FaultSet(),
            limiter=RateLimiter(*rate_limit),
            clock=self.clock,
            base_url=lambda: self.base_url,
        )
        self._service = Service(self.state)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._server = _Server((self.host, self.port), self.state, self._service)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="youcam-sandbox", kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (used by `python -m napari_youcam.sandbox`)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    # ------------------------------------------------------------------ properties
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_key(self) -> str:
        return self.state.authority.api_key

    @property
    def client_id(self) -> str:
        return self.state.authority.client_id

    @property
    def client_secret(self) -> str:
        return self.state.authority.client_secret

    @property
    def balance(self) -> float:
        return self.state.account.balance

    @balance.setter
    def balance(self, value: float) -> None:
        self.state.account.balance = value

    @property
    def processing_seconds(self) -> float:
        return self.state.settings.processing_seconds

    @processing_seconds.setter
    def processing_seconds(self, value: float) -> None:
        self.state.settings.processing_seconds = float(value)

    @property
    def poll_window_seconds(self) -> float:
        return self.state.settings.poll_window_seconds

    @poll_window_seconds.setter
    def poll_window_seconds(self, value: float) -> None:
        self.state.settings.poll_window_seconds = float(value)

    @property
    def polling_interval_ms(self) -> int:
        return self.state.settings.polling_interval_ms

    @property
    def ledger(self) -> list[JsonObject]:
        """One entry per charged task (task_id, feature, units, api, request_id, time, balance_after)."""
        return self.state.account.ledger

    @property
    def requests(self) -> list[JsonObject]:
        """Every request received, Authorization redacted (``had_authorization`` kept)."""
        return self.state.account.requests

    @property
    def uploads(self) -> dict[str, bytes]:
        return self.state.account.uploads

    @property
    def tasks(self) -> dict[str, Task]:
        return self.state.account.tasks

    # ------------------------------------------------------------------ test controls
    def inject(
        self,
        fault: FaultKind,
        *,
        path: str = "*",
        method: str = "*",
        times: int | None = 1,
        status: int = 503,
        retry_after: float | int | None = None,
        delay: float = 0.0,
        body: bytes | str | JsonObject | list[object] | int | float | bool | None = None,
        content_type: str = "application/json",
    ) -> Fault:
        """Arm a fault for the next `times` requests matching `method` and `path` (fnmatch).

        ``body``/``content_type`` are for ``"reply"``: answer ``status`` with exactly
        that body (bytes or text verbatim, anything else as JSON; None = empty).
        """
        return self.state.faults.add(
            Fault(
                fault,
                path,
                method,
                times,
                status,
                retry_after,
                delay,
                body,
                content_type,
            )
        )

    def clear_faults(self) -> None:
        self.state.faults.clear()
        self.state.account.clear_forced()

    def fail_next_task(
        self, error: str, message: str | None = None, *, feature: str | None = None, times: int = 1
    ) -> None:
        """Make the next `times` created tasks (of `feature`, or any) end with engine `error`."""
        for _ in range(times):
            self.state.account.force_error(error, message or f"sandbox injected {error}", feature)

    def expire_tokens(self) -> None:
        """Invalidate every v1 access token now."""
        self.state.authority.expire_tokens()

    def __repr__(self) -> str:
        state = self.base_url if self._server else "stopped"
        return f"<Sandbox {state} balance={self.balance:g}>"
