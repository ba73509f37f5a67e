"""Hair family: colour, style, extension, bangs, volume, curls.

Facts: API-V2 §13.22-13.27, API-V1 §7 rows 3-8; C11, D3.
"""

from __future__ import annotations

from collections.abc import Mapping

from .blocks import (
    JPG_ONLY,
    JPG_PNG,
    SRC,
    V1_STYLE_GROUP,
    V2_TEMPLATE,
    ref,
    style_ids_rule,
    style_params,
    template_id,
    v1,
    v1_file,
    v2,
)
from .spec import Endpoint, FeatureSpec, Limits, Param, RuleInputs, Violation
from .validation import COLOR_RE

# ---------------------------------------------------------------- hair colour

PRESETS_FULL = (
    "Jet Black",
    "Chocolate Brown",
    "Honey Blonde",
    "Platinum Blonde",
    "Ash Gray",
    "Rose Gold",
    "Burgundy",
    "Copper Red",
    "Lavender",
    "Teal Blue",
)
PRESETS_OMBRE = (
    "Dark Brown/Caramel Blonde",
    "Jet Black/Silver Gray",
    "Ash Brown/Lavender",
    "Rose Gold/Peach Blonde",
    "Burgundy/Magenta Pink",
    "Deep Blue/Teal Green",
    "Plum Purple/Pastel Lilac",
    "Copper Red/Golden Blonde",
    "Dark Gray/Ice Blonde",
    "Midnight Blue/Denim Blue",
)
_PALETTE_KEYS = {"color", "color_intensity", "shine_intensity"}


def _hair_color_params() -> tuple[Param, ...]:
    return (
        Param(
            "preset",
            "enum",
            choices=PRESETS_FULL + PRESETS_OMBRE,
            help="a named colour (full) or colour pair (ombre); or use pattern + palettes",
        ),
        Param("pattern.name", "enum", choices=("full", "ombre"), help="full: one colour; ombre: two"),
        Param("pattern.blend_strength", "int", minimum=0, maximum=100, help="ombre: blend softness 0-100"),
        Param(
            "pattern.line_offset",
            "float",
            minimum=-0.99,
            maximum=0.99,
            help="ombre: where the colours meet, -0.99..0.99",
        ),
        Param("pattern.coloring_section", "enum", choices=("top",), help="ombre: which part gets the first colour"),
        Param(
            "palettes",
            "json",
            help='colours: [{"color": "#6B3E26", "color_intensity": 0-100, "shine_intensity": 0-100}], '
            "one for full, two for ombre",
        ),
    )


def _hair_color_rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    v: list[Violation] = []
    preset, name, palettes = params.get("preset"), params.get("pattern.name"), params.get("palettes")
    if preset is not None:
        if name is not None or palettes is not None:
            v.append(
                Violation("preset", "preset and pattern/palettes both given; the service uses the preset: drop one")
            )
        return v
    if name is None and palettes is None:
        return [Violation("preset", "choose a preset, or a pattern.name with palettes")]
    if name is None:
        v.append(Violation("pattern.name", "palettes need a pattern: set pattern.name to full or ombre"))
    if palettes is None:
        v.append(Violation("palettes", 'pattern needs palettes: e.g. [{"color": "#6B3E26"}]'))
    if name == "ombre":
        for extra in ("pattern.blend_strength", "pattern.line_offset", "pattern.coloring_section"):
            if params.get(extra) is None:
                v.append(Violation(extra, f"{extra} is required for an ombre pattern"))
    if palettes is None:
        return v
    if not isinstance(palettes, (list, tuple)):
        return v + [Violation("palettes", f"must be a list of colour objects, got {palettes!r}")]
    want = {"full": 1, "ombre": 2}.get(name) if isinstance(name, str) else None
    if want is not None and len(palettes) != want:
        v.append(Violation("palettes", f"{name} takes exactly {want} palette(s), got {len(palettes)}"))
    for i, pal in enumerate(palettes):
        field = f"palettes[{i}]"
        if not isinstance(pal, Mapping):
            v.append(Violation(field, f'must be an object like {{"color": "#6B3E26"}}, got {pal!r}'))
            continue
        unknown = set(pal) - _PALETTE_KEYS
        if unknown:
            v.append(Violation(field, f"unknown key(s) {sorted(unknown)}: use color, color_intensity, shine_intensity"))
        color = pal.get("color")
        if not isinstance(color, str) or not COLOR_RE.match(color):
            v.append(Violation(f"{field}.color", f"{color!r} is not a colour: write it as #RRGGBB"))
        for k in ("color_intensity", "shine_intensity"):
            x = pal.get(k)
            if x is not None and (not isinstance(x, int) or isinstance(x, bool) or not 0 <= x <= 100):
                v.append(Violation(f"{field}.{k}", f"{x!r}: use a whole number 0..100"))
    return v


def _hair_color_limits(side_min: int) -> Limits:
    # D3: the table says long side < 1920, the error text w < 1920 and h < 1080;
    # portrait photos are only safe under both, so both are enforced.
    return Limits(
        1920,
        long_strict=True,
        width_max=1920,
        height_max=1080,
        side_min=side_min,
        note="w < 1920 and h < 1080 (conservative, D3); face width >= 100",
    )


