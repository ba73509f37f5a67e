"""The API surface: one method per endpoint, HTTP-free (request in, `Reply` out).

Kept apart from the socket plumbing in `server.py` so the contract logic reads like
the documents: which credential each path takes, which envelope each generation
uses (`data` vs `result`), which error body each failure gets.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias
from urllib.parse import parse_qs, unquote

from PIL import Image

from napari_youcam import features as F
from napari_youcam.limits import IMAGE_MAX_BYTES, VIDEO_MAX_BYTES, JsonObject

from . import catalog as C
from . import templates as T
from .auth import INVALID_ACCESS_TOKEN, INVALID_API_KEY, AuthFailed, Authority, bearer
from .contract import ContractError, parse_v1, parse_v2
from .files import IMAGE_TYPES, VIDEO_TYPES, FileStore
from .results import EngineError, Outcome, color_of, image_artifact
from .state import SandboxState
from .tasks import INVALID_TASK_ID, Processor, Task, new_task_id

JSON = "application/json"
#: A reply's body: a JSON object (sent as JSON) or bytes (sent as they are).
ReplyBody: TypeAlias = bytes | JsonObject | None


@dataclass
class Reply:
    status: int
    body: ReplyBody = None
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if isinstance(self.body, (bytes, bytearray)):
            return bytes(self.body)
        if self.body is None:
            return b""
        return json.dumps(self.body).encode()


class HttpError(Exception):
    def __init__(self, status: int, body: ReplyBody, content_type: str = JSON):
        super().__init__(str(body))
        self.reply = Reply(status, body, content_type)


def _s3_error(status: int, code: str, message: str) -> HttpError:
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message><Sandbox>true</Sandbox></Error>"
    ).encode()
    return HttpError(status, xml, "application/xml")


def _bad(error: str, code: str = "InvalidParameters") -> HttpError:
    return HttpError(400, {"status": 400, "error": error, "error_code": code})


Query = dict[str, list[str]]


AuthKind = Literal["v2", "v1", "either"]


@dataclass(frozen=True)
class Call:
    """One request as a route handler sees it: ``rest`` is the path after the route's prefix,
    ``owner`` the credential that the route's check accepted ("" for unauthenticated routes)."""

    rest: str
    q: Query
    headers: dict[str, str]
    body: bytes
    owner: str


@dataclass(frozen=True)
class FixedRoute:
    """One fixed route: ``auth`` is the credential it takes (None: none, as on storage URLs)."""

    method: str
    path: str
    prefix: bool
    auth: AuthKind | None
    handler: Callable[[Call], Reply]


