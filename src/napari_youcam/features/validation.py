"""Local checks of params and input sizes against one endpoint.

Every documented constraint that can be checked without the service is checked
here, so a user learns about a bad value before units are spent and before an
upload. All violations are collected (not just the first) because a form that
reveals one problem per click wastes the user's time. Messages say what to
change, not only what is wrong.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import TypeGuard

from .spec import Endpoint, FeatureSpec, Input, InputFiles, InputInfo, Limits, Param, Violation

COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_JPEG_ALIASES = {"jpg", "jpeg"}


# ---------------------------------------------------------------- params


def flatten(params: Mapping[str, object] | None, endpoint: Endpoint) -> dict[str, object]:
    """Dotted flat form of ``params``.

    Callers may pass either ``{"features.eye_bag": 10}`` or the nested
    ``{"features": {"eye_bag": 10}}``; a nested dict is flattened unless its key is
    itself a parameter (face analyzer's ``features`` is a list param).
    """
    out: dict[str, object] = {}
    names = {p.name for p in endpoint.params}

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, Mapping) and prefix not in names and value:
            for k, v in value.items():
                walk(f"{prefix}.{k}", v)
        else:
            out[prefix] = value

    for k, v in (params or {}).items():
        walk(str(k), v)
    return out


def with_defaults(endpoint: Endpoint, params: Mapping[str, object] | None) -> dict[str, object]:
    """``params`` (flat, dotted) with every documented default filled in."""
    out = flatten(params, endpoint)
    for p in endpoint.params:
        if p.name not in out and p.default is not None:
            out[p.name] = p.default
    return out


def _type_name(value: object) -> str:
    return type(value).__name__


def _is_int(v: object) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: object) -> TypeGuard[int | float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _fmt(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return repr(v) if isinstance(v, str) else str(v)


def _choices(p: Param) -> str:
    return ", ".join(_fmt(c) for c in p.choices)


def _utf8_ok(value: object) -> bool:
    """False when text anywhere in ``value`` (lists and mappings too) is not encodable as UTF-8."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, Mapping):
        return all(_utf8_ok(k) and _utf8_ok(x) for k, x in value.items())
    if isinstance(value, (list, tuple)):
        return all(_utf8_ok(x) for x in value)
    return True


def check_param(
    p: Param, value: object, feature: str, elsewhere: Mapping[object, str] | None = None
) -> list[Violation]:
    """Type, range, length and enum checks of one value.

    ``elsewhere`` maps choice values that only other endpoints of the feature
    accept to the endpoint that does, so the message can point there.
    """
    if not _utf8_ok(value):
        return [
            Violation(
                p.name,
                "holds characters that cannot be sent as UTF-8 (bytes the shell could not "
                "decode): retype the value as plain text",
            )
        ]
    if p.kind in ("int", "float"):
        return _check_number(p, value)
    if p.kind == "bool":
        return [] if isinstance(value, bool) else [Violation(p.name, f"must be true or false, got {value!r}")]
    if p.kind in ("str", "color"):
        return _check_text(p, value)
    if p.kind == "enum":
        if value not in p.choices or (isinstance(value, bool) and not any(isinstance(c, bool) for c in p.choices)):
            return [Violation(p.name, f"{value!r} is not allowed: pick one of {_choices(p)}")]
        return []
    if p.kind == "enum_list":
        return _check_enum_list(p, value, feature, elsewhere)
    return []  # json: structure is checked by the endpoint's rules


def _check_number(p: Param, value: object) -> list[Violation]:
    """``int`` and ``float`` kinds: the type, then the documented range."""
    if p.kind == "int" and not _is_int(value):
        return [Violation(p.name, f"must be a whole number, got {_type_name(value)} {value!r}")]
    if not _is_number(value):
        return [Violation(p.name, f"must be a number, got {_type_name(value)} {value!r}")]
    v: list[Violation] = []
    if p.minimum is not None and value < p.minimum:
        v.append(Violation(p.name, f"{_fmt(value)} is below the minimum {_fmt(p.minimum)}: use {_range(p)}"))
    if p.maximum is not None and value > p.maximum:
        v.append(Violation(p.name, f"{_fmt(value)} is above the maximum {_fmt(p.maximum)}: use {_range(p)}"))
    return v


def _check_text(p: Param, value: object) -> list[Violation]:
    """``str`` and ``color`` kinds: text, a #RRGGBB colour, the documented length."""
    name = p.name
    if not isinstance(value, str):
        return [Violation(name, f"must be text, got {_type_name(value)} {value!r}")]
    if p.kind == "color":
        if not COLOR_RE.match(value):
            return [Violation(name, f"{value!r} is not a colour: write it as #RRGGBB, e.g. #6B3E26")]
        return []
    v: list[Violation] = []
    n = len(value)
    if p.min_length is not None and n < p.min_length:
        v.append(
            Violation(
                name,
                "is empty: " + (p.help or "enter a value")
                if n == 0
                else f"is {n} characters: use at least {p.min_length}",
            )
        )
    if p.max_length is not None and n > p.max_length:
        v.append(Violation(name, f"is {n} characters, the limit is {p.max_length}: shorten it"))
    return v


def _check_enum_list(p: Param, value: object, feature: str, elsewhere: Mapping[object, str] | None) -> list[Violation]:
    """``enum_list``: known, distinct values, as many as documented; values of another endpoint named."""
    name = p.name
    if not isinstance(value, (list, tuple)):
        return [Violation(name, f"must be a list of values from: {_choices(p)}")]
    v: list[Violation] = []
    bad = [x for x in value if x not in p.choices]
    other = [x for x in bad if elsewhere and x in elsewhere]
    bad = [x for x in bad if x not in other]
    if other and elsewhere:
        v.append(
            Violation(
                name,
                f"{', '.join(map(repr, other))} only exist(s) in the "
                f"{elsewhere[other[0]]} endpoint of {feature}: remove it or switch endpoint",
            )
        )
    if bad:
        v.append(
            Violation(name, f"unknown value(s) {', '.join(map(repr, bad))} for {feature}: allowed are {_choices(p)}")
        )
    dup = sorted({x for x in value if list(value).count(x) > 1}, key=str)
    if dup:
        v.append(Violation(name, f"lists {', '.join(map(repr, dup))} more than once: list each value once"))
    n = len(value)
    if p.min_length is not None and n < p.min_length:
        v.append(Violation(name, f"has {n} value(s): choose at least {p.min_length}"))
    if p.max_length is not None and n > p.max_length:
        v.append(Violation(name, f"has {n} values: choose at most {p.max_length}"))
    return v


def _range(p: Param) -> str:
    lo = _fmt(p.minimum) if p.minimum is not None else "-inf"
    hi = _fmt(p.maximum) if p.maximum is not None else "inf"
    return f"a value in {lo}..{hi}"


def _unknown(name: str, endpoint: Endpoint, spec: FeatureSpec | None) -> Violation:
    names = [p.name for p in endpoint.params]
    where = f"{spec.key} ({endpoint.api}" if spec else f"{endpoint.task_path} ({endpoint.api}"
    where += f", {endpoint.variant})" if endpoint.variant != "default" else ")"
    # A parameter of another generation/variant of the same feature: say so.
    if spec is not None:
        for e in spec.endpoints:
            if e is not endpoint and any(p.name == name for p in e.params):
                return Violation(
                    name,
                    f"is not a parameter of {where}; it belongs to the {e.api} {e.variant} endpoint "
                    f"({e.task_path}): switch endpoint or drop it",
                )
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if not close:
        # dotted names: compare the last part too (eyebag -> features.eye_bag)
        tails = {n.split(".")[-1]: n for n in names}
        hit = difflib.get_close_matches(name.split(".")[-1], list(tails), n=1, cutoff=0.6)
        close = [tails[hit[0]]] if hit else []
    if close:
        return Violation(name, f"unknown parameter for {where}: did you mean {close[0]!r}?")
    known = ", ".join(names) if names else "none"
    return Violation(name, f"unknown parameter for {where}: accepted are {known}")


# ---------------------------------------------------------------- inputs


def normalize_inputs(inputs: InputFiles | None) -> dict[str, list[InputInfo]] | None:
    if inputs is None:
        return None
    out: dict[str, list[InputInfo]] = {}
    for role, value in inputs.items():
        if value is None:
            continue
        out[role] = [value] if isinstance(value, InputInfo) else list(value)
    return out


def _fmt_ok(fmt: str, formats: Sequence[str]) -> bool:
    f = fmt.lower().lstrip(".")
    if f in formats:
        return True
    # jpg and jpeg are one format; lists that name only one of them accept both.
    return f in _JPEG_ALIASES and any(x in _JPEG_ALIASES for x in formats)


def check_input(field: str, info: InputInfo, limits: Limits, *, kind: str = "image") -> list[Violation]:
    """Dimension, format, size and duration checks of one file."""
    v: list[Violation] = []
    w, h = info.width, info.height
    long, short = max(w, h), min(w, h)
    what = "downscale (youcam prepare does it)" if kind == "image" else "use a smaller video"
    if limits.long_max is not None:
        if limits.long_strict and long >= limits.long_max:
            v.append(Violation(field, f"long side {long} px must be < {limits.long_max}: {what}"))
        elif not limits.long_strict and long > limits.long_max:
            v.append(Violation(field, f"long side {long} px > {limits.long_max}: {what}"))
    for axis, size, limit in (("width", w, limits.width_max), ("height", h, limits.height_max)):
        if limit is None:
            continue
        if (limits.long_strict and size >= limit) or (not limits.long_strict and size > limit):
            op = "<" if limits.long_strict else "<="
            v.append(Violation(field, f"{axis} {size} px must be {op} {limit}: {what}"))
    if limits.short_min is not None and short < limits.short_min:
        v.append(
            Violation(
                field,
                f"short side {short} px < {limits.short_min}: use a larger "
                f"{'image' if kind == 'image' else 'video'} (upscaling adds no detail)",
            )
        )
    if limits.side_min is not None and short < limits.side_min:
        v.append(Violation(field, f"{w}x{h} px: both sides must be >= {limits.side_min}: use a larger image"))
    if limits.long_min is not None and long < limits.long_min:
        v.append(Violation(field, f"long side {long} px < {limits.long_min}: use a larger image"))
    if h > 0 and (limits.aspect_min is not None or limits.aspect_max is not None):
        ratio = w / h
        if (limits.aspect_min is not None and ratio < limits.aspect_min) or (
            limits.aspect_max is not None and ratio > limits.aspect_max
        ):
            v.append(
                Violation(
                    field,
                    f"aspect ratio {w}:{h} is outside "
                    f"{_ratio(limits.aspect_min)}..{_ratio(limits.aspect_max)}: crop it",
                )
            )
    if info.format is not None and not _fmt_ok(info.format, limits.formats):
        v.append(Violation(field, f"format {info.format!r} is not accepted: convert to {'/'.join(limits.formats)}"))
    if info.nbytes is not None and info.nbytes >= limits.max_bytes:
        mib = limits.max_bytes / (1024 * 1024)
        v.append(
            Violation(
                field,
                f"file is {info.nbytes / (1024 * 1024):.1f} MiB, it must be under "
                f"{mib:g} MiB: " + ("re-encode with more compression" if kind == "image" else "trim or re-encode it"),
            )
        )
    if limits.duration_max is not None and info.duration_s is not None and info.duration_s > limits.duration_max:
        v.append(Violation(field, f"video is {info.duration_s:g} s, the limit is {limits.duration_max:g} s: trim it"))
    return v


def _ratio(r: float | None) -> str:
    if r is None:
        return "any"
    return f"{r:g}:1" if r >= 1 else f"1:{1 / r:g}"


def _check_inputs(
    endpoint: Endpoint, params: Mapping[str, object], inputs: dict[str, list[InputInfo]]
) -> list[Violation]:
    v: list[Violation] = []
    base = endpoint.limits_with(params)
    for role, infos in inputs.items():
        spec_in: Input | None = endpoint.input(role)
        if spec_in is None:
            accepted = ", ".join(i.role for i in endpoint.inputs) or "no files"
            v.append(Violation(role, f"{endpoint.task_path} takes no {role!r} input (it takes {accepted}): drop it"))
            continue
        if len(infos) > spec_in.max_count:
            v.append(Violation(role, f"{len(infos)} files given, at most {spec_in.max_count}: remove some"))
        if role == "mask":
            src = inputs.get("src") or []
            for info in infos:
                if src and (info.width, info.height) != (src[0].width, src[0].height):
                    v.append(
                        Violation(
                            "mask",
                            f"mask is {info.width}x{info.height} but the photo is "
                            f"{src[0].width}x{src[0].height}: the mask must match the photo "
                            "size exactly (youcam prepare scales both together)",
                        )
                    )
                if info.format is not None and not _fmt_ok(info.format, ("png", "jpg", "jpeg")):
                    v.append(Violation("mask", f"format {info.format!r} is not accepted: save the mask as png"))
            continue
        limits = spec_in.limits or base
        for i, info in enumerate(infos):
            field = role if len(infos) == 1 else f"{role}[{i}]"
            v += check_input(field, info, limits, kind=spec_in.kind)
    return v


# ---------------------------------------------------------------- entry point


def _elsewhere(spec: FeatureSpec | None, endpoint: Endpoint, p: Param) -> dict[object, str]:
    if spec is None or p.kind != "enum_list":
        return {}
    out: dict[object, str] = {}
    for e in spec.endpoints:
        for q in e.params:
            if q.name == p.name and e is not endpoint:
                for c in q.choices:
                    if c not in p.choices:
                        out.setdefault(c, e.api if e.variant == "default" else f"{e.api} {e.variant}")
    return out


def validate_endpoint(
    spec: FeatureSpec | None,
    endpoint: Endpoint,
    params: Mapping[str, object] | None,
    inputs: InputFiles | None = None,
) -> list[Violation]:
    """Every violation of ``params``/``inputs`` against ``endpoint``."""
    key = spec.key if spec else endpoint.task_path
    flat = flatten(params, endpoint)
    known = {p.name: p for p in endpoint.params}
    v: list[Violation] = []
    for name, value in flat.items():
        p = known.get(name)
        if not _utf8_ok(name):
            shown = name.encode("utf-8", "backslashreplace").decode("utf-8")
            v.append(
                Violation(
                    shown,
                    f"the parameter name {shown} holds characters that cannot be sent "
                    "as UTF-8 (bytes the shell could not decode): retype it",
                )
            )
        elif p is None:
            v.append(_unknown(name, endpoint, spec))
        elif value is None:
            continue
        else:
            v += check_param(p, value, key, _elsewhere(spec, endpoint, p))
    for p in endpoint.params:
        if p.required and flat.get(p.name) is None and not (p.send_default or p.default is not None):
            hint = f": {p.help}" if p.help else ""
            v.append(Violation(p.name, f"{p.name} is required for {key}{hint}"))
    full = with_defaults(endpoint, {k: x for k, x in flat.items() if x is not None})
    norm = normalize_inputs(inputs)
    if norm is not None:
        v += _check_inputs(endpoint, full, norm)
    # Feature rules see only params that passed their own type checks, so a rule
    # never crashes on (or double-reports) a value already reported above.
    bad = {x.field for x in v}
    clean = {k: x for k, x in full.items() if k not in bad and k in known}
    for rule in endpoint.rules:
        # A rule may not see a badly typed value and then call it missing; the
        # field already has its message, so drop the rule's duplicate.
        v += [x for x in rule(clean, norm, endpoint) if x.field not in bad]
    return v