HAIR_COLOR = FeatureSpec(
    key="hair-color",
    title="AI Hair Color",
    family="hair",
    summary="Recolour hair with a preset or your own full / ombre colours.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("hair-color"),
            inputs=(SRC,),
            params=_hair_color_params(),
            limits=_hair_color_limits(320),
            rules=(_hair_color_rule,),
            cost=1,
        ),
        Endpoint(
            api="v1",
            task_path=v1("hair-color"),
            inputs=(SRC,),
            params=_hair_color_params(),
            limits=_hair_color_limits(100),
            rules=(_hair_color_rule,),
            file_path=v1_file("hair-color"),
        ),
    ),
    notes=(
        "Max size contradictory for portrait photos; w < 1920 and h < 1080 enforced (D3).",
        "Min size 320 (v2) / 100 (v1).",
        (
            "Seed 002 says the preset wins when preset and pattern+palettes are both given (its sample sends "
            "both); validation still asks for one of them, on purpose, so the unused half is not silently ignored."
        ),
    ),
)

# ---------------------------------------------------------------- template hair features

_HAIR_NOTE = "long side <= 1024, face width >= 128, pitch +-10 yaw +-45 roll +-15, single full face"


def _hair_template(
    key: str,
    title: str,
    summary: str,
    *,
    formats: tuple[str, ...],
    cost: float | None,
    extra_v2: tuple[Endpoint, ...] = (),
    notes: tuple[str, ...] = (),
) -> FeatureSpec:
    limits = Limits(1024, formats=formats, note=_HAIR_NOTE)
    return FeatureSpec(
        key=key,
        title=title,
        family="hair",
        summary=summary,
        endpoints=(
            Endpoint(
                api="v2",
                task_path=v2(key),
                variant="template" if extra_v2 else "default",
                inputs=(SRC,),
                params=(template_id(),),
                limits=limits,
                template_path=V2_TEMPLATE + key,
                cost=cost,
            ),
            *extra_v2,
            Endpoint(
                api="v1",
                task_path=v1(key),
                inputs=(SRC,),
                params=style_params(),
                limits=limits,
                file_path=v1_file(key),
                template_path=V1_STYLE_GROUP + key,
                rules=(style_ids_rule(),),
            ),
        ),
        notes=notes,
    )


def _transfer_v21_rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    has_template = params.get("template_id") is not None
    has_ref = inputs is not None and bool(inputs.get("ref"))
    if has_template and has_ref:
        return [Violation("template_id", "give either a reference photo or a template_id, not both")]
    if inputs is not None and not has_template and not has_ref:
        return [Violation("template_id", "give a reference hairstyle photo (ref) or a template_id")]
    if params.get("hair_color") is not None and not has_template:
        return [Violation("hair_color", "hair_color only applies with a template_id: drop it")]
    return []


_TRANSFER_LIMITS = Limits(1024, formats=JPG_ONLY, note=_HAIR_NOTE)

HAIR_STYLE = _hair_template(
    "hair-style",
    "AI Hairstyle Generator",
    "Try a hairstyle from a template or a reference photo.",
    formats=JPG_ONLY,
    cost=None,
    extra_v2=(
        Endpoint(
            api="v2",
            task_path=v2("hair-transfer"),
            variant="transfer",
            inputs=(SRC, ref("a photo whose hairstyle to copy")),
            limits=_TRANSFER_LIMITS,
            cost=2,
            cost_note="custom reference",
        ),
        Endpoint(
            api="v2",
            task_path="/s2s/v2.1/task/hair-transfer",
            variant="transfer-v2.1",
            inputs=(SRC, ref("a photo whose hairstyle to copy (or use template_id)", required=False)),
            params=(
                Param("template_id", "str", min_length=1, help="hairstyle template (or a ref photo)"),
                Param(
                    "hair_color",
                    "enum",
                    choices=("ref", "src"),
                    help="with a template: keep the template's (ref, the service default) or the "
                    "user's (src) hair colour",
                ),
            ),
            limits=_TRANSFER_LIMITS,
            template_path="/s2s/v2.1/task/template/hair-transfer",
            rules=(_transfer_v21_rule,),
            cost=2,
        ),
    ),
    notes=(
        "Units for the V1.0 template endpoint are not listed.",
        "Template flag is keep_users_color (schema), not keep_user_color (C11).",
    ),
)
HAIR_EXT = _hair_template("hair-ext", "AI Hair Extension", "Longer hair from a template.", formats=JPG_ONLY, cost=1)
HAIR_BANG = _hair_template("hair-bang", "AI Bangs", "Add bangs from a template.", formats=JPG_PNG, cost=1)
HAIR_VOL = _hair_template("hair-vol", "AI Hair Volume", "Fuller hair from a template.", formats=JPG_PNG, cost=2)
HAIR_CURL = _hair_template("hair-curl", "AI Wavy Hair", "Wavy or curly hair from a template.", formats=JPG_PNG, cost=1)

HAIR = (HAIR_COLOR, HAIR_STYLE, HAIR_EXT, HAIR_BANG, HAIR_VOL, HAIR_CURL)
