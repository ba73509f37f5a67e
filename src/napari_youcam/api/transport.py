"""The one place that talks HTTP: auth headers, retries, rate limiting, error mapping.

Two httpx clients with different trust:

* ``api`` — the YouCam host. Every request gets the Authorization header here
  (per request, never as a client default, so nothing else can inherit it).
* ``raw`` — pre-signed upload/download URLs on storage hosts. It has no auth at all:
  the documented upload sends only the headers the File API returned, and a storage
  host (or whoever a URL points to) must never see our key or token.

Request kinds decide what may be retried:

* ``read``   — polls, lists, downloads, PUTs of the same bytes: transport errors,
  timeouts and 408/425/429/5xx are retried.
* ``create`` — the POST that starts a (billed) task. Retried only when it certainly
  never reached the server (connect error / connect or pool timeout), on 429, and
  once after a 401 that renewed the token. With ``idempotent=True`` (v1: the body's
  ``request_id`` makes the server ignore a repeat) ambiguous failures are retried
  too, always with the very same body.
* ``auth``   — the v1 token exchange (costs nothing): retried like ``read``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

import httpx

from napari_youcam.api.auth import Auth, NoAuth
from napari_youcam.api.credentials import displayable_url
from napari_youcam.api.errors import (
    AuthenticationError,
    ConnectionFailedError,
    MalformedReplyError,
    RateLimitError,
    ResultUrlExpiredError,
    ServerError,
    YouCamError,
    error_from_response,
)
from napari_youcam.api.ratelimit import RateLimiter, RequestKind
from napari_youcam.api.retry import RetryPolicy, parse_retry_after
from napari_youcam.errors import InputError, redact
from napari_youcam.limits import JsonObject

log = logging.getLogger("napari_youcam.api")

Kind = Literal["read", "create", "auth"]

# Failures that prove the request never left this machine: safe to repeat anything.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures after (possibly) sending: the server may have acted on the request.
_AMBIGUOUS = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.CloseError,
)
_CHUNK = 256 * 1024
# Every failure is caught as `httpx.RequestError`: besides transport errors that
# covers an undecodable body (DecodingError) and a redirect loop (TooManyRedirects),
# which must end as a typed error too, never as an httpx traceback.


def _describe(exc: Exception) -> str:
    name = type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({name})"
    return f"connection failed ({name})"


def _close_clients(*clients: httpx.Client) -> None:
    for c in clients:
        c.close()


class Transport:
    """HTTP with retries; returns parsed JSON or raises a typed `YouCamError`."""

    def __init__(
        self,
        base_url: str,
        auth: Auth | None = None,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        secrets: Callable[[], tuple[str | None, ...]] = tuple,
        user_agent: str = "napari-youcam",
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``transport`` replaces httpx's network layer for both clients (tests pass an
        ``httpx.MockTransport``); ``sleep`` is what retry backoffs wait with."""
        self.base_url = base_url.rstrip("/")
        # For messages: the URL without any user:password@ part.
        self.shown_url = displayable_url(self.base_url)
        self.auth: Auth = auth if auth is not None else NoAuth()
        self.timeout = float(timeout)
        self.retry = retry or RetryPolicy()
        self.limiter = limiter
        self._secrets = secrets
        t = httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0))
        self.api = httpx.Client(
            base_url=self.base_url,
            timeout=t,
            transport=transport,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
        )
        # No auth, no base URL, no cookies carried between hosts.
        self.raw = httpx.Client(
            timeout=t, follow_redirects=True, transport=transport, headers={"User-Agent": user_agent}
        )
        self.sleep = sleep
        # A transport dropped without close() still closes its connections when collected.
        self._close = weakref.finalize(self, _close_clients, self.api, self.raw)

    # ------------------------------------------------------------------ helpers
    def close(self) -> None:
        """Close both HTTP clients and their open connections (once; later calls do nothing)."""
        self._close()

    def _redact(self, text: str) -> str:
        return redact(text, *self._secrets())

    def _budget_ok(self, delay: float, deadline: float | None) -> bool:
        return deadline is None or time.monotonic() + delay < deadline

    def _acquire(self, deadline: float | None, kind: RequestKind) -> None:
        if self.limiter is not None:
            self.limiter.acquire(deadline, kind=kind)

    @staticmethod
    def _json(resp: httpx.Response) -> object:
        try:
            return resp.json()
        except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
            return None

    def _check_path(self, path: str) -> None:
        """Refuse a path that would leave the configured base URL (the key goes with it).

        Only ``/a/b/c`` paths on the service host are sent with credentials: an
        absolute or scheme-relative URL, a backslash or a ``..`` segment is refused
        (`InputError`) before anything is sent, wherever the path came from.
        """
        segments = unquote(path.split("?", 1)[0]).split("/")
        bad = (
            not path.startswith("/")
            or path.startswith("//")
            or "\\" in path
            or "://" in path
            or any(seg in (".", "..") for seg in segments)
            or any(ord(ch) <= 32 for ch in path)
        )
        if bad:
            shown = self._redact(path)[:120]
            raise InputError(
                f"refusing to send a request to {shown!r}: service paths must stay on "
                f"{self.shown_url} (a job record or caller gave another host or path)"
            )

    # ------------------------------------------------------------------ API calls
    def call(
        self,
        method: str,
        path: str,
        *,
        json: JsonObject | None = None,
        params: JsonObject | None = None,
        kind: Kind = "read",
        idempotent: bool = False,
        what: str | None = None,
        deadline: float | None = None,
        cap: float | None = None,
        timeout: float | None = None,
        auth: Auth | None = None,
        poll: bool = False,
    ) -> JsonObject:
        """One API request with the retry rules of its ``kind``; returns the JSON body.

        ``deadline`` (monotonic seconds) bounds all retries; ``cap`` bounds each
        backoff sleep (polling keeps gaps inside the service's window). ``poll``
        marks a status request of a running task: the limiter serves it first.
        """
        self._check_path(path)
        what = what or f"{method} {path}"
        auth = auth or self.auth  # per-call override: never swap the shared one (threads)
        attempt = 0
        renewed = False
        while True:
            attempt += 1
            headers: dict[str, str] = {}
            if kind != "auth":
                headers.update(auth.header())
            self._acquire(deadline, "poll" if poll else "create" if kind == "create" else "other")
            t0 = time.monotonic()
            try:
                resp = self._send(method, path, json=json, params=params, headers=headers, timeout=timeout, what=what)
            except httpx.RequestError as exc:
                self._retry_or_raise(
                    exc,
                    method,
                    path,
                    what=what,
                    kind=kind,
                    idempotent=idempotent,
                    attempt=attempt,
                    cap=cap,
                    deadline=deadline,
                    started=t0,
                )
                continue
            status = resp.status_code
            log.debug("%s %s -> %d in %.2fs (attempt %d)", method, path, status, time.monotonic() - t0, attempt)
            body = self._json(resp)
            if status < 400:
                if isinstance(body, dict):
                    return body
                self._unreadable_success(
                    body, method, path, status, what=what, kind=kind, attempt=attempt, cap=cap, deadline=deadline
                )
                continue
            if status == 401 and kind != "auth" and not renewed and auth.invalidate(headers):
                # Token expired mid-run (v1): renew once, then repeat. A 401 proves
                # the request was refused, so even a create is safe to repeat.
                renewed = True
                log.debug("%s %s: 401, renewing the access token once", method, path)
                continue
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            retryable = self._status_retryable(status, body, kind=kind, idempotent=idempotent)
            delay = self.retry.delay(attempt, retry_after, cap=cap)
            if retryable and attempt < self.retry.attempts and self._budget_ok(delay, deadline):
                if body is not None:
                    log.debug("%s %s error body: %s", method, path, self._redact(str(body))[:300])
                self.sleep(delay)
                continue
            raise error_from_response(status, body, what=what, retry_after=retry_after, secrets=self._secrets())

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: JsonObject | None,
        params: JsonObject | None,
        headers: dict[str, str],
        timeout: float | None,
        what: str,
    ) -> httpx.Response:
        """Send one request; text that cannot be encoded is an `InputError` (nothing was sent)."""
        try:
            return self.api.request(
                method,
                path,
                json=json,
                params=params,
                headers=headers,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except UnicodeEncodeError:  # raised while building the request: nothing was sent
            raise InputError(
                f"{what}: the request holds text that cannot be sent as UTF-8 (bytes the "
                "shell could not decode?): retype it as plain text"
            ) from None

    def _unreadable_success(
        self,
        body: object,
        method: str,
        path: str,
        status: int,
        *,
        what: str,
        kind: Kind,
        attempt: int,
        cap: float | None,
        deadline: float | None,
    ) -> None:
        """A success status without a readable body: sleep before repeating a read, else raise.

        Harmless to repeat a read, but a create may have started a task we cannot see.
        """
        delay = self.retry.delay(attempt, cap=cap)
        if kind != "create" and attempt < self.retry.attempts and self._budget_ok(delay, deadline):
            log.debug("%s %s: unreadable 200 body, retrying", method, path)
            self.sleep(delay)
            return
        shape = "not JSON" if body is None else f"JSON {type(body).__name__}, not an object"
        msg = f"{what}: unreadable reply to {method} {path} (HTTP {status}, {shape})"
        if kind == "create":
            msg += "; a task may have been created — check the credit history before running it again"
        raise MalformedReplyError(msg, request=f"{method} {path}", status=status)

    def _status_retryable(self, status: int, body: object, *, kind: Kind, idempotent: bool) -> bool:
        """Whether an error status may be repeated (the retry budget is checked by the caller)."""
        if (
            status == 500
            and isinstance(body, dict)
            and (body.get("error_code") == "TaskTimeout" or "timed out" in str(body.get("error", "")).lower())
        ):
            return False  # the task is gone; repeating the poll cannot help
        if kind == "create" and not idempotent:
            return status == 429
        return self.retry.should_retry_status(status)

    def _retry_or_raise(
        self,
        exc: httpx.RequestError,
        method: str,
        path: str,
        *,
        what: str,
        kind: Kind,
        idempotent: bool,
        attempt: int,
        cap: float | None,
        deadline: float | None,
        started: float,
    ) -> None:
        """After a transport failure: sleep the backoff when the request may be repeated, else raise.

        A create that may have reached the server is repeated only when ``idempotent``.
        """
        never_sent = isinstance(exc, _NEVER_SENT)
        retryable = never_sent or isinstance(exc, _AMBIGUOUS)
        if kind == "create" and not never_sent and not idempotent:
            retryable = False
        log.debug(
            "%s %s -> %s after %.2fs (attempt %d)",
            method,
            path,
            type(exc).__name__,
            time.monotonic() - started,
            attempt,
        )
        delay = self.retry.delay(attempt, cap=cap)
        if retryable and attempt < self.retry.attempts and self._budget_ok(delay, deadline):
            self.sleep(delay)
            return
        msg = f"{what}: {_describe(exc)} talking to {self.shown_url}"
        if isinstance(exc, httpx.ConnectError):
            msg += " — check the service URL (--base-url / YOUCAM_BASE_URL) and the network"
        if kind == "create" and not never_sent:
            msg += (
                "; the service may have received the request — check the task list / "
                "credit history before running it again"
            )
        raise ConnectionFailedError(self._redact(msg)) from None

    # ------------------------------------------------------------------ storage hosts
    def put(
        self,
        url: str,
        headers: dict[str, str],
        source: bytes | Path,
        *,
        method: str = "PUT",
        deadline: float | None = None,
        what: str = "upload",
    ) -> None:
        """Send the file to a pre-signed URL with exactly ``headers`` (no auth).

        A path is streamed from disk, re-opened per attempt, never read whole.
        """
        attempt = 0
        while True:
            attempt += 1
            content: bytes | Iterator[bytes]
            content = source if isinstance(source, (bytes, bytearray)) else _file_chunks(Path(source))
            t0 = time.monotonic()
            try:
                resp = self.raw.request(method, url, headers=headers, content=content)
            except httpx.RequestError as exc:
                log.debug(
                    "%s <upload url> -> %s after %.2fs (attempt %d)",
                    method,
                    type(exc).__name__,
                    time.monotonic() - t0,
                    attempt,
                )
                delay = self.retry.delay(attempt)
                if attempt < self.retry.attempts and self._budget_ok(delay, deadline):
                    self.sleep(delay)
                    continue
                raise ConnectionFailedError(f"{what}: {_describe(exc)}") from None
            status = resp.status_code
            log.debug("%s <upload url> -> %d in %.2fs (attempt %d)", method, status, time.monotonic() - t0, attempt)
            if status < 300:
                return
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            delay = self.retry.delay(attempt, retry_after)
            if (
                self.retry.should_retry_status(status)
                and attempt < self.retry.attempts
                and self._budget_ok(delay, deadline)
            ):
                self.sleep(delay)
                continue
            if status == 429:
                raise RateLimitError(f"{what}: storage host rate limit (429)", retry_after=retry_after)
            if status in (401, 403):
                raise AuthenticationError(
                    f"{what}: the upload URL was refused ({status}); it may have expired — upload again", status=status
                )
            if status >= 500:
                raise ServerError(f"{what}: storage host error ({status})", status=status)
            raise YouCamError(f"{what}: storage host refused the file ({status})", status=status)

    def download(self, url: str, dest: Path, *, deadline: float | None = None, what: str = "download") -> Path:
        """Stream a result URL to ``dest`` (via a temp file: no half-written results)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        # one temp name per writer (a resumed job may be fetched twice at once)
        tmp = dest.with_name(f"{dest.name}.{os.getpid()}.{threading.get_ident()}.part")
        attempt = 0
        while True:
            attempt += 1
            t0 = time.monotonic()
            try:
                with self.raw.stream("GET", url) as resp:
                    status = resp.status_code
                    if status < 300:
                        with open(tmp, "wb") as fh:
                            for chunk in resp.iter_bytes(_CHUNK):
                                fh.write(chunk)
                        if tmp.stat().st_size == 0:
                            raise httpx.ReadError("empty result body")
                        expected = resp.headers.get("Content-Length")
                        identity = resp.headers.get("Content-Encoding") in (None, "identity")
                        if expected is not None and identity and tmp.stat().st_size != int(expected):
                            raise httpx.ReadError("download truncated")
                        os.replace(tmp, dest)
                        log.debug(
                            "GET <result url> -> %d in %.2fs (attempt %d)", status, time.monotonic() - t0, attempt
                        )
                        return dest
                    resp.read()
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            except OSError:
                _unlink(tmp)  # disk full / unwritable folder: no half-written file left
                raise
            except httpx.RequestError as exc:
                log.debug("GET <result url> -> %s (attempt %d)", type(exc).__name__, attempt)
                delay = self.retry.delay(attempt)
                if attempt < self.retry.attempts and self._budget_ok(delay, deadline):
                    self.sleep(delay)
                    continue
                _unlink(tmp)
                raise ConnectionFailedError(f"{what}: {_describe(exc)}") from None
            log.debug("GET <result url> -> %d (attempt %d)", status, attempt)
            delay = self.retry.delay(attempt, retry_after)
            if (
                self.retry.should_retry_status(status)
                and attempt < self.retry.attempts
                and self._budget_ok(delay, deadline)
            ):
                self.sleep(delay)
                continue
            _unlink(tmp)
            if status in (401, 403, 404, 410):
                raise ResultUrlExpiredError(
                    f"{what}: the result URL is no longer valid ({status}); result URLs "
                    "live 2 hours — query the task again for a fresh one",
                    status=status,
                )
            raise ServerError(f"{what}: result host error ({status})", status=status)


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return
            yield chunk


def _unlink(p: Path) -> None:
    with contextlib.suppress(OSError):
        p.unlink()
