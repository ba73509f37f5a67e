"""`Client`: files, tasks, polling, templates and units for both API generations.

The client knows the service's *mechanics* (paths, envelopes, polling rules,
which requests are safe to repeat); what goes *into* a task body comes from
`napari_youcam.features` (``build_body``), so the two never drift apart.

Cost safety, in one place:
* sizes are checked before any request (< 10 MiB images, < 100 MiB video);
* the task POST is never blindly retried in v2 (no idempotency key): see `transport`;
* a task that was created is polled to the end even if the caller cancels, because
  the service cannot cancel and bills on success (the result is kept, not lost).
"""

from __future__ import annotations

import itertools
import logging
import mimetypes
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import quote, urljoin, urlsplit

import httpx

from napari_youcam import features as F
from napari_youcam.api.auth import AUTH_PATH, ApiKeyAuth, TokenAuth
from napari_youcam.api.credentials import DEFAULT_BASE_URL, Credentials, _fingerprint, displayable_url
from napari_youcam.api.errors import (
    AuthenticationError,
    ConnectionFailedError,
    InvalidParametersError,
    MalformedReplyError,
    ServerError,
    TaskExpiredError,
    TaskFailedError,
)
from napari_youcam.api.ratelimit import (
    DEFAULT_LIMIT,
    DEFAULT_PERIOD,
    RateLimiter,
    parse_rate_limit,
    shared_limiter,
)
from napari_youcam.api.results import TaskResult, TaskStatus, Template, extract, parse_status
from napari_youcam.api.retry import RetryPolicy
from napari_youcam.api.transport import Transport
from napari_youcam.errors import InputError
from napari_youcam.features.spec import Endpoint, FeatureSpec
from napari_youcam.limits import IMAGE_MAX_BYTES, VIDEO_MAX_BYTES, JsonObject, MiB

log = logging.getLogger("napari_youcam.api")

FILE_PATH_V2 = "/s2s/v2.0/file"
CREDIT_PATH = "/s2s/v1.0/client/credit"
CREDIT_HISTORY_PATH = "/s2s/v1.0/client/credit/history"
FEATURE_COST_PATH = "/s2s/v2.0/credit/feature-cost"
DELETE_PATH = "/s2s/v2.0/task/delete"

ProgressFn = Callable[[str, float], None]
# What names a feature at the client: its key, its spec, or one of its endpoints.
FeatureRef = str | FeatureSpec | Endpoint
# ``rate_limit=``: None (environment or the documented budget), False/0 (off),
# ``(limit, period_s)`` or a shared `RateLimiter`.
RateLimitSetting = RateLimiter | tuple[float, float] | Literal[False, 0] | None


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


class DeadlineExceededError(ConnectionFailedError):
    """The task was still running when our overall deadline passed.

    The task may still finish (and be billed); ``task_id`` lets the user fetch it.
    """

    def __init__(self, message: str, *, task_id: str | None = None):
        super().__init__(message, code="ClientDeadline")
        self.task_id = task_id


def _endpoint_for(feature: FeatureRef, api: str, variant: str | None = None) -> Endpoint:
    """An `Endpoint` from an endpoint, a spec or a feature key."""
    if isinstance(feature, Endpoint):
        return feature
    return F.get(feature).endpoint("v1" if api == "v1" else "v2", variant)


