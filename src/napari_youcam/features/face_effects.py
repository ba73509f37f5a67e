"""Beauty family: aging, smile, teeth whitening, eye colour lenses, beard styles, makeup and looks.

Facts: the vendor OpenAPI contracts ``perfect-corp-ai_aging_simulation``, ``_smile``,
``_teeth_whitening``, ``_eye_color_lens``, ``_beard_style``, ``perfect-corp-makeup_vto``
and ``_look_vto`` (docs/SOURCES.md, "Features added from the vendor contracts").
"""

from __future__ import annotations

from collections.abc import Mapping

from .blocks import JPG_ONLY, JPG_PNG, SRC, V2_TEMPLATE, ref, template_id, v2
from .spec import Endpoint, FeatureSpec, Limits, Param, RuleInputs, Violation
from .validation import COLOR_RE

# The `version` several contracts require although only "1.0" exists, and the face
# `index` into a pre-process result (teeth whitening here, Fitzpatrick in analysis).
SPEC_VERSION = Param(
    "version",
    "enum",
    required=True,
    default="1.0",
    choices=("1.0",),
    send_default=True,
    help='effect-spec version; the contract documents only "1.0"',
)
FACE_INDEX = Param(
    "index", "int", default=0, minimum=0, help="which face: index into the pre-process result (0 = first face)"
)


def _smoothing(prefix: str) -> tuple[Param, ...]:
    return (
        Param(
            f"{prefix}skin_smooth_strength",
            "int",
            default=50,
            minimum=0,
            maximum=100,
            help="skin smoothing strength 0-100 (service default 50)",
        ),
        Param(
            f"{prefix}skin_smooth_color_intensity",
            "int",
            default=50,
            minimum=0,
            maximum=100,
            help="skin smoothing colour intensity 0-100 (service default 50)",
        ),
    )


AGING = FeatureSpec(
    key="aging",
    title="AI Aging Simulation",
    family="beauty",
    summary="A series of photos of the same face from young to old.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("aging"),
            inputs=(SRC,),
            limits=Limits(4096, side_min=320, formats=JPG_ONLY, note="one person; yaw ±30°, roll ±20°, pitch ±20°"),
            output="images",
            cost=2,
        ),
    ),
    notes=(
        (
            "The reply also gives the estimated age, a res_age per image and the index of the input's own age "
            "(agd_idx); how many images come back is not documented (the sample says 16)."
        ),
        "Minimum size 320 px comes from the error table; the size table gives only the maximum.",
    ),
)

SMILE = FeatureSpec(
    key="ai-smile",
    title="AI Smile",
    family="beauty",
    summary="Turn a neutral face into a smile, with or without visible teeth.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("ai-smile"),
            inputs=(SRC,),
            params=(
                Param(
                    "expression_type",
                    "enum",
                    required=True,
                    choices=("smile_with_teeth_visible", "closed_mouth_smile"),
                    help="smile_with_teeth_visible: bright smile; closed_mouth_smile: lips closed",
                ),
            ),
            limits=Limits(
                4096, formats=JPG_PNG, note="one person; face > 32x32 px at 640 px long edge; roll ±75°, yaw ±90°"
            ),
            cost=1,
        ),
    ),
    notes=("The contract also accepts HEIC; photos are sent as JPG/PNG.",),
)

TEETH_WHITEN = FeatureSpec(
    key="teeth-whiten",
    title="AI Teeth Whitening",
    family="beauty",
    summary="Whiten the teeth of one face, from subtle to strong.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("teeth-whiten"),
            inputs=(SRC,),
            params=(
                SPEC_VERSION,
                FACE_INDEX,
                Param(
                    "effect.whitening_intensity",
                    "int",
                    required=True,
                    minimum=0,
                    maximum=100,
                    help="how much whiter, 0-100",
                ),
                *_smoothing("effect."),
            ),
            limits=Limits(
                1920,
                short_min=320,
                formats=JPG_PNG,
                note="front-facing, face fully visible, head within 10° of straight",
            ),
            preprocess_path=v2("teeth-whiten/pre-process"),
            cost=1,
        ),
    ),
)