class Service:
    """The documented endpoints over one sandbox's `SandboxState`."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.auth: Authority = state.authority
        self.files: FileStore = state.files
        self.catalog = C.load()
        self.processor = Processor(self.files, state.base_url)
        self.lock = threading.RLock()
        self._routes = self._route_table()
        self.dedupe: dict[tuple[str, str, int], str] = {}

    # ------------------------------------------------------------------ auth
    def _v2(self, headers: dict[str, str]) -> str:
        tok = bearer(headers.get("authorization"))
        if tok is None or not self.auth.check_api_key(tok):
            raise HttpError(401, dict(INVALID_API_KEY))
        return "v2:apikey"

    def _v1(self, headers: dict[str, str]) -> tuple[str, str]:
        tok = bearer(headers.get("authorization"))
        at = self.auth.check_access_token(tok) if tok else None
        if at is None:
            raise HttpError(401, dict(INVALID_ACCESS_TOKEN))
        return "v1:" + at.client_id, at.token

    def _either(self, headers: dict[str, str]) -> str:
        tok = bearer(headers.get("authorization"))
        if tok and self.auth.check_api_key(tok):
            return "v2:apikey"
        return self._v1(headers)[0]

    # ------------------------------------------------------------------ dispatch
    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        try:
            return self._dispatch(method, path, parse_qs(query, keep_blank_values=True), headers, body)
        except HttpError as e:
            return e.reply
        except ContractError as e:
            return Reply(e.status, e.body)

    def _json(self, body: bytes) -> object:
        try:
            return json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            raise _bad("Request body is not valid JSON") from None

    def _route_table(self) -> tuple[FixedRoute, ...]:
        """The fixed routes, tried in order before the catalogue's task routes."""
        return (
            FixedRoute("PUT", "/_upload/", True, None, lambda c: self.put_upload(c.rest, c.headers, c.body)),
            FixedRoute("GET", "/_download/", True, None, lambda c: self.download(c.rest.split("/", 1)[0])),
            FixedRoute("GET", "/_thumb/", True, None, lambda c: self.thumb(c.rest)),
            FixedRoute("POST", "/s2s/v1.0/client/auth", False, None, lambda c: self.client_auth(self._json(c.body))),
            FixedRoute("GET", "/s2s/v1.0/client/credit", False, "either", lambda c: self.credit(c.owner)),
            FixedRoute("GET", "/s2s/v1.0/client/credit/history", False, "either", lambda c: self.credit_history(c.q)),
            FixedRoute("GET", "/s2s/v2.0/credit/feature-cost", False, "v2", lambda c: self.feature_cost(c.q)),
            FixedRoute(
                "POST",
                "/s2s/v2.0/file",
                False,
                "v2",
                lambda c: self.register_files(self._json(c.body), c.owner, "v2", None),
            ),
            FixedRoute(
                "POST",
                "/s2s/v2.0/file/",
                True,
                "v2",
                lambda c: self.register_files(self._json(c.body), c.owner, "v2", c.rest or None),
            ),
            FixedRoute("POST", "/s2s/v1.1/file/", True, "v1", lambda c: self._v1_file(c, sized=True)),
            FixedRoute("POST", "/s2s/v1.0/file/", True, "v1", lambda c: self._v1_file(c, sized=False)),
            FixedRoute(
                "POST", "/s2s/v2.0/task/delete", False, "v2", lambda c: self.delete_task(c.owner, self._json(c.body))
            ),
            FixedRoute("GET", "/s2s/v2.0/task/template/", True, "v2", lambda c: self.v2_templates(c.rest, c.q)),
            FixedRoute("GET", "/s2s/v2.1/task/template/", True, "v2", lambda c: self.v2_templates(c.rest, c.q)),
            FixedRoute("GET", "/s2s/v1.0/task/style-group/", True, "v1", lambda c: self.v1_groups(c.rest, c.q)),
            FixedRoute("GET", "/s2s/v1.0/task/style/", True, "v1", lambda c: self.v1_styles(c.rest, c.q)),
            FixedRoute("GET", "/s2s/v1.1/task/style/", True, "v1", lambda c: self.v1_categories(c.rest)),
        )

    def _owner(self, auth: AuthKind | None, headers: dict[str, str]) -> str:
        """Check the credential a route takes (401 when it is wrong); the owner it names."""
        if auth == "v2":
            return self._v2(headers)
        if auth == "v1":
            return self._v1(headers)[0]
        if auth == "either":
            return self._either(headers)
        return ""

    def _v1_file(self, c: Call, *, sized: bool) -> Reply:
        if c.rest not in self.catalog.file_slugs:
            raise HttpError(404, {"status": 404, "error": f"No file endpoint for {c.rest!r}"})
        return self.register_files(self._json(c.body), c.owner, "v1", c.rest, sized=sized)

    def _dispatch(self, method: str, path: str, q: Query, headers: dict[str, str], body: bytes) -> Reply:
        for r in self._routes:
            if r.method == method and (path.startswith(r.path) if r.prefix else path == r.path):
                owner = self._owner(r.auth, headers)
                return r.handler(Call(path[len(r.path) :], q, headers, body, owner))
        route = self.catalog.routes.get(path)
        if route is not None and method == "POST":
            return self.create(route, headers, self._json(body))
        if route is not None and method == "GET" and route.api == "v1":
            owner, _ = self._v1(headers)
            tid = (q.get("task_id") or [""])[0]
            return self.poll(route, tid, owner)
        if method == "GET":
            m = self.catalog.match_poll(path)
            if m is not None:
                owner = self._v2(headers)
                return self.poll(m[0], unquote(m[1]), owner)
        return Reply(404, {"status": 404, "error": f"Not found: {method} {path}"})

    # ------------------------------------------------------------------ v1 auth
    def client_auth(self, body: object) -> Reply:
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("client_id"), str)
            or not isinstance(body.get("id_token"), str)
        ):
            raise _bad("client_id and id_token are required strings")
        try:
            tok = self.auth.issue(body["client_id"], body["id_token"])
        except AuthFailed as e:
            return Reply(401, {"status": 401, "error": f"Authentication failed: {e}"})
        return Reply(200, {"status": 200, "result": {"access_token": tok.token}})

    # ------------------------------------------------------------------ units
    def credit(self, owner: str) -> Reply:
        bal = self.state.account.balance
        kind = "ApiPaygToken" if owner.startswith("v2") else "PaygToken"
        expiry = int((self.state.clock.time() + 365 * 86400) * 1000)
        return Reply(
            200,
            {
                "status": 200,
                "results": [{"id": 1, "type": kind, "amount": int(bal), "amount_dec": round(bal, 2), "expiry": expiry}],
            },
        )

    def _page_args(self, q: Query, max_size: int) -> tuple[int, int]:
        try:
            size = int((q.get("page_size") or ["20"])[0])
        except ValueError:
            raise _bad("page_size must be an integer") from None
        if not 1 <= size <= max_size:
            raise _bad(f"page_size must be between 1 and {max_size}")
        offset = T.decode_token(next(iter(q.get("starting_token") or []), None))
        if offset is None:
            raise _bad("starting_token is not valid")
        return size, offset

    def credit_history(self, q: Query) -> Reply:
        size, offset = self._page_args(q, 30)
        entries = [
            {
                "id": i + 1,
                "timestamp": int(e["time"] * 1000),
                "action": "api_" + e["feature"].replace("-", "_"),
                "target_id": e["task_id"],
                "info": {
                    "credits": [{"id": 1, "amount": -int(round(e["units"])), "amount_dec": -e["units"]}],
                    "dst_actions": e.get("dst_actions", []),
                },
            }
            for i, e in enumerate(self.state.account.ledger)
        ][::-1]
        items, nxt = T.page(entries, size, offset)
        return Reply(200, {"status": 200, "result": {"next_token": nxt, "history": items}})

    def feature_cost(self, q: Query) -> Reply:
        size, offset = self._page_args(q, 20)
        skus = []
        for _key, spec in self.catalog.features.items():
            for ep in spec.endpoints:
                if ep.api != "v2":
                    continue
                cost = C.unit_cost(ep, {})
                skus.append(
                    {
                        "description": f"{spec.title} ({ep.variant})",
                        "amount": cost,
                        "unit": "second" if ep.output == "video" else "result_image",
                        "proc_unit": 1,
                        "run_task_url": ep.task_path,
                    }
                )
        items, nxt = T.page(skus, size, offset)
        return Reply(200, {"status": 200, "result": {"next_token": nxt, "skus": items}})

    # ------------------------------------------------------------------ files
    def register_files(self, body: object, owner: str, api: str, feature: str | None, *, sized: bool = True) -> Reply:
        if not isinstance(body, dict) or not isinstance(body.get("files"), list) or not body["files"]:
            raise _bad("files must be a non-empty array")
        out = []
        for i, item in enumerate(body["files"]):
            if not isinstance(item, dict):
                raise _bad(f"files[{i}] must be an object")
            ctype, name, size = item.get("content_type"), item.get("file_name"), item.get("file_size")
            if not isinstance(ctype, str) or ctype not in IMAGE_TYPES + VIDEO_TYPES:
                raise _bad(
                    f"files[{i}].content_type {ctype!r} is not supported; use one of "
                    f"{', '.join(IMAGE_TYPES + VIDEO_TYPES)}"
                )
            if not isinstance(name, str) or not name:
                raise _bad(f"files[{i}].file_name is required")
            if sized or size is not None:
                if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
                    raise _bad(f"files[{i}].file_size is required and must be a positive integer (bytes)")
                cap = VIDEO_MAX_BYTES if ctype.startswith("video/") else IMAGE_MAX_BYTES
                if size >= cap:
                    raise _bad(f"files[{i}].file_size {size} must be under {cap} bytes")
            f = self.files.register(content_type=ctype, file_name=name, file_size=size, feature=feature, owner=owner)
            headers: JsonObject = {"Content-Type": ctype}
            if f.file_size is not None:
                headers["Content-Length"] = str(f.file_size)
            url = (
                f"{self.state.base_url()}/_upload/{f.upload_token}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                f"&X-Amz-Expires={int(self.files.url_ttl_seconds)}&X-Amz-Signature={f.upload_token[:16]}"
            )
            out.append(
                {
                    "content_type": ctype,
                    "file_name": name,
                    "file_id": f.file_id,
                    "requests": [{"method": "PUT", "url": url, "headers": headers}],
                }
            )
        envelope = "data" if api == "v2" else "result"
        return Reply(200, {"status": 200, envelope: {"files": out}})

    def put_upload(self, token: str, headers: dict[str, str], body: bytes) -> Reply:
        if "authorization" in headers:
            raise _s3_error(
                403,
                "AccessDenied",
                "Only one auth mechanism allowed: do not send an Authorization header to the upload URL",
            )
        f = self.files.by_token(token)
        if f is None:
            raise _s3_error(404, "NoSuchUpload", "Unknown upload URL")
        if self.state.clock.time() > f.url_expires_at:
            raise _s3_error(403, "AccessDenied", "Request has expired")
        ctype = headers.get("content-type")
        if ctype != f.content_type:
            raise _s3_error(
                403, "SignatureDoesNotMatch", f"Content-Type {ctype!r} differs from the signed {f.content_type!r}"
            )
        if ctype not in IMAGE_TYPES + VIDEO_TYPES:
            raise _s3_error(400, "InvalidArgument", f"Content-Type {ctype!r} not allowed")
        if f.file_size is not None:
            if headers.get("content-length") != str(f.file_size):
                got = headers.get("content-length")
                raise _s3_error(
                    403, "SignatureDoesNotMatch", f"Content-Length {got!r} differs from the signed {f.file_size}"
                )
            if len(body) != f.file_size:
                raise _s3_error(400, "IncompleteBody", f"received {len(body)} bytes, expected {f.file_size}")
        elif not body:
            raise _s3_error(400, "IncompleteBody", "empty body")
        f.data = bytes(body)
        with self.state.account.lock:
            self.state.account.uploads[f.file_id] = f.data
        return Reply(200, b"", "text/plain", {"ETag": '"sandbox"'})

    def download(self, token: str) -> Reply:
        d = self.files.download(token)
        if d is None:
            raise _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        if self.state.clock.time() > d.expires_at:
            raise _s3_error(403, "AccessDenied", "Request has expired")
        return Reply(
            200,
            d.data,
            d.content_type,
            {"Content-Disposition": f'attachment; filename="{d.name}"', "X-Sandbox": "true"},
        )

    def thumb(self, name: str) -> Reply:
        art = image_artifact(Image.new("RGB", (64, 64), color_of("thumb", name)), name)
        return Reply(200, art.data, "image/png")

    # ------------------------------------------------------------------ templates
    def _template_route(self, slug: str) -> C.Route:
        r = self.catalog.template_slugs.get(slug)
        if r is None:
            raise _bad(f"No templates for {slug!r}")
        return r

    def v2_templates(self, slug: str, q: Query) -> Reply:
        self._template_route(slug)
        size, offset = self._page_args(q, 20)
        items, nxt = T.page(T.v2_templates(slug, self.state.base_url()), size, offset)
        return Reply(200, {"status": 200, "data": {"templates": items, "next_token": nxt}})

    def v1_groups(self, slug: str, q: Query) -> Reply:
        self._template_route(slug)
        size, offset = self._page_args(q, 20)
        items, nxt = T.page(T.v1_groups(slug), size, offset)
        return Reply(200, {"status": 200, "result": {"next_token": nxt, "groups": items}})

    def v1_styles(self, slug: str, q: Query) -> Reply:
        self._template_route(slug)
        try:
            gid = int((q.get("style_group_id") or [""])[0])
        except ValueError:
            raise _bad("style_group_id is required (integer)") from None
        styles = T.v1_styles(slug, gid, self.state.base_url())
        if styles is None:
            raise _bad("Invalid style group", "InvalidStyleGroup")
        size, offset = self._page_args(q, 20)
        items, nxt = T.page(styles, size, offset)
        return Reply(200, {"status": 200, "result": {"next_token": nxt, "styles": items}})

    def v1_categories(self, slug: str) -> Reply:
        self._template_route(slug)
        cats = []
        for g in T.v1_groups(slug):
            styles = T.v1_styles(slug, g["id"], self.state.base_url()) or []
            cats.append(
                {
                    "id": g["id"],
                    "name": g["info"]["title"],
                    "sub_categories": [],
                    "styles": [{"style_group_id": g["id"], "style_id": s["id"], "info": s["info"]} for s in styles],
                }
            )
        return Reply(200, {"status": 200, "results": cats})

    def _check_styles(self, route: C.Route, params: JsonObject) -> None:
        slug = route.endpoint.slug
        template = params.get("template_id")
        if template is not None and template not in T.template_ids(slug):
            raise _bad(f"Invalid template_id {template!r}", "InvalidStyle")
        if "style_group_id" in params:
            styles = (
                T.v1_styles(slug, params["style_group_id"], self.state.base_url())
                if isinstance(params["style_group_id"], int)
                else None
            )
            if styles is None:
                raise _bad("Invalid style_group_id", "InvalidStyleGroup")
            ids = {s["id"] for s in styles}
            sids = params.get("style_ids")
            if not isinstance(sids, list) or not sids or any(s not in ids for s in sids):
                raise _bad("Invalid style_ids for this style group", "InvalidStyle")

    # ------------------------------------------------------------------ tasks
    def create(self, route: C.Route, headers: dict[str, str], body: object) -> Reply:
        if route.api == "v2":
            owner, token = self._v2(headers), "apikey"
            req = parse_v2(route.endpoint, body, preprocess=route.kind == "preprocess")
        else:
            owner, token = self._v1(headers)
            req = parse_v1(route.endpoint, body, preprocess=route.kind == "preprocess")

        if route.kind == "preprocess":
            if req.params:
                raise _bad(f"Unexpected parameter(s) {', '.join(sorted(req.params))} for pre-process", "BadRequest")
            flat, cost = {}, 0.0
        else:
            problems = C.validate(route, req.params)
            if problems:
                raise _bad("; ".join(problems))
            flat = F.with_defaults(route.endpoint, req.params)
            self._check_styles(route, flat)
            cost = C.unit_cost(route.endpoint, req.params)
        envelope = "data" if route.api == "v2" else "result"
        with self.lock:
            if req.request_id is not None:
                key = (token, route.path, req.request_id)
                existing = self.dedupe.get(key)
                if existing is not None and existing in self.state.account.tasks:
                    return Reply(200, {"status": 200, envelope: {"task_id": existing}})
            if cost > self.state.account.balance:
                raise _bad(
                    f"Not enough units: this task costs {cost:g}, balance is {self.state.account.balance:g}",
                    "CreditInsufficiency",
                )
            now = self.state.clock.time()
            task = Task(
                task_id=new_task_id(route.api),
                feature=route.feature,
                route=route,
                kind=route.kind,
                request=req,
                params=flat,
                owner=owner,
                created_at=now,
                ready_at=now + self.state.settings.processing_seconds,
                cost=cost,
                request_id=req.request_id,
                forced_error=self.state.account.take_forced_error(route.feature),
                last_poll=now,
            )
            self.state.account.tasks[task.task_id] = task
            if req.request_id is not None:
                self.dedupe[(token, route.path, req.request_id)] = task.task_id
        return Reply(200, {"status": 200, envelope: {"task_id": task.task_id}})

    def poll(self, route: C.Route, task_id: str, owner: str) -> Reply:
        task = self.state.account.tasks.get(task_id)
        if task is None or task.deleted or task.owner != owner or task.route.path != route.path:
            raise HttpError(400, dict(INVALID_TASK_ID))
        now = self.state.clock.time()
        with task.lock:
            if task.expired:
                raise HttpError(400, dict(INVALID_TASK_ID))
            if task.status == "running":
                if min(now, task.ready_at) - task.last_poll > self.state.settings.poll_window_seconds:
                    task.expired = True
                    raise HttpError(400, dict(INVALID_TASK_ID))
                task.last_poll = now
                if now >= task.ready_at:
                    self._finish(task)
            else:
                task.last_poll = now
        return Reply(200, self._status_body(task))

    def _finish(self, task: Task) -> None:
        try:
            outcome = self.processor.run(task)
        except EngineError as e:
            task.status, task.error, task.error_message = "error", e.code, e.message
            return
        except Exception as e:  # noqa: BLE001 - a sandbox bug must still end the task visibly
            task.status, task.error, task.error_message = "error", "unknown_internal_error", f"sandbox: {e!r}"
            return
        task.outcome = outcome
        for art in outcome.artifacts:
            f = self.files.add_result(art.data, art.content_type, art.name, task_id=task.task_id, owner=task.owner)
            task.result_files.append(f.file_id)
        task.status = "success"
        if task.cost > 0:
            self.state.account.charge(task)

    def _urls(self, task: Task) -> list[str]:
        """Fresh download URLs (re-polling a task renews them, as documented)."""
        assert task.outcome is not None
        return [
            self.state.base_url() + self.files.publish(a.data, a.content_type, a.name, task_id=task.task_id)
            for a in task.outcome.artifacts
        ]

    def _status_body(self, task: Task) -> JsonObject:
        interval = self.state.settings.polling_interval_ms
        if task.api == "v2":
            data: JsonObject = {
                "task_status": task.status,
                "error": task.error,
                "error_message": task.error_message,
                "results": None,
                "polling_interval": interval,
                "sandbox": True,
            }
            if task.status == "success" and task.outcome is not None:
                data["results"] = self._v2_results(task.outcome, self._urls(task))
            return {"status": 200, "data": data}
        result: JsonObject = {
            "polling_interval": interval,
            "status": task.status,
            "error": task.error,
            "error_message": task.error_message,
            "results": [],
            "sandbox": True,
        }
        if task.status == "success" and task.outcome is not None:
            result["results"] = [
                {"id": task.request.action_id, "data": self._v1_data(task.outcome, self._urls(task), task.result_files)}
            ]
        return {"status": 200, "result": result}

    @staticmethod
    def _v2_results(o: Outcome, urls: list[str]) -> JsonObject:
        if o.shape in ("url", "skin_zip"):
            return {"url": urls[0], "sandbox": True}
        if o.shape == "output":
            return {"output": [{"url": u} for u in urls], "sandbox": True}
        if o.shape == "lift":
            return {"url": urls[0], **o.data, "sandbox": True}
        if o.shape == "boxes":
            return {"timed": 0.01, "result": o.data, "sandbox": True}
        if o.shape == "faces":
            return {"url": urls[0], "faces": o.data, "sandbox": True}
        if o.shape == "skin_json":
            by_name = {a.name: u for a, u in zip(o.artifacts, urls, strict=False)}
            items = [
                dict(i, mask_urls=[by_name.get(n, n) for n in i.get("mask_urls", [])]) if "mask_urls" in i else i
                for i in o.data
            ]
            return {"output": items, "sandbox": True}
        attributes: JsonObject = o.data  # json: the attribute object (already carries "sandbox": true)
        return attributes

    @staticmethod
    def _v1_data(o: Outcome, urls: list[str], dst_ids: list[str]) -> list[JsonObject]:
        if o.shape == "json":
            return [{"analysis_result": o.data}]
        if o.shape == "skin_zip":
            return [{"url": urls[0]}]
        if o.shape == "faces":
            return [{"dst_id": dst_ids[0], "url": urls[0], "faces": [{"bbox": [f["bbox"]]} for f in o.data]}]
        if o.shape == "boxes":
            return [{"result": o.data}]
        return [{"url": u, "dst_id": d} for u, d in zip(urls, dst_ids, strict=False)]

    def delete_task(self, owner: str, body: object) -> Reply:
        if not isinstance(body, dict) or not isinstance(body.get("task_id"), str) or not body["task_id"]:
            raise _bad("task_id is required")
        task = self.state.account.tasks.get(body["task_id"])
        if task is None or task.deleted or task.owner != owner:
            raise _bad("Invalid task ID", "InvalidTaskId")
        with task.lock:
            if task.status == "running" and not task.expired and self.state.clock.time() >= task.ready_at:
                self._finish(task)  # finished by the clock, just never polled since
            if task.status == "running" and not task.expired:
                raise _bad("The task has not finished yet", "OperationInvalid")
        task.deleted = True
        self.files.forget_task(task.task_id)
        for items in task.request.inputs.values():
            for kind, value in items:
                if kind == "id":
                    self.files.delete(value)
                    with self.state.account.lock:
                        self.state.account.uploads.pop(value, None)
        return Reply(200, {"status": 200})
