"""Analysis family: Fitzpatrick skin type, facial colour tones and the four hair analyzers.

Every analyzer returns JSON, not an image. Besides the specs, this module turns an
analyzer's (untrusted) result object into readable ``(attribute, value)`` rows with
`analysis_rows`, for the napari table and for collecting many images into one CSV.
It imports neither Qt nor numpy.

Facts: the vendor OpenAPI contracts ``perfect-corp-ai_fitzpatrick_skin_type``,
``_skin_tone_analysis``, ``_hair_type_detection``, ``_hair_length_detection``,
``_hair_density_detection`` and ``_hair_frizziness_detection`` (docs/SOURCES.md,
"Features added from the vendor contracts").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from napari_youcam.limits import Limits

from ..errors import InputError
from .blocks import JPG_ONLY, JPG_PNG, SRC, v2
from .face_effects import FACE_INDEX, SPEC_VERSION
from .spec import Endpoint, FeatureSpec, Input, Param, RuleInputs, Violation
from .validation import COLOR_RE

# ---------------------------------------------------------------- specs

_STRICTNESS = ("strict", "high", "medium", "low", "flexible")
_AUTO_RESIZE = "sides > 1080 px are resized by the service for analysis"

# Hair type and frizziness take three photos of one head, in this order.
THREE_ANGLES = Input(
    "srcs",
    many=True,
    max_count=3,
    v2_fields=("src_file_ids", "src_file_urls"),
    v1_field="src_ids",
    help="three photos of the same size, in this order: front, right side, left side (about 45° turns)",
)


def _three_angles_rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    """Exactly three photos (front, right, left), all the same size (error_mismatch_image_size)."""
    if inputs is None or "srcs" not in inputs:
        return []
    photos = inputs["srcs"]
    if len(photos) != 3:
        return [Violation("srcs", f"{len(photos)} photo(s) given: give exactly 3 — front, right side, left side")]
    sizes = {(p.width, p.height) for p in photos}
    if len(sizes) > 1:
        listed = ", ".join(f"{w}x{h}" for w, h in sorted(sizes))
        return [Violation("srcs", f"the three photos differ in size ({listed}): crop or scale them to one size")]
    return []


FITZPATRICK = FeatureSpec(
    key="fitzpatrick-scale-analyzer",
    title="AI Fitzpatrick Skin Type Analysis",
    family="analysis",
    summary="Classify the skin as Fitzpatrick type I-VI (how it burns or tans in sun).",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("fitzpatrick-scale-analyzer"),
            inputs=(SRC,),
            params=(SPEC_VERSION, FACE_INDEX),
            limits=Limits(
                4096,
                short_min=320,
                formats=JPG_ONLY,
                note="front-facing, face fully visible, head within 10° of straight",
            ),
            preprocess_path=v2("fitzpatrick-scale-analyzer/pre-process"),
            output="json",
            cost=10,
        ),
    ),
    notes=(
        (
            "The contract's prose table lists 'Type V' twice (Medium Brown and Dark Brown); the result enum "
            "is I, II, III, IV, V, VI, so the first is read as type IV."
        ),
    ),
)

SKIN_TONE = FeatureSpec(
    key="skin-tone-analysis",
    title="AI Facial Color Tones Analyzer",
    family="analysis",
    summary="Skin, eye, lip, eyebrow and hair colours (hex values and names) of one face.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("skin-tone-analysis"),
            inputs=(SRC,),
            params=(
                Param(
                    "face_angle_strictness_level",
                    "enum",
                    default="high",
                    choices=_STRICTNESS,
                    help="how frontal the face must be: strict ≤4-6° ... flexible ≤30°",
                ),
            ),
            limits=Limits(
                4096,
                side_min=320,
                formats=JPG_ONLY,
                note=f"one person; face wider than 60 % of the image; {_AUTO_RESIZE}",
            ),
            output="json",
            cost=20,
        ),
    ),
    notes=(
        (
            "Minimum size 320 px comes from the error table (error_below_min_image_size); the size table gives "
            "only the maximum."
        ),
        (
            "hair_color lists 7 hex values but hair_color_name only 6 names, and the sample pairs #a0a0a0 "
            "with 'Auburn' although #a0a0a0 is grey: the name and the hex are shown as given."
        ),
    ),
)


def _hair_analyzer(
    key: str,
    title: str,
    summary: str,
    *,
    three: bool,
    side_min: int,
    cost: float,
    note: str,
    notes: tuple[str, ...] = (),
) -> FeatureSpec:
    return FeatureSpec(
        key=key,
        title=title,
        family="analysis",
        summary=summary,
        endpoints=(
            Endpoint(
                api="v2",
                task_path=v2(key),
                inputs=(THREE_ANGLES,) if three else (SRC,),
                limits=Limits(4096, side_min=side_min, formats=JPG_PNG, note=f"{note}; {_AUTO_RESIZE}"),
                rules=(_three_angles_rule,) if three else (),
                output="json",
                cost=cost,
            ),
        ),
        notes=notes,
    )


HAIR_TYPE = _hair_analyzer(
    "hair-type-detection",
    "AI Hair Type Detection",
    "Curl pattern from straight (1) to extremely coily (4c), from three photos of the head.",
    three=True,
    side_min=320,
    cost=2,
    note="face 50-80 % of the width, whole face and top of the hair visible, hair untied",
)
HAIR_LENGTH = _hair_analyzer(
    "hair-length-detection",
    "AI Hair Length Detection",
    "Hair length from above the ears to long hair, from one front-facing selfie.",
    three=False,
    side_min=320,
    cost=2,
    note="front-facing, hair down over the chest",
)
HAIR_DENSITY = _hair_analyzer(
    "hair-density-detection",
    "AI Hair Density Detection",
    "Hair density level 1-4 (extremely low to high) from scalp visibility.",
    three=False,
    side_min=100,
    cost=1,
    note="head lowered about 45°, whole hairline visible, hair untied",
    notes=("The result 'mapping' is a number written as text ('2.16', 0-3); it is shown as given.",),
)
HAIR_FRIZZ = _hair_analyzer(
    "hair-frizziness-detection",
    "AI Hair Frizziness Detection",
    "Frizz from not frizzy (0) to extremely frizzy (3), from three photos of the hair.",
    three=True,
    side_min=320,
    cost=2,
    note="front, right and left views of the hair, same size",
    notes=("The integration guide mentions a template_id; the request schema has none, so none is sent.",),
)

ANALYSIS = (FITZPATRICK, SKIN_TONE, HAIR_TYPE, HAIR_LENGTH, HAIR_DENSITY, HAIR_FRIZZ)

# ---------------------------------------------------------------- result rows

_MAX_TEXT = 200  # a longer "attribute value" is not something an analyzer returns


@dataclass(frozen=True)
class _Field:
    """One attribute of an analyzer result: where it is, what it is called, how it reads."""

    path: str  # dotted path inside the result object
    label: str
    read: Callable[[str, object], str]


def _text(path: str, value: object) -> str:
    if not isinstance(value, str):
        raise InputError(f"analysis result field {path}: expected text, got {type(value).__name__}")
    if len(value) > _MAX_TEXT:
        raise InputError(
            f"analysis result field {path}: {len(value)} characters, more than any attribute value ({_MAX_TEXT})"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InputError(f"analysis result field {path}: contains control characters")
    return value


def _hex_colour(path: str, value: object) -> str:
    text = _text(path, value)
    if not COLOR_RE.match(text):
        raise InputError(f"analysis result field {path}: {text!r} is not a #RRGGBB colour")
    return text


def _yes_no(path: str, value: object) -> str:
    if not isinstance(value, bool):
        raise InputError(f"analysis result field {path}: expected true/false, got {type(value).__name__}")
    return "yes" if value else "no"


def _number(path: str, value: object) -> str:
    """A number, or a number written as text (hair density's mapping is "2.16")."""
    if isinstance(value, str):
        try:
            number = float(_text(path, value))
        except ValueError:
            raise InputError(f"analysis result field {path}: {value!r} is not a number") from None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        raise InputError(f"analysis result field {path}: expected a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise InputError(f"analysis result field {path}: {value!r} is not a finite number")
    return f"{number:g}"


_QUALITY = tuple(
    _Field(f"face_quality.{k}", f"Face {label}", _text)
    for k, label in (("area", "area"), ("frontal", "frontal"), ("lighting", "lighting"), ("faceangle", "angle"))
)

# In the contracts' schema order (skin tone: face_quality, then color).
RESULT_FIELDS: dict[str, tuple[_Field, ...]] = {
    "fitzpatrick-scale-analyzer": (_Field("fitzpatrick_scale", "Fitzpatrick skin type", _text),),
    "skin-tone-analysis": (
        _Field("face_quality.has_face", "Face found", _yes_no),
        *_QUALITY,
        _Field("color.eye_color", "Eye colour", _hex_colour),
        _Field("color.eye_color_name", "Eye colour name", _text),
        _Field("color.lip_color", "Lip colour", _hex_colour),
        _Field("color.eyebrow_color", "Eyebrow colour", _hex_colour),
        _Field("color.skin_color", "Skin colour", _hex_colour),
        _Field("color.hair_color", "Hair colour", _hex_colour),
        _Field("color.hair_color_name", "Hair colour name", _text),
    ),
    "hair-type-detection": (
        _Field("hair_type.mapping", "Hair type (category)", _text),
        _Field("hair_type.term", "Hair type", _text),
    ),
    "hair-length-detection": (_Field("hair_length.term", "Hair length", _text),),
    "hair-density-detection": (
        _Field("hair_density.mapping", "Hair density (0-3)", _number),
        _Field("hair_density.term", "Hair density", _text),
    ),
    "hair-frizziness-detection": (
        _Field("hair_frizziness.mapping", "Frizziness (0-3)", _number),
        _Field("hair_frizziness.term", "Frizziness", _text),
    ),
}


def _lookup(data: Mapping[str, object], path: str) -> object:
    """The value at a dotted path; None when any part is missing; InputError when a part is not an object."""
    node: object = data
    walked: list[str] = []
    for part in path.split("."):
        if not isinstance(node, Mapping):
            raise InputError(f"analysis result field {'.'.join(walked)}: expected an object, got {type(node).__name__}")
        node = node.get(part)
        walked.append(part)
        if node is None:
            return None
    return node


def _fields_of(feature_key: str) -> tuple[_Field, ...]:
    fields = RESULT_FIELDS.get(feature_key)
    if fields is None:
        raise InputError(
            f"{feature_key!r} is not an analyzer with a result table: use one of {', '.join(RESULT_FIELDS)}"
        )
    return fields


def analysis_columns(feature_key: str) -> list[str]:
    """The attribute labels `analysis_rows` gives for this analyzer, in order (a CSV header)."""
    return [f.label for f in _fields_of(feature_key)]


def analysis_rows(feature_key: str, data: object) -> list[tuple[str, str]]:
    """The readable ``(attribute, value)`` rows of an analyzer's JSON result.

    ``data`` is the task's ``results`` object. Rows come in the contract's order with
    user-facing labels; a field the reply leaves out gives an empty value, so rows
    from many images line up as CSV columns. A field of the wrong type (or a
    non-object ``data``) raises a one-line `InputError` naming the field.
    """
    fields = _fields_of(feature_key)
    if not isinstance(data, Mapping):
        raise InputError(f"{feature_key} result: expected a JSON object, got {type(data).__name__}")
    rows = []
    for f in fields:
        value = _lookup(data, f.path)
        rows.append((f.label, "" if value is None else f.read(f.path, value)))
    return rows