def _check_base_url(url: str) -> None:
    """Refuse a base URL that cannot work before any request (`InputError`, exit 2).

    A ``user:password@`` part is refused too: httpx would send it as basic auth in
    place of our bearer key. Messages never repeat what stood before an ``@``.
    """
    shown = displayable_url(url)
    hint = f"set --base-url or YOUCAM_BASE_URL like {DEFAULT_BASE_URL}"
    if "@" in url:
        raise InputError(
            f"service URL {shown!r} carries a user name or password: remove the part "
            "before '@' (the API key comes from YOUCAM_API_KEY, never from the URL)"
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts, host = urlsplit(""), None
    if parts.scheme not in ("http", "https") or not host:
        raise InputError(f"service URL {shown!r} is not an http(s) URL: {hint}")
    if "?" in url or "#" in url:
        raise InputError(f"service URL {shown!r} has a query or fragment: {hint}")
    if any(ord(ch) <= 32 or ch == "\x7f" for ch in url):
        raise InputError(f"service URL {shown!r} contains spaces or control characters: {hint}")


def _id_field(env: JsonObject, key: str, request: str) -> str:
    """``env[key]`` as an id: a non-empty string or an integer, else `MalformedReplyError`."""
    value = env.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise MalformedReplyError(
            f"{request}: the reply carried no usable {key} (got {type(value).__name__})", request=request
        )
    return str(value)


class Client:
    """A YouCam API client (thread-safe: share one per process).

    ``rate_limit``: None = ``YOUCAM_RATE_LIMIT`` (``N/SECONDS``) or else the
    documented 250 requests / 300 s, shared by every client of the same host and
    credential; ``(limit, period)`` to change it; a `RateLimiter` to share your
    own; ``False`` to disable.
    ``file_endpoint``: ``"auto"`` (universal ``/s2s/v2.0/file``, falling back to the
    older ``/s2s/v2.0/file/<feature>`` on 404: the documents show both paths),
    ``"universal"`` or ``"per-feature"``.
    ``transport``: an ``httpx`` transport for every request (tests pass
    ``httpx.MockTransport``); None = the network. ``sleep``: what retry backoffs
    wait with (tests record them).
    """

    is_sandbox: bool = False

    def __init__(
        self,
        credentials: Credentials,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        rate_limit: RateLimitSetting = None,
        retry: RetryPolicy | None = None,
        file_endpoint: str = "auto",
        poll_interval: float = 1.0,
        max_poll_gap: float = 8.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.credentials = credentials
        self.api = credentials.api
        self.base_url = (
            base_url or credentials.base_url or os.environ.get("YOUCAM_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        _check_base_url(self.base_url)
        if file_endpoint not in ("auto", "universal", "per-feature"):
            raise InputError("file_endpoint must be 'auto', 'universal' or 'per-feature'")
        self.file_endpoint = file_endpoint
        self.poll_interval = float(poll_interval)
        self.max_poll_gap = float(max_poll_gap)
        self.retry = retry or RetryPolicy()
        self.limiter = self._make_limiter(rate_limit)
        self._token_auth: TokenAuth | None = None
        self.transport = Transport(
            self.base_url,
            None,
            timeout=timeout,
            retry=self.retry,
            limiter=self.limiter,
            secrets=self._secret_values,
            transport=transport,
            sleep=sleep,
        )
        if credentials.api_key:
            self.transport.auth = ApiKeyAuth(credentials.api_key)
        else:
            self.transport.auth = self._v1_auth()
        # v1 request_id: unique and increasing across processes (ms clock seed);
        # a retried POST reuses the id so the service can ignore the repeat.
        self._request_ids = itertools.count(int(time.time() * 1000) % 2_000_000_000)
        self._rid_lock = threading.Lock()

    # ------------------------------------------------------------------ plumbing
    def _make_limiter(self, rate_limit: RateLimitSetting) -> RateLimiter | None:
        if rate_limit is False or rate_limit == 0:
            return None
        if isinstance(rate_limit, RateLimiter):
            return rate_limit
        limit: float
        period: float
        if rate_limit is None:
            env = os.environ.get("YOUCAM_RATE_LIMIT", "").strip()
            limit, period = parse_rate_limit(env) if env else (DEFAULT_LIMIT, DEFAULT_PERIOD)
        else:
            limit, period = rate_limit
        ident = _fingerprint(self.credentials.api_key or self.credentials.client_id)
        return shared_limiter(self.base_url, ident, int(limit), float(period))

    def _v1_auth(self) -> TokenAuth:
        if self._token_auth is None:
            creds = self.credentials
            if not creds.has_v1:
                raise AuthenticationError(
                    "this operation needs v1 credentials (YOUCAM_CLIENT_ID + YOUCAM_CLIENT_SECRET)"
                )

            def fetch(body: JsonObject) -> JsonObject:
                return self.transport.call("POST", AUTH_PATH, json=body, kind="auth", what="authentication")

            self._token_auth = TokenAuth(str(creds.client_id), str(creds.client_secret), fetch)
        return self._token_auth

    @property
    def token_renewals(self) -> int:
        """How many v1 access tokens this client fetched (0 while it used none)."""
        return self._token_auth.renewals if self._token_auth is not None else 0

    def _secret_values(self) -> tuple[str | None, ...]:
        tok = self._token_auth.token if self._token_auth else None
        return (*self.credentials.secrets, tok)

    def _abs(self, url: str) -> str:
        return url if url.startswith(("http://", "https://")) else urljoin(self.base_url + "/", url.lstrip("/"))

    def next_request_id(self) -> int:
        """A fresh v1 ``request_id`` (one per task; reused only by its own retries)."""
        with self._rid_lock:
            return next(self._request_ids)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(api={self.api}, base_url={self.base_url!r}, sandbox={self.is_sandbox})"

    @staticmethod
    def _envelope(body: JsonObject, request: str) -> JsonObject:
        """``data`` (v2) or ``result`` (v1 / unit endpoints); ``request`` names the call."""
        for key in ("data", "result"):
            env = body.get(key)
            if isinstance(env, dict):
                return env
        raise MalformedReplyError(f"{request}: the reply has no 'data' or 'result' object", request=request)

    # ------------------------------------------------------------------ files
    def upload(
        self,
        data_or_path: bytes | str | Path,
        *,
        content_type: str | None = None,
        file_name: str | None = None,
        feature: FeatureRef | None = None,
        variant: str | None = None,
    ) -> str:
        """Register a file and PUT its bytes; returns the file id.

        ``feature`` is a key, spec or `Endpoint` (v1 registers per feature; v2 uses it
        only for the per-feature fallback). Paths are streamed from disk.
        """
        if isinstance(data_or_path, (bytes, bytearray)):
            size = len(data_or_path)
            source: bytes | Path = bytes(data_or_path)
            name = file_name or "upload.bin"
        else:
            p = Path(data_or_path)
            if not p.is_file():
                raise InputError(f"no such file: {p}")
            size = p.stat().st_size
            source = p
            name = file_name or p.name
        name = name.encode("utf-8", "replace").decode("utf-8")  # an undecodable file name: '?' for those bytes
        ctype = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        is_video = ctype.startswith("video/")
        cap = VIDEO_MAX_BYTES if is_video else IMAGE_MAX_BYTES
        if size <= 0:
            raise InputError(f"{name}: the file is empty")
        if size >= cap:
            raise InputError(
                f"{name}: {size / MiB:.1f} MiB is too large; "
                f"{'videos' if is_video else 'images'} must be under {cap // MiB} MiB"
            )
        reg = {"files": [{"content_type": ctype, "file_name": name, "file_size": size}]}
        if self.api == "v1":
            if feature is None:
                raise InputError("a v1 upload needs the feature it is for (v1 registers files per feature)")
            paths = [F.v1_file_path(_endpoint_for(feature, "v1", variant))]
        else:
            slug = None
            if feature is not None:
                slug = feature if isinstance(feature, str) else _endpoint_for(feature, "v2", variant).slug
            if self.file_endpoint == "per-feature" and slug:
                paths = [f"{FILE_PATH_V2}/{slug}"]
            elif self.file_endpoint == "auto" and slug:
                paths = [FILE_PATH_V2, f"{FILE_PATH_V2}/{slug}"]
            else:
                paths = [FILE_PATH_V2]
        reply: JsonObject | None = None
        for i, path in enumerate(paths):
            try:
                reply = self.transport.call("POST", path, json=reg, what=f"file registration ({name})")
                break
            except InvalidParametersError as exc:
                if exc.status == 404 and i + 1 < len(paths):
                    log.debug("file endpoint %s answered 404; trying %s", path, paths[i + 1])
                    continue
                raise
        assert reply is not None
        file_id, puts = self._upload_plan(reply, f"POST {path}", size)
        for url, headers, method in puts:
            self.transport.put(url, headers, source, method=method, what=f"upload ({name})")
        return file_id

    def _upload_plan(
        self, reply: JsonObject, request: str, size: int
    ) -> tuple[str, list[tuple[str, dict[str, str], str]]]:
        """The file id and the (url, headers, method) uploads of a registration reply, checked."""
        files = self._envelope(reply, request).get("files")
        if not isinstance(files, list) or not files or not isinstance(files[0], dict):
            raise MalformedReplyError(f"{request}: the reply has no 'files' list", request=request)
        entry = files[0]
        file_id = _id_field(entry, "file_id", request)
        reqs = entry.get("requests") or []
        if not isinstance(reqs, list):
            raise MalformedReplyError(f"{request}: 'requests' in the reply is not a list", request=request)
        puts: list[tuple[str, dict[str, str], str]] = []
        for req in reqs:
            if not isinstance(req, dict) or not isinstance(req.get("url"), str) or not req["url"]:
                raise MalformedReplyError(f"{request}: the reply carried no upload URL", request=request)
            raw_headers = req.get("headers") or {}
            if not isinstance(raw_headers, dict):
                raise MalformedReplyError(f"{request}: upload 'headers' is not an object", request=request)
            headers = {str(k): str(v) for k, v in raw_headers.items()}
            clen = headers.get("Content-Length") or headers.get("content-length")
            if clen is not None and clen.isdigit() and int(clen) != size:
                raise ServerError(f"file registration returned Content-Length {clen} for a {size}-byte file")
            puts.append((self._abs(req["url"]), headers, str(req.get("method") or "PUT").upper()))
        return file_id, puts

    def download(self, url: str, dest: Path | str) -> Path:
        """Download a result URL to ``dest`` (streamed; no Authorization sent)."""
        return self.transport.download(self._abs(url), Path(dest))

    # ------------------------------------------------------------------ tasks
    def create_task(self, endpoint: FeatureRef, body: JsonObject, *, path: str | None = None) -> str:
        """POST the task body; returns the task id. Costs units on success.

        v2 has no idempotency key, so this is retried only when the request never
        left (or on 429); v1 bodies carry ``request_id``, and retries reuse it.
        """
        ep = _endpoint_for(endpoint, self.api)
        idempotent = ep.api == "v1" and "request_id" in body
        target = path or ep.task_path
        reply = self.transport.call(
            "POST", target, json=body, kind="create", idempotent=idempotent, what=f"start {ep.slug}"
        )
        request = f"POST {target}"
        try:
            return _id_field(self._envelope(reply, request), "task_id", request)
        except MalformedReplyError as exc:
            raise MalformedReplyError(
                f"{exc.message}; a task may have been created — check the credit history before running it again",
                request=request,
            ) from None

    def poll(
        self, endpoint: FeatureRef, task_id: str, *, path: str | None = None, deadline: float | None = None
    ) -> JsonObject:
        """One status request (raw JSON). v2: id in the path, URL-encoded; v1: ``?task_id=``."""
        ep = _endpoint_for(endpoint, self.api)
        base = path or ep.task_path
        cap = max(0.05, self.max_poll_gap / 2)
        timeout = min(self.transport.timeout, self.max_poll_gap + 2)
        if ep.api == "v2":
            return self.transport.call(
                "GET",
                f"{base}/{quote(task_id, safe='')}",
                what="task status",
                deadline=deadline,
                cap=cap,
                timeout=timeout,
                poll=True,
            )
        return self.transport.call(
            "GET",
            base,
            params={"task_id": task_id},
            what="task status",
            deadline=deadline,
            cap=cap,
            timeout=timeout,
            poll=True,
        )

    def wait(
        self,
        endpoint: FeatureRef,
        task_id: str,
        *,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
        deadline: float = 600,
        path: str | None = None,
        kind: str | None = None,
    ) -> TaskResult:
        """Poll until success or error; returns the `TaskResult` (raises `TaskFailedError`).

        The first poll comes one polling interval after the call (a task is never
        done at once). Honours ``polling_interval`` when the service sends one,
        otherwise polls every ~1-2 s, stretched by the rate limiter under load;
        never leaves more than ``max_poll_gap`` seconds between polls (the service
        drops tasks not polled for 10 s). ``cancel`` cannot stop a created task: it
        is noted and the wait continues so the paid result is kept.
        """
        ep = _endpoint_for(endpoint, self.api)
        api = ep.api
        kind = kind or ep.output
        target = path or ep.task_path
        t0 = time.monotonic()
        end = t0 + float(deadline)
        interval = self.poll_interval
        polls = 0
        cancel_noted = False
        with self.limiter.polling() if self.limiter is not None else nullcontext():
            while True:
                self._sleep_before_poll(task_id, interval, end, deadline)
                st = self._poll_status(ep, api, task_id, target, end)
                polls += 1
                elapsed = time.monotonic() - t0
                if cancel is not None and cancel.is_set() and not cancel_noted:
                    cancel_noted = True
                    log.info(
                        "cancel requested after task %s was created: the service cannot cancel "
                        "a running task, so it is awaited and its result kept",
                        task_id,
                    )
                if st.state == "success":
                    urls, data, dst_ids = extract(api, kind, st.results)
                    if progress:
                        progress("waiting", 1.0)
                    return TaskResult(
                        task_id=task_id,
                        status="success",
                        kind=kind,
                        urls=urls,
                        data=data,
                        dst_ids=dst_ids,
                        raw=st.results,
                        polls=polls,
                        elapsed_s=elapsed,
                        cancel_requested=cancel_noted,
                    )
                if st.state == "error":
                    raise TaskFailedError.from_engine(st.error, st.error_message, task_id=task_id)
                if progress:
                    # No server-side progress exists: an asymptotic estimate keeps the bar moving.
                    progress("waiting", min(0.95, elapsed / (elapsed + 10.0)))
                if st.polling_interval_s is not None:
                    interval = st.polling_interval_s
                else:
                    interval = min(max(interval * 1.5, 0.2), max(self.poll_interval, 0.2) * 2)

    def _sleep_before_poll(self, task_id: str, interval: float, end: float, deadline: float) -> None:
        """Sleep one polling interval (stretched under load, capped inside the poll window)."""
        if self.limiter is not None:
            interval = self.limiter.poll_spacing(interval)
        sleep = max(0.0, min(interval, self.max_poll_gap * 0.75))
        if time.monotonic() + sleep >= end:
            raise DeadlineExceededError(
                f"task {task_id} still running after {deadline:g} s; it may still finish and be "
                "billed — poll it again soon (wait() with this task id): a running task that is not "
                "polled for about 10 s is dropped",
                task_id=task_id,
            )
        time.sleep(sleep)

    def _poll_status(self, ep: Endpoint, api: str, task_id: str, target: str, end: float) -> TaskStatus:
        """One poll, read: an expired task or an unreadable reply become typed errors."""
        request = f"GET {target}/{quote(task_id, safe='')}" if api == "v2" else f"GET {target}"
        try:
            body = self.poll(ep, task_id, path=target, deadline=end)
        except TaskExpiredError as exc:
            raise TaskExpiredError(
                f"task {task_id} expired on the service ({exc.code or 'InvalidTaskId'}): units may have "
                "been charged — find the job with `youcam history` and check `youcam credits` before "
                "running it again (a running task must be polled at least every 10 s)",
                code=exc.code,
                status=exc.status,
                task_id=task_id,
            ) from None
        try:
            return parse_status(api, body)
        except ServerError as exc:
            raise MalformedReplyError(f"{request}: {exc.message}", request=request) from None

    def preprocess(
        self, feature: FeatureRef, endpoint: FeatureRef | None, file_id: str, *, deadline: float = 120
    ) -> JsonObject:
        """Run face detection (face-lift, face-reshape, face-swap); returns the results.

        v2 ``{"timed", "result": [{left, top, width, height}]}`` (face-lift/reshape) or
        ``{"url", "faces": [{"bbox"}]}`` (face-swap); v1 the first ``data[]`` item.
        """
        ep = _endpoint_for(endpoint if endpoint is not None else feature, self.api)
        pre = ep.preprocess_path
        if not pre:
            raise InputError(f"{ep.slug} has no pre-process step")
        if ep.api == "v1":
            body: JsonObject = {
                "request_id": self.next_request_id(),
                "payload": {"file_sets": {"src_ids": [file_id]}, "actions": [{"id": 0}]},
            }
        else:
            body = {"src_file_url": file_id} if file_id.startswith("http") else {"src_file_id": file_id}
        reply = self.transport.call(
            "POST", pre, json=body, kind="create", idempotent=ep.api == "v1", what=f"pre-process {ep.slug}"
        )
        task_id = _id_field(self._envelope(reply, f"POST {pre}"), "task_id", f"POST {pre}")
        res = self.wait(ep, task_id, path=pre, kind="boxes", deadline=deadline)
        if ep.api == "v1":
            items = [d for r in (res.raw or []) if isinstance(r, dict) for d in (r.get("data") or [])]
            return items[0] if items else {}
        return res.raw if isinstance(res.raw, dict) else {"result": res.raw}

    def delete_task(self, task_id: str) -> None:
        """Delete a finished task and its files (v2; units are not refunded)."""
        self.transport.call("POST", DELETE_PATH, json={"task_id": task_id}, what="delete task")

    # ------------------------------------------------------------------ templates
    def templates(
        self, feature_key: str | FeatureSpec, *, api: str | None = None, variant: str | None = None, max_pages: int = 20
    ) -> list[Template]:
        """Templates (v2) or styles of every style group (v1) of a feature.

        ``variant`` picks the endpoint when several list templates (hair-style:
        ``template`` vs ``transfer-v2.1``); default: the first that has a list.
        """
        api = api or self.api
        spec = F.get(feature_key)
        eps = [
            e for e in spec.endpoints if e.api == api and e.template_path and (variant is None or e.variant == variant)
        ]
        if not eps:
            raise InputError(f"{spec.key} has no {api} template list")
        path = str(eps[0].template_path)
        if api == "v2":
            out: list[Template] = []
            for page in self._pages(path, "templates", max_pages):
                for t in page:
                    out.append(
                        Template(
                            id=str(t.get("id")),
                            title=str(t.get("title") or ""),
                            thumb=str(t.get("thumb") or ""),
                            category=str(t.get("category_name") or ""),
                            keep_users_color=t.get("keep_users_color"),
                        )
                    )
            return out
        return self._styles(path, max_pages)

    def _styles(self, path: str, max_pages: int) -> list[Template]:
        """Every style of every v1 style group listed at ``path``."""
        styles: list[Template] = []
        style_path = path.replace("/style-group/", "/style/")
        for groups in self._pages(path, "groups", max_pages):
            for g in groups:
                gid = str(g.get("id"))
                gtitle = str((g.get("info") or {}).get("title") or "")
                for page in self._pages(style_path, "styles", max_pages, {"style_group_id": gid}):
                    for s in page:
                        info = s.get("info") or {}
                        styles.append(
                            Template(
                                id=str(s.get("id")),
                                title=str(info.get("title") or ""),
                                thumb=str(info.get("thumb") or ""),
                                category=gtitle,
                                group_id=gid,
                            )
                        )
        return styles

    def _pages(
        self, path: str, key: str, max_pages: int, params: JsonObject | None = None, page_size: int = 20
    ) -> Iterator[list[JsonObject]]:
        token: str | None = None
        seen: set[str] = set()
        for _ in range(max_pages):
            q = dict(params or {})
            q["page_size"] = page_size
            if token:
                q["starting_token"] = token
            env = self._envelope(self.transport.call("GET", path, params=q, what=f"list {key}"), f"GET {path}")
            items = env.get(key) or []
            if not isinstance(items, list):
                raise MalformedReplyError(f"GET {path}: '{key}' in the reply is not a list", request=f"GET {path}")
            yield [x for x in items if isinstance(x, dict)]
            token = env.get("next_token")
            if not token or token in seen:
                return
            seen.add(token)

    # ------------------------------------------------------------------ units
    def _unit_call(self, path: str, params: JsonObject | None = None, what: str = "units") -> JsonObject:
        """Unit endpoints: try the current auth, then the v1 token flow.

        The documents disagree on whether the unit endpoints take the v2 API key or
        only a v1 access token: the key is tried first, the token after a 401.
        """
        try:
            return self.transport.call("GET", path, params=params, what=what)
        except AuthenticationError:
            if isinstance(self.transport.auth, TokenAuth) or not self.credentials.has_v1:
                raise
        return self.transport.call("GET", path, params=params, what=what, auth=self._v1_auth())

    def credit_entries(self) -> list[JsonObject]:
        """The raw unit balances (``results[]`` with ``amount_dec``/``amount``, ``type``, ``expiry``)."""
        body = self._unit_call(CREDIT_PATH, what="credit balance")
        res = body.get("results", body.get("result"))
        if isinstance(res, dict):
            res = res.get("credits") or res.get("results") or [res]
        return [r for r in (res or []) if isinstance(r, dict)]

    def credits(self) -> float:
        """Total units available (prefers ``amount_dec`` over the deprecated ``amount``)."""
        total = 0.0
        for r in self.credit_entries():
            v = r["amount_dec"] if "amount_dec" in r else r.get("amount", 0)
            try:
                total += float(v)
            except (TypeError, ValueError):
                continue
        return round(total, 2)

    def credit_history(self, *, page_size: int = 20, starting_token: str | None = None) -> JsonObject:
        """One page of unit history: ``{"history": [...], "next_token": ...}``."""
        q: JsonObject = {"page_size": max(1, min(30, page_size))}
        if starting_token:
            q["starting_token"] = starting_token
        body = self._unit_call(CREDIT_HISTORY_PATH, q, what="credit history")
        res = body.get("result")
        return res if isinstance(res, dict) else {"history": [], "next_token": None}

    def feature_costs(self, *, max_pages: int = 10) -> list[JsonObject]:
        """The live price list (``skus``: description, amount, unit, proc_unit, run_task_url)."""
        out: list[JsonObject] = []
        token: str | None = None
        for _ in range(max_pages):
            q: JsonObject = {"page_size": 20}
            if token:
                q["starting_token"] = token
            body = self._unit_call(FEATURE_COST_PATH, q, what="feature cost")
            res = body.get("result") or body.get("data") or {}
            out.extend(s for s in (res.get("skus") or []) if isinstance(s, dict))
            token = res.get("next_token")
            if not token:
                break
        return out