# The lens style image: a PNG cut-out between 200x200 and 600x600 px.
_LENS_LIMITS = Limits(long_max=600, side_min=200, formats=("png",), note="lens style cut-out, 200-600 px, PNG")

EYE_COLOR = FeatureSpec(
    key="eye-color-vto",
    title="AI Eye Color Lens Virtual Try-On",
    family="beauty",
    summary="Try a coloured contact lens from a lens-style cut-out image.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("eye-color-vto"),
            inputs=(
                SRC,
                ref(
                    "the lens style image: a PNG cut-out, 200x200 to 600x600 px, background removed",
                    limits=_LENS_LIMITS,
                ),
            ),
            params=(
                SPEC_VERSION,
                Param(
                    "effect.intensity", "int", required=True, minimum=1, maximum=100, help="lens colour strength, 1-100"
                ),
                Param(
                    "effect.enlargement",
                    "int",
                    default=0,
                    minimum=0,
                    maximum=100,
                    help="iris enlargement 0-100 (default 0)",
                ),
                *_smoothing("effect."),
            ),
            limits=Limits(
                1920,
                short_min=320,
                formats=JPG_PNG,
                note="front-facing, face fully visible, head within 10° of straight",
            ),
            cost=1,
        ),
    ),
)

_BEARD_LIMITS = Limits(
    1024, long_strict=True, formats=JPG_ONLY, note="face width > 256 px; yaw within ±30°; one full face"
)

BEARD = FeatureSpec(
    key="beard-style",
    title="AI Beard Style Generator",
    family="beauty",
    summary="Try a beard style (stubble, full beard, goatee...) from a template.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("beard-style"),
            inputs=(SRC,),
            params=(template_id(),),
            limits=_BEARD_LIMITS,
            template_path=V2_TEMPLATE + "beard-style",
            cost=2,
        ),
    ),
)


def _vto_limits() -> Limits:
    # As hair colour (D3): the table says long side < 1920, the error text w < 1920
    # and h < 1080; portrait photos are only safe under both, so both are enforced.
    return Limits(
        1920,
        long_strict=True,
        width_max=1920,
        height_max=1080,
        side_min=100,
        formats=JPG_PNG,
        note="w < 1920 and h < 1080 (conservative); face width >= 100 px",
    )


# ---------------------------------------------------------------- makeup effects

MAKEUP_CATEGORIES = (
    "skin_smooth",
    "blush",
    "bronzer",
    "concealer",
    "contour",
    "eyebrows",
    "eye_liner",
    "eye_shadow",
    "eyelashes",
    "foundation",
    "highlighter",
    "lip_color",
    "lip_liner",
)
# Categories whose pattern.name must be a label from the vendor's pattern catalogue.
_NEEDS_PATTERN = {"blush", "bronzer", "contour", "eye_liner", "eye_shadow", "eyelashes", "highlighter", "lip_liner"}
_TEXTURES = {
    "blush": ("matte", "satin", "shimmer"),
    "eyebrows": ("matte", "shimmer"),
    "eye_liner": ("matte", "shimmer", "metallic"),
    "eye_shadow": ("matte", "shimmer", "metallic"),
    "lip_color": ("matte", "gloss", "holographic", "metallic", "satin", "sheer", "shimmer"),
    "lip_liner": ("matte", "satin"),
}
# Palette fields a texture requires, per category (the contract's "REQUIRED if texture=..." notes).
_TEXTURE_NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "blush": {"satin": ("glowStrength",), "shimmer": ("shimmerColor", "shimmerDensity")},
    "eyebrows": {"shimmer": ("shimmerColor", "shimmerIntensity", "shimmerSize", "shimmerDensity")},
    "eye_liner": {
        "shimmer": ("shimmerColor", "shimmerIntensity"),
        "metallic": ("shimmerColor", "shimmerIntensity", "metallicIntensity"),
    },
    "eye_shadow": {
        "shimmer": ("shimmerColor", "shimmerIntensity"),
        "metallic": ("shimmerColor", "shimmerIntensity", "metallicIntensity"),
    },
    "lip_color": {
        "gloss": ("gloss", "transparencyIntensity"),
        "sheer": ("gloss", "transparencyIntensity"),
        "holographic": ("gloss", "shimmerColor", "shimmerIntensity", "shimmerDensity", "shimmerSize"),
        "metallic": ("gloss", "shimmerColor", "shimmerIntensity", "shimmerDensity", "shimmerSize"),
        "shimmer": (
            "gloss",
            "shimmerColor",
            "shimmerIntensity",
            "shimmerDensity",
            "shimmerSize",
            "transparencyIntensity",
        ),
    },
}
_SIGNED = {"curvature", "thickness"}  # eyebrows pattern: -100..100; every other number is 0..100


