"""Request bodies, unit costs and v1 file paths for an endpoint.

The two API generations wrap the same facts differently: v2 takes a flat JSON
object with ``*_file_id``/``*_file_url`` fields and nested objects for dotted
params; v1 wraps everything in ``request_id`` + ``payload`` with ``file_sets``,
one ``action`` and an optional ``custom`` object. Keeping both shapes here means
the API client never needs to know a feature's field names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import InputError
from .spec import Endpoint
from .tryon import vto_request_body
from .validation import flatten


def _nest(flat: Mapping[str, object]) -> dict[str, object]:
    """``{"a.b": 1, "c": 2}`` -> ``{"a": {"b": 1}, "c": 2}``.

    A name given both as a value and as a group (``a`` and ``a.b``) is refused
    instead of one silently replacing the other.
    """
    out: dict[str, object] = {}
    for name, value in flat.items():
        *groups, last = name.split(".")
        node = out
        for i, part in enumerate(groups):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise _both(".".join(groups[: i + 1]))
            node = child
        if isinstance(node.get(last), dict):
            raise _both(name)
        node[last] = value
    return out


def _both(name: str) -> InputError:
    return InputError(f"{name} is given both as a value and as a group of values: pass one of them")


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _is_url(value: str) -> bool:
    return value.startswith("http")


def body_params(endpoint: Endpoint, params: Mapping[str, object] | None) -> dict[str, object]:
    """The flat params that are actually sent.

    Only what the caller gave, plus defaults the contract needs on the wire
    (required params with a documented default, ``send_default`` params). Other
    documented defaults are left to the service, because sending an "optional
    default" can change behaviour (hair-transfer ``hair_color`` with a reference
    photo, ``change_shoes`` for upper-body garments).
    """
    flat = {k: v for k, v in flatten(params, endpoint).items() if v is not None}
    for p in endpoint.params:
        if p.name not in flat and p.default is not None and (p.required or p.send_default):
            flat[p.name] = p.default
    return flat


def build_body(
    endpoint: Endpoint,
    files: Mapping[str, str | Sequence[str]] | None,
    params: Mapping[str, object] | None,
    *,
    request_id: int = 0,
) -> dict[str, object]:
    """The JSON body for the task POST of ``endpoint``.

    ``files`` maps an input role (``src``, ``mask``, ``ref``, ``refs``, ``srcs``) to
    file ids, or to public URLs (values starting with ``http``; v2 only). Params
    are not validated here (call ``validate``), but missing required files raise
    ``InputError`` because no valid request can be built without them.
    """
    files = dict(files or {})
    missing = [i.role for i in endpoint.inputs if i.required and not files.get(i.role)]
    if missing:
        raise InputError(f"{endpoint.task_path} needs file(s) for: {', '.join(missing)}")
    extra = [r for r in files if files[r] and endpoint.input(r) is None]
    if extra:
        raise InputError(f"{endpoint.task_path} takes no {', '.join(extra)} file(s)")
    flat = body_params(endpoint, params)
    if endpoint.api == "v2":
        return _v2_body(endpoint, files, flat)
    return _v1_body(endpoint, files, flat, request_id)


def _v2_body(
    endpoint: Endpoint, files: Mapping[str, str | Sequence[str]], flat: Mapping[str, object]
) -> dict[str, object]:
    body: dict[str, object] = {}
    for inp in endpoint.inputs:
        value = files.get(inp.role)
        if not value:
            continue
        items = _as_list(value)
        id_field, url_field = inp.v2_fields
        urls = all(_is_url(x) for x in items)
        if not urls and any(_is_url(x) for x in items):
            raise InputError(f"{inp.role}: mix of file ids and URLs; use one kind for all files")
        body[url_field if urls else id_field] = items if inp.many else items[0]
    body.update(_nest(flat))
    return vto_request_body(endpoint, body)  # 2D VTO nests product settings per product


def _v1_body(
    endpoint: Endpoint, files: Mapping[str, str | Sequence[str]], flat: Mapping[str, object], request_id: int
) -> dict[str, object]:
    file_sets: dict[str, list[str]] = {}
    for inp in endpoint.inputs:
        value = files.get(inp.role)
        if not value:
            continue
        items = _as_list(value)
        if any(_is_url(x) for x in items):
            raise InputError(f"{inp.role}: the v1 API takes uploaded file ids only, not URLs")
        file_sets.setdefault(inp.v1_field, []).extend(items)
    places = {p.name: p.v1_place for p in endpoint.params}
    action_params = {k: v for k, v in flat.items() if places.get(k, "params") == "params"}
    custom = {k: v for k, v in flat.items() if places.get(k) == "custom"}
    dst = [v for k, v in flat.items() if places.get(k) == "dst_actions"]
    action: dict[str, object] = {"id": 0}
    if action_params or dst or endpoint.v1_empty_params:
        # The documented skin-analysis sample sends "params": {} next to dst_actions,
        # and lighting's schema requires an (empty) params object; features whose
        # schema has no params send the bare {"id": 0} (obj-removal, sod, colorize).
        action["params"] = _nest(action_params)
    if dst:
        first = dst[0]
        action["dst_actions"] = list(first) if isinstance(first, list | tuple) else [first]
    payload: dict[str, object] = {}
    if endpoint.inputs:
        payload["file_sets"] = file_sets
    payload["actions"] = [action]
    if custom:
        payload["custom"] = _nest(custom)
    return {"request_id": request_id, "payload": payload}


def unit_cost(endpoint: Endpoint, params: Mapping[str, object] | None = None) -> float | None:
    """The documented cost in units for these params; None when undocumented.

    Costs come from the v2 contracts' "Unit Consumption" tables; the v1 document
    points to a web page instead, so v1 endpoints mostly return None. The live
    price list (``GET /s2s/v2.0/credit/feature-cost``) wins over this number.
    """
    if endpoint.cost is None:
        return None
    if callable(endpoint.cost):
        return endpoint.cost(body_params(endpoint, params) | _defaults_for_cost(endpoint, params))
    return float(endpoint.cost)


def _defaults_for_cost(endpoint: Endpoint, params: Mapping[str, object] | None) -> dict[str, object]:
    given = flatten(params, endpoint)
    return {p.name: p.default for p in endpoint.params if p.default is not None and given.get(p.name) is None}


def v1_file_path(endpoint: Endpoint) -> str:
    """Where a v1 task's input files are registered: ``/s2s/v1.1/file/<slug>``.

    Every v1 feature that takes files documents the v1.1 form (some also the
    deprecated v1.0 form without ``file_size``), so v1.1 is always used.
    """
    if endpoint.api != "v1":
        raise InputError(f"{endpoint.task_path} is a v2 endpoint: upload with POST /s2s/v2.0/file")
    if endpoint.file_path is None:
        raise InputError(f"{endpoint.task_path} takes no files (nothing to upload)")
    return endpoint.file_path
