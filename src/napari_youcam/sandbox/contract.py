"""Structural checks of a task-creation body, per API generation.

These are the envelope rules the documents state and the catalogue's parameter
validation does not see: v2 is a flat object with exactly one of
``src_file_id``/``src_file_url`` (and the same for every other input); v1 is
``request_id`` (int) + ``payload.file_sets`` (lists of ids under the generation's
own field names: ``mask_ids`` for object removal, ``msk_ids`` for replace) +
exactly one action. A client that mixes the generations' field names gets the
documented 400 here instead of a task that silently ignores its mask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from napari_youcam.features.spec import Endpoint
from napari_youcam.features.tryon import vto_flat_body
from napari_youcam.limits import JsonObject


class ContractError(Exception):
    """A 400 with the documented body `{"status":400,"error":...,"error_code":...}`."""

    def __init__(self, error: str, code: str = "InvalidParameters", status: int = 400):
        super().__init__(error)
        self.body = {"status": status, "error": error, "error_code": code}
        self.status = status


@dataclass
class TaskRequest:
    """What a create call asked for, independent of the generation's envelope."""

    inputs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # role -> [("id"|"url", value)]
    params: JsonObject = field(default_factory=dict)  # as sent (nested dicts kept)
    request_id: int | None = None
    action_id: int = 0


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _strings(value: object, name: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(x, str) and x for x in value):
        raise ContractError(f"{name} must be a non-empty array of strings")
    return list(value)


def parse_v2(endpoint: Endpoint, body: object, *, preprocess: bool = False) -> TaskRequest:
    if not isinstance(body, dict):
        raise ContractError("Request body must be a JSON object")
    req = TaskRequest()
    body = vto_flat_body(endpoint, body)  # 2D VTO: product settings nested per product
    inputs = [i for i in endpoint.inputs if i.role == "src"] if preprocess else list(endpoint.inputs)
    for inp in inputs:
        id_f, url_f = inp.v2_fields
        have = [f for f in (id_f, url_f) if f in body and body[f] is not None]
        if len(have) > 1:
            raise ContractError(f"Give exactly one of {id_f} or {url_f}, not both")
        if not have:
            if inp.required:
                raise ContractError(f"{id_f} or {url_f} is required")
            for f in (id_f, url_f):
                body.pop(f, None)
            continue
        f = have[0]
        value = body.pop(f)
        kind = "id" if f == id_f else "url"
        if inp.many:
            values = _strings(value, f)
            if len(values) > inp.max_count:
                raise ContractError(f"{f} takes at most {inp.max_count} item(s)")
        else:
            if not isinstance(value, str) or not value:
                raise ContractError(f"{f} must be a non-empty string")
            values = [value]
        if kind == "url" and not all(v.startswith(("http://", "https://")) for v in values):
            raise ContractError(f"{f} must be a public http(s) URL")
        req.inputs[inp.role] = [(kind, v) for v in values]
    # Any leftover *_file_id / *_file_url field belongs to no input of this endpoint.
    for k in list(body):
        if k.endswith(("_file_id", "_file_url", "_file_ids", "_file_urls")):
            raise ContractError(f"Unexpected parameter {k} for this endpoint", "BadRequest")
    for k in ("request_id", "payload"):
        if k in body:
            raise ContractError(f"Unexpected parameter {k}: that is the v1 envelope; v2 bodies are flat", "BadRequest")
    req.params = body
    return req


def parse_v1(endpoint: Endpoint, body: object, *, preprocess: bool = False) -> TaskRequest:
    if not isinstance(body, dict):
        raise ContractError("Request body must be a JSON object")
    if "request_id" not in body or not _is_int(body["request_id"]) or body["request_id"] < 0:
        raise ContractError("request_id is required and must be a non-negative integer")
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise ContractError("payload is required and must be an object")
    extra = set(body) - {"request_id", "payload"}
    if extra:
        raise ContractError(f"Unexpected field(s) {', '.join(sorted(extra))}", "BadRequest")
    req = TaskRequest(request_id=body["request_id"])
    inputs = [i for i in endpoint.inputs if i.role == "src"] if preprocess else list(endpoint.inputs)
    file_sets = payload.get("file_sets")
    if inputs:
        if not isinstance(file_sets, dict):
            raise ContractError("payload.file_sets is required and must be an object")
        known = {i.v1_field for i in inputs}
        unknown = set(file_sets) - known
        if unknown:
            raise ContractError(
                f"Unexpected file_sets key(s) {', '.join(sorted(unknown))}; this feature takes "
                f"{', '.join(sorted(known))}",
                "BadRequest",
            )
        for inp in inputs:
            if inp.v1_field not in file_sets:
                if inp.required:
                    raise ContractError(f"payload.file_sets.{inp.v1_field} is required")
                continue
            ids = _strings(file_sets[inp.v1_field], f"payload.file_sets.{inp.v1_field}")
            if len(ids) > max(inp.max_count, 1):
                raise ContractError(f"payload.file_sets.{inp.v1_field} takes at most {inp.max_count} id(s)")
            if any(i.startswith(("http://", "https://")) for i in ids):
                raise ContractError("v1 file_sets take uploaded file ids, not URLs")
            req.inputs[inp.role] = [("id", i) for i in ids]
    elif file_sets not in (None, {}):
        raise ContractError("This feature takes no files: drop payload.file_sets", "BadRequest")
    actions = payload.get("actions")
    if not isinstance(actions, list) or len(actions) != 1:
        raise ContractError("payload.actions must be an array with exactly one action (only 1 action is accepted)")
    action = actions[0]
    if not isinstance(action, dict) or not _is_int(action.get("id")):
        raise ContractError("payload.actions[0].id is required and must be an integer")
    req.action_id = action["id"]
    params = action.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ContractError("payload.actions[0].params must be an object")
    flat: JsonObject = dict(params)
    places = {p.name: p.v1_place for p in endpoint.params}
    if "dst_actions" in action:
        dst_names = [n for n, pl in places.items() if pl == "dst_actions"]
        if not dst_names:
            raise ContractError("payload.actions[0].dst_actions is not accepted by this feature", "BadRequest")
        flat[dst_names[0]] = action["dst_actions"]
    extra = set(action) - {"id", "params", "dst_actions"}
    if extra:
        raise ContractError(f"Unexpected action field(s) {', '.join(sorted(extra))}", "BadRequest")
    custom = payload.get("custom")
    if custom is not None:
        if not isinstance(custom, dict):
            raise ContractError("payload.custom must be an object")
        for k, v in custom.items():
            if places.get(k) != "custom":
                raise ContractError(f"Unexpected payload.custom.{k}", "BadRequest")
            flat[k] = v
    for name, pl in places.items():
        if pl == "custom" and name in params:
            raise ContractError(f"{name} belongs in payload.custom, not in actions[0].params")
    req.params = flat
    return req