def _check_number(where: str, key: str, value: object, *, signed: bool = False) -> list[Violation]:
    lo = -100 if signed else 0
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= 100:
        return [Violation(where, f"{key} is {value!r}: use a whole number {lo}..100")]
    return []


def _check_object(where: str, obj: Mapping[str, object], *, signed: frozenset[str] = frozenset()) -> list[Violation]:
    """Colours must be #RRGGBB and numbers whole 0..100 (``signed`` keys -100..100)."""
    v: list[Violation] = []
    for key, value in obj.items():
        if key in ("color", "shimmerColor"):
            if not isinstance(value, str) or not COLOR_RE.match(value):
                v.append(Violation(where, f"{key} is {value!r}: write colours as #RRGGBB"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            v += _check_number(where, key, value, signed=key in signed)
    return v


def _check_palettes(where: str, category: str, palettes: object) -> list[Violation]:
    if category == "skin_smooth":
        return []
    if not isinstance(palettes, list) or not palettes or not all(isinstance(p, Mapping) for p in palettes):
        return [
            Violation(
                where, 'needs palettes: a list of colour objects like [{"color": "#B5485D", "colorIntensity": 50}]'
            )
        ]
    v: list[Violation] = []
    for i, pal in enumerate(palettes):
        at = f"{where}.palettes[{i}]"
        v += _check_object(at, pal)
        if "color" not in pal:
            v.append(Violation(at, "needs a color (#RRGGBB)"))
        texture = pal.get("texture")
        allowed = _TEXTURES.get(category, ())
        if texture is not None and texture not in allowed:
            v.append(
                Violation(
                    at,
                    f"texture {texture!r} is not offered for {category}: use one of "
                    f"{', '.join(allowed) or 'none (leave texture out)'}",
                )
            )
            continue
        missing = [k for k in _TEXTURE_NEEDS.get(category, {}).get(texture or "", ()) if k not in pal]
        if missing:
            v.append(Violation(at, f"texture {texture} needs {', '.join(missing)}"))
    return v


def _check_effect(where: str, effect: object) -> list[Violation]:
    if not isinstance(effect, Mapping):
        return [Violation(where, f"must be an object with a category, got {effect!r}")]
    category = effect.get("category")
    if category not in MAKEUP_CATEGORIES:
        return [Violation(where, f"category {category!r} is unknown: use one of {', '.join(MAKEUP_CATEGORIES)}")]
    v = _check_object(where, effect)
    pattern = effect.get("pattern")
    if pattern is not None and not isinstance(pattern, Mapping):
        return v + [Violation(where, 'pattern must be an object like {"name": "2colors1"}')]
    pattern = pattern or {}
    v += _check_object(f"{where}.pattern", pattern, signed=frozenset(_SIGNED))
    brow_type = pattern.get("type", "shape")
    if category == "eyebrows" and brow_type not in ("shape", "color"):
        v.append(Violation(f"{where}.pattern", f"type {brow_type!r}: use shape or color"))
    needs_name = category in _NEEDS_PATTERN or (category == "eyebrows" and brow_type == "shape")
    if needs_name and not (isinstance(pattern.get("name"), str) and pattern["name"]):
        v.append(
            Violation(
                where,
                f"{category} needs pattern.name: a label from the vendor's {category} "
                "pattern catalogue (e.g. 2colors1)",
            )
        )
    if category == "lip_color":
        v += _check_lips(where, effect)
    return v + _check_palettes(where, category, effect.get("palettes"))


def _check_lips(where: str, effect: Mapping[str, object]) -> list[Violation]:
    """lip_color: a shape name; morphology/style numbers; style type full/ombre/twoTone (ombre needs two more)."""
    v: list[Violation] = []
    shape = effect.get("shape")
    if not (isinstance(shape, Mapping) and isinstance(shape.get("name"), str) and shape["name"]):
        v.append(Violation(where, 'lip_color needs shape.name, e.g. {"name": "original"}'))
    for part in ("morphology", "style"):
        section = effect.get(part)
        if isinstance(section, Mapping):
            v += _check_object(f"{where}.{part}", section)
    style = effect.get("style")
    if isinstance(style, Mapping):
        kind = style.get("type", "full")
        if kind not in ("full", "ombre", "twoTone"):
            v.append(Violation(f"{where}.style", f"type {kind!r}: use full, ombre or twoTone"))
        missing = [k for k in ("innerRatio", "featherStrength") if kind == "ombre" and k not in style]
        if missing:
            v.append(Violation(f"{where}.style", f"an ombre style needs {', '.join(missing)} (0..100)"))
    return v


def _effects_rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    effects = params.get("effects")
    if effects is None:
        return []
    if not isinstance(effects, list) or not effects:
        return [
            Violation(
                "effects",
                'must be a non-empty list of makeup effects, e.g. [{"category": '
                '"lip_color", "shape": {"name": "original"}, "palettes": '
                '[{"color": "#B5485D", "texture": "matte", "colorIntensity": 60}]}]',
            )
        ]
    v: list[Violation] = []
    for i, effect in enumerate(effects):
        v += _check_effect(f"effects[{i}]", effect)
    return v


MAKEUP_VTO = FeatureSpec(
    key="makeup-vto",
    title="AI Makeup Virtual Try-On",
    family="beauty",
    summary="Apply makeup effects (lips, eyes, brows, blush, foundation...) with your own colours.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("makeup-vto"),
            inputs=(SRC,),
            params=(
                Param(
                    "version", "enum", default="1.0", choices=("1.0",), help='effect-spec version ("1.0", the default)'
                ),
                Param(
                    "effects",
                    "json",
                    required=True,
                    help="list of effects, each {category, pattern/shape, palettes}; categories: "
                    + ", ".join(MAKEUP_CATEGORIES),
                ),
            ),
            limits=_vto_limits(),
            rules=(_effects_rule,),
            cost=1,
        ),
    ),
    notes=(
        (
            "Pattern names must be labels from the vendor's pattern catalogues (blush.json, eyeshadow.json...); "
            "only their presence is checked here."
        ),
        "Without a skin_smooth effect the service applies skin smoothing 50.",
        (
            "The prose describes results as a list of {download_url}; the sample and schema give results.url, "
            "which is what is read."
        ),
    ),
)

LOOK_VTO = FeatureSpec(
    key="look-vto",
    title="AI Look Virtual Try-On",
    family="beauty",
    summary="Apply a complete makeup look designed by beauty experts, from a template.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("look-vto"),
            inputs=(SRC,),
            params=(template_id(),),
            limits=_vto_limits(),
            template_path=V2_TEMPLATE + "look-vto",
            cost=2,
        ),
    ),
)

BEAUTY = (AGING, SMILE, TEETH_WHITEN, EYE_COLOR, BEARD, MAKEUP_VTO, LOOK_VTO)
