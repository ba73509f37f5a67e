"""The feature catalogue: one declarative spec per YouCam service feature.

Everything else in the package (widgets, CLI, API client, sandbox, image
fitting) reads endpoints, params and limits from here instead of carrying its
own copy of the documentation. The functions below are the public surface;
the data lives in the family modules (``face``, ``retouch``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import InputError
from .body import build_body, unit_cost, v1_file_path
from .catalogue import FEATURES
from .spec import (
    Endpoint,
    FeatureSpec,
    Input,
    InputFiles,
    InputInfo,
    Limits,
    Param,
    Violation,
)
from .synonyms import suggestions
from .validation import validate_endpoint, with_defaults

__all__ = [
    "FEATURES",
    "Endpoint",
    "FeatureSpec",
    "Input",
    "InputFiles",
    "InputInfo",
    "Limits",
    "Param",
    "Violation",
    "build_body",
    "check",
    "endpoint_for",
    "get",
    "limits_for",
    "output_kind",
    "unit_cost",
    "v1_file_path",
    "validate",
    "with_defaults",
]


def get(key: str | FeatureSpec) -> FeatureSpec:
    """The spec for a feature key; ``InputError`` naming close keys when unknown."""
    if isinstance(key, FeatureSpec):
        return key
    try:
        return FEATURES[key]
    except KeyError:
        close = [f"{k} ({FEATURES[k].title})" for k in suggestions(str(key), FEATURES)]
        hint = f"did you mean {' or '.join(close)}?" if close else f"known: {', '.join(FEATURES)}"
        raise InputError(f"unknown feature {key!r}: {hint}") from None


def endpoint_for(feature: str | FeatureSpec, api: str = "v2", variant: str | None = None) -> Endpoint:
    """The endpoint of ``feature`` for a generation/variant, as an ``InputError`` if missing."""
    spec = get(feature)
    try:
        return spec.endpoint(api, variant)
    except KeyError as exc:
        raise InputError(str(exc.args[0])) from None


def validate(
    feature: str | FeatureSpec,
    params: Mapping[str, object] | None,
    inputs: InputFiles | None = None,
    *,
    api: str = "v2",
    variant: str | None = None,
) -> list[Violation]:
    """Every violation of ``params`` and ``inputs`` for one endpoint; [] = fine.

    ``inputs`` maps a role (src, mask, ref, refs, srcs) to an ``InputInfo`` or a
    list of them; None skips the file checks (sizes not known yet), and roles
    left out are not checked.
    """
    spec = get(feature)
    endpoint = endpoint_for(spec, api, variant)
    return validate_endpoint(spec, endpoint, params, inputs)


def check(
    feature: str | FeatureSpec,
    params: Mapping[str, object] | None,
    inputs: InputFiles | None = None,
    *,
    api: str = "v2",
    variant: str | None = None,
) -> None:
    """Like ``validate`` but raises ``InputError`` listing every violation."""
    violations = validate(feature, params, inputs, api=api, variant=variant)
    if violations:
        spec = get(feature)
        lines = "\n".join(f"  - {v}" for v in violations)
        raise InputError(
            f"{spec.key}: {len(violations)} problem(s) to fix before running:\n{lines}", violations=violations
        )


def limits_for(endpoint: Endpoint, params: Mapping[str, object] | None = None) -> Limits:
    """The input limits for these params (skin analysis HD needs short side >= 1080)."""
    return endpoint.limits_with(with_defaults(endpoint, params))


def output_kind(endpoint: Endpoint, params: Mapping[str, object] | None = None) -> str:
    """What the task returns for these params (skin analysis format=json gives JSON)."""
    if endpoint.output == "zip" and with_defaults(endpoint, params).get("format") == "json":
        return "json"
    return endpoint.output
