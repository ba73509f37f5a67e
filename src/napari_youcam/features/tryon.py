"""Try-on family: jewellery and watch (2D VTO), bag / hat / scarf / shoes, nails.

Facts: the vendor's per-feature OpenAPI contracts (see docs/SOURCES.md, section
"Try-on and body shape"). Three request shapes live here:

* 2D VTO (``2d-vto/<product>``): a hand / wrist / selfie photo, one or more
  product photos (``ref_file_ids``), an optional occlusion mask of the photo
  (``srcmsk_file_id``) and per-product placement parameters. The contract nests
  the product parameters in ``object_infos[i].parameter`` and repeats the file
  names in ``source_info`` / ``object_infos[i].name``; the catalogue keeps the
  parameters flat (one form field each) and ``vto_request_body`` /
  ``vto_flat_body`` convert between the two shapes.
* Gendered scene try-on (bag, hat, scarf, shoes): photo + one product photo,
  ``gender`` and ``style``; a generated portrait of fixed size comes back.
* Nails: transfer from a reference photo (``ai-nail``) or an effect list
  (``nail-vto``: colours, textures, press-on shapes, design images).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeGuard

from napari_youcam.limits import MiB

from .blocks import JPG_PNG, ref, v2
from .face_effects import SPEC_VERSION
from .spec import Endpoint, FeatureSpec, Input, InputInfo, Limits, Param, Rule, RuleInputs, Violation
from .validation import COLOR_RE

JPG_PNG_HEIC = ("jpg", "jpeg", "png", "heic")
VTO_PREFIX = "2d-vto/"

# ---------------------------------------------------------------- 2D VTO (jewellery, watch)


def _is_int(v: object) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _point(v: object) -> bool:
    return isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_int(c) and c >= 0 for c in v)


def points_rule(name: str, count: int | None) -> Rule:
    """A pixel point ``[x, y]`` (count None) or a list of ``count`` such points."""
    shape = "[x, y]" if count is None else "[" + ", ".join(["[x, y]"] * count) + "]"

    def rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
        value = params.get(name)
        if value is None:
            return []
        ok = (
            _point(value)
            if count is None
            else (isinstance(value, (list, tuple)) and len(value) == count and all(_point(p) for p in value))
        )
        if ok:
            return []
        return [Violation(name, f"must be {shape} with whole, non-negative pixel coordinates, got {value!r}")]

    return rule


def _positive(name: str) -> Rule:
    def rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
        value = params.get(name)
        if isinstance(value, int | float) and value <= 0:
            return [Violation(name, f"{value!r} must be greater than 0 (a size in centimetres)")]
        return []

    return rule


def _vto_inputs(product: str, where: str, *, many: bool) -> tuple[Input, ...]:
    return (
        Input("src", help=f"the photo to try the {product} on ({where})"),
        Input(
            "mask",
            required=False,
            v2_fields=("srcmsk_file_id", "srcmsk_file_url"),
            v1_field="msk_ids",
            help=f"optional occlusion mask of the photo ({where}), same size as the photo",
        ),
        # An array in the contract even where only one product is documented (watch, necklace).
        Input(
            "refs",
            v2_fields=("ref_file_ids", "ref_file_urls"),
            v1_field="ref_ids",
            many=True,
            max_count=10 if many else 1,
            help=f"the {product} product photo" + (" (several for stacked wear)" if many else ""),
        ),
    )


def _vto_params(p: str, *, shadow: float, ambient: float, extra: tuple[Param, ...]) -> tuple[Param, ...]:
    return (
        Param(
            f"{p}_need_remove_background", "bool", default=True, help=f"remove the background of the {p} photo first"
        ),
        *extra,
        Param(
            f"{p}_shadow_intensity",
            "float",
            default=shadow,
            minimum=0,
            maximum=1,
            help="shadow strength, 0 = none .. 1 = darkest",
        ),
        Param(
            f"{p}_ambient_light_intensity",
            "float",
            default=ambient,
            minimum=0,
            maximum=1,
            help="how far the lighting follows the photo, 0 = ignore .. 1 = match",
        ),
    )


def _anchor(p: str, what: str) -> Param:
    return Param(f"{p}_anchor_point", "json", help=f"{what} in the product photo, in pixels (empty = detect)")


def vto_object_params(endpoint: Endpoint) -> tuple[str, ...]:
    """The names that belong in ``object_infos[i].parameter`` for a 2D VTO endpoint."""
    if not endpoint.slug.startswith(VTO_PREFIX):
        return ()
    return tuple(q.name for q in endpoint.params)


def _vto(
    product: str,
    title: str,
    summary: str,
    where: str,
    *,
    params: tuple[Param, ...],
    rules: tuple[Rule, ...],
    stacked: bool,
    notes: tuple[str, ...],
) -> FeatureSpec:
    return FeatureSpec(
        key=product,
        title=title,
        family="try-on",
        summary=summary,
        endpoints=(
            Endpoint(
                api="v2",
                task_path=v2(VTO_PREFIX + product),
                inputs=_vto_inputs(product, where, many=stacked),
                params=params,
                limits=Limits(4096, formats=JPG_PNG),
                rules=rules,
                cost=1,
                cost_note="single item; 2 stacked (several products)" if stacked else "single item",
            ),
        ),
        notes=notes
        + (
            (
                "The contract nests product parameters in object_infos[i].parameter and repeats the file ids in "
                "source_info.name / object_infos[i].name; here they are flat and apply to every product "
                "(vto_request_body builds the nested form)."
            ),
            "Pixel coordinates refer to the uploaded images; a photo over 4096 px is downscaled first.",
        ),
    )


_LOCATION_NOTE = "-0.3 = near the wrist joint .. 1.0 = far from it (empty = engine default)"

BRACELET = _vto(
    "bracelet",
    "AI Bracelet Try-On",
    "Put a bracelet from a product photo on a wrist photo.",
    "back of the wrist, all five fingers visible",
    params=_vto_params(
        "bracelet",
        shadow=0.3,
        ambient=1.0,
        extra=(
            _anchor("bracelet", "two points on the inner edge of the bracelet, [[x, y], [x, y]]"),
            Param("bracelet_wearing_location", "float", minimum=-0.3, maximum=1, help=_LOCATION_NOTE),
        ),
    ),
    rules=(points_rule("bracelet_anchor_point", 2),),
    stacked=True,
    notes=(
        "Product photo in three-quarter front view (about 45 degrees).",
        "Shadow default: schema 0.3, prose 0.15 (schema used).",
    ),
)

WATCH = _vto(
    "watch",
    "AI Watch Try-On",
    "Put a watch from a product photo on a wrist photo.",
    "back of the wrist, all five fingers visible",
    params=_vto_params(
        "watch",
        shadow=0.3,
        ambient=1.0,
        extra=(
            _anchor("watch", "four points: strap start and end, then upper and lower case edge"),
            Param("watch_wearing_location", "float", minimum=-0.3, maximum=1, help=_LOCATION_NOTE),
        ),
    ),
    rules=(points_rule("watch_anchor_point", 4),),
    stacked=False,
    notes=(
        "Watch face unobstructed, strap cropped to a realistic wearing length.",
        "Shadow default: schema 0.3, prose 0.15 (schema used). Cost documented for single-item wear only.",
    ),
)

RING = _vto(
    "ring",
    "AI Ring Try-On",
    "Put a ring from a product photo on a hand photo.",
    "back of the hand, all five fingers visible",
    params=_vto_params(
        "ring",
        shadow=0.15,
        ambient=1.0,
        extra=(
            _anchor("ring", "two points on the inner edge of the ring, [[x, y], [x, y]]"),
            Param(
                "ring_wearing_finger",
                "enum",
                choices=(0, 1, 2, 3, 4),
                help="0 thumb, 1 index, 2 middle, 3 ring, 4 little finger (empty = engine default)",
            ),
            Param(
                "ring_wearing_location",
                "float",
                minimum=0,
                maximum=1,
                help="0 = base of the finger .. 1 = first knuckle (empty = engine default)",
            ),
        ),
    ),
    rules=(points_rule("ring_anchor_point", 2),),
    stacked=True,
    notes=(
        "Product photo in three-quarter front view (about 45 degrees).",
        (
            "The contract also has POST /s2s/v2.0/file/2d-vto/ring (a per-feature file path); the generic "
            "POST /s2s/v2.0/file is used like for every v2 feature."
        ),
    ),
)

EARRING = _vto(
    "earring",
    "AI Earring Try-On",
    "Put an earring from a product photo on a selfie.",
    "a selfie; side-facing works best",
    params=_vto_params(
        "earring",
        shadow=0.5,
        ambient=0.5,
        extra=(
            _anchor("earring", "where the earring is worn, one point [x, y]"),
            Param(
                "earring_wearing_location", "json", help="target point [x, y] in the selfie (empty = engine default)"
            ),
            Param(
                "earring_scale", "float", minimum=0, help="earring size in centimetres, > 0 (empty = engine default)"
            ),
            Param("earring_is_right_ear", "bool", default=True, help="worn on the right ear"),
            Param(
                "earring_occluded_type",
                "enum",
                default=0,
                choices=(0, 1, 2),
                help="0 auto-detect, 1 occluded, 2 not occluded",
            ),
        ),
    ),
    rules=(
        points_rule("earring_anchor_point", None),
        points_rule("earring_wearing_location", None),
        _positive("earring_scale"),
    ),
    stacked=True,
    notes=(
        (
            "Parameters apply only when the product photo shows one earring; with a pair the engine "
            "auto-detects and mirrors the clearer ear."
        ),
        "Shadow / ambient defaults: schema 0.5 / 0.5, prose 0.15 / 1.0 (schema used).",
    ),
)

NECKLACE = _vto(
    "necklace",
    "AI Necklace Try-On",
    "Put a necklace from a product photo on a selfie.",
    "front-facing, neck visible and >= 15 % of the width, head turned <= 20 degrees",
    params=_vto_params(
        "necklace",
        shadow=0.5,
        ambient=0.5,
        extra=(
            _anchor("necklace", "left and right visible chain ends, [[x, y], [x, y]]"),
            Param(
                "necklace_wearing_location",
                "json",
                help="two target points [[x, y], [x, y]] in the selfie (empty = engine default)",
            ),
        ),
    ),
    rules=(points_rule("necklace_anchor_point", 2), points_rule("necklace_wearing_location", 2)),
    stacked=False,
    notes=(
        "Product photo front-facing, worn, background removed.",
        "Shadow / ambient defaults: schema 0.5 / 0.5, prose 0.15 / 1.0 (schema used).",
        "The necklace schema has no refmsk (product mask) field, unlike the other 2D VTO contracts.",
    ),
)

VTO = (RING, BRACELET, WATCH, EARRING, NECKLACE)


def vto_request_body(endpoint: Endpoint, body: Mapping[str, object]) -> dict[str, object]:
    """The contract's nested 2D VTO body from the flat one ``build_body`` makes.

    Adds ``source_info`` (name = the photo's file id or URL, mask_name = the
    mask's) and one ``object_infos`` entry per product photo carrying the product
    parameters. Bodies of other endpoints come back unchanged (as a copy).
    """
    out = dict(body)
    names = vto_object_params(endpoint)
    if not names:
        return out
    parameter = {k: out.pop(k) for k in names if k in out}
    src = out.get("src_file_id", out.get("src_file_url"))
    info: dict[str, object] = {"name": src}
    mask = out.get("srcmsk_file_id", out.get("srcmsk_file_url"))
    if mask is not None:
        info["mask_name"] = mask
    out["source_info"] = info
    refs = out.get("ref_file_ids", out.get("ref_file_urls"))
    products = refs if isinstance(refs, list | tuple) else [] if refs is None else [refs]
    out["object_infos"] = [{"name": p, "parameter": dict(parameter)} if parameter else {"name": p} for p in products]
    return out


def vto_flat_body(endpoint: Endpoint, body: Mapping[str, object]) -> dict[str, object]:
    """The inverse of ``vto_request_body``: drop the echoes, lift the first product's parameters."""
    out = dict(body)
    if not vto_object_params(endpoint):
        return out
    out.pop("source_info", None)
    objects = out.pop("object_infos", None)
    first = objects[0] if isinstance(objects, list | tuple) and objects and isinstance(objects[0], Mapping) else {}
    parameter = first.get("parameter") or {}
    if isinstance(parameter, Mapping):
        out.update(parameter)
    return out


# ---------------------------------------------------------------- bag, hat, scarf, shoes

_GENDER = Param(
    "gender", "enum", required=True, choices=("female", "male"), help="the gender to show in the generated picture"
)


#: The documented size (width, height) of the generated portrait per scene feature.
SCENE_SIZES: dict[str, tuple[int, int]] = {
    "bag": (1104, 1472),
    "hat": (896, 1152),
    "scarf": (896, 1152),
    "shoes": (1008, 1344),
}


def _scene(
    key: str, title: str, product: str, styles: tuple[str, ...], *, selfie_min: bool, notes: tuple[str, ...] = ()
) -> FeatureSpec:
    w, h = SCENE_SIZES[key]
    ref_limits = Limits(
        long_max=4096,
        side_min=512,
        formats=JPG_PNG_HEIC,
        note="product photo >= 512x512; photo of it being worn >= 800x800",
    )
    return FeatureSpec(
        key=key,
        title=title,
        family="try-on",
        summary=f"A portrait of the person wearing the {product}, in a chosen style.",
        endpoints=(
            Endpoint(
                api="v2",
                task_path=v2(key),
                inputs=(
                    Input("src", help="a selfie of one person, face visible, head to chest (half body best)"),
                    ref(f"the {product}: a product photo, or a photo of someone wearing it", limits=ref_limits),
                ),
                params=(
                    _GENDER,
                    Param(
                        "style",
                        "enum",
                        default="random",
                        choices=("random",) + styles,
                        help="outfit and background style (random: the service picks)",
                    ),
                ),
                limits=Limits(
                    4096,
                    side_min=512 if selfie_min else None,
                    formats=JPG_PNG_HEIC,
                    note=f"one person, face >= 15 % of the height; result {w}x{h}",
                ),
                cost=2,
            ),
        ),
        notes=(
            f"Result is a generated {w}x{h} portrait, not the input photo edited.",
            (
                "Product photo: one product covering > 25 % of the height (>= 512x512); worn photo >= 800x800 "
                "(only 512 is enforced: which kind of photo it is cannot be told locally)."
            ),
        )
        + notes,
    )


BAG = _scene(
    "bag",
    "AI Bag Try-On",
    "bag",
    ("style_parisian_chic", "style_urban_chic", "style_mediterranean_chic", "style_art_deco_style"),
    selfie_min=False,
    notes=(
        (
            "The bag schema has no style property, but its prose lists four styles and its example "
            "sends style=random; the prose values are offered."
        ),
        "Selfie 512x512 is only 'recommended' for bags (not enforced).",
    ),
)
HAT = _scene(
    "hat",
    "AI Hat Try-On",
    "hat",
    ("style_sporty_casual", "style_urban_fashion", "style_vacation_casual", "style_warm_cozy", "style_bohemian"),
    selfie_min=True,
)
SCARF = _scene(
    "scarf",
    "AI Scarf Try-On",
    "scarf",
    ("style_french_elegance", "style_light_luxury", "style_cottagecore", "style_modern_chic", "style_bohemian"),
    selfie_min=True,
)
SHOES = _scene(
    "shoes",
    "AI Shoes Try-On",
    "shoes",
    ("style_minimalist", "style_bohemian", "style_cottagecore", "style_french_elegance", "style_retro_fashion"),
    selfie_min=True,
)

SCENES = (BAG, HAT, SCARF, SHOES)

# ---------------------------------------------------------------- nails

AI_NAIL = FeatureSpec(
    key="ai-nail",
    title="AI Nail Transfer",
    family="try-on",
    summary="Copy the nail design of a reference photo onto a hand photo.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("ai-nail"),
            inputs=(
                Input("src", help="a photo of one or two hands, nails visible"),
                ref("a photo of the nail design to copy, all nails visible"),
            ),
            limits=Limits(
                4096, formats=JPG_PNG, note="up to two hands, each >= 0.5 % of the image (about 102x102 px in FHD)"
            ),
            cost=1,
        ),
    ),
    notes=("Hands beyond the second are ignored.",),
)

FINGERS = ("thumb", "index", "middle", "ring", "pinky")
POLISH_TEXTURES = (
    "matte",
    "cream",
    "jelly",
    "sheer",
    "metallic",
    "pearl",
    "textured",
    "shimmer_coarse",
    "shimmer_fine",
)
PRESS_ON_TEXTURES = ("matte", "cream", "metallic")
PRESS_ON_SHAPES = tuple(
    f"{tip}_{base}"
    for tip in ("square", "squoval", "oval", "almond", "stiletto")
    for base in ("oval", "square", "squoval")
)
_LEVELS = ("reflection", "contrast", "roughness")
# Texture -> the extra 0-100 fields its nail-polish schema requires.
_POLISH_EXTRA = {
    "matte": ("transparency",),
    "cream": ("transparency",),
    "jelly": ("transparency",),
    "sheer": ("transparency",),
    "metallic": (),
    "pearl": ("transparency", "shimmer_opacity"),
    "textured": ("transparency", "textured_size"),
    "shimmer_coarse": ("transparency", "shimmer_size"),
    "shimmer_fine": ("transparency", "shimmer_size"),
}
_ALL_LEVELS = set(_LEVELS) | {"transparency", "shimmer_opacity", "shimmer_size", "textured_size"}


def _effect_fields(effect_type: str, sub_type: str, texture: object) -> tuple[set[str], set[str]]:
    """(required, allowed) keys of one effect."""
    required = {"sub_type", "finger", "texture", *_LEVELS}
    if effect_type == "press_on_nails":
        if sub_type == "color":
            required |= {"shape", "length", "color"}
    else:
        required |= set(_POLISH_EXTRA.get(texture, ()) if isinstance(texture, str) else ())
        if sub_type == "color":
            required.add("color")
    allowed = set(required)
    if sub_type == "design":
        allowed |= {"ref_file_url", "ref_file_index"}
    return required, allowed


def _check_effect(i: int, e: Mapping[str, object], effect_type: str, n_refs: int | None) -> list[Violation]:
    f = f"effects[{i}]"
    sub, texture = e.get("sub_type"), e.get("texture")
    if sub not in ("color", "design"):
        return [Violation(f"{f}.sub_type", f"{sub!r}: use color or design")]
    textures = PRESS_ON_TEXTURES if effect_type == "press_on_nails" else POLISH_TEXTURES
    v: list[Violation] = []
    if texture not in textures:
        v.append(
            Violation(f"{f}.texture", f"{texture!r} is not a {effect_type} texture: pick one of {', '.join(textures)}")
        )
    required, allowed = _effect_fields(effect_type, sub, texture)
    missing = sorted(k for k in required if e.get(k) is None)
    if missing:
        v.append(Violation(f, f"{effect_type} {sub} effect needs {', '.join(missing)}"))
    extra = sorted(set(e) - allowed)
    if extra:
        v.append(
            Violation(
                f,
                f"{', '.join(extra)} not used by a {effect_type} {sub} effect"
                + (f" with texture {texture}" if texture in textures else "")
                + ": remove",
            )
        )
    if e.get("finger") is not None and e.get("finger") not in FINGERS:
        v.append(Violation(f"{f}.finger", f"{e.get('finger')!r}: pick one of {', '.join(FINGERS)}"))
    for k in sorted(_ALL_LEVELS & set(e)):
        x = e[k]
        if not _is_int(x) or not 0 <= x <= 100:
            v.append(Violation(f"{f}.{k}", f"{x!r}: use a whole number 0..100"))
    color = e.get("color")
    if color is not None and (not isinstance(color, str) or not COLOR_RE.match(color)):
        v.append(Violation(f"{f}.color", f"{color!r} is not a colour: write it as #RRGGBB"))
    if e.get("shape") is not None and e.get("shape") not in PRESS_ON_SHAPES:
        v.append(Violation(f"{f}.shape", f"{e.get('shape')!r}: pick one of {', '.join(PRESS_ON_SHAPES)}"))
    length = e.get("length")
    if length is not None and (
        isinstance(length, bool) or not isinstance(length, (int, float)) or not 0.8 <= length <= 2.15
    ):
        v.append(Violation(f"{f}.length", f"{length!r}: use a number 0.8..2.15"))
    if sub == "design":
        v += _check_design_ref(f, e, n_refs)
    return v


def _check_design_ref(f: str, e: Mapping[str, object], n_refs: int | None) -> list[Violation]:
    url, index = e.get("ref_file_url"), e.get("ref_file_index")
    if (url is None) == (index is None):
        return [
            Violation(
                f,
                "a design effect needs exactly one of ref_file_url or ref_file_index "
                "(an index into the design images given as refs)",
            )
        ]
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        return [Violation(f"{f}.ref_file_url", f"{url!r} is not a public http(s) URL")]
    if index is not None:
        if not _is_int(index) or index < 0:
            return [Violation(f"{f}.ref_file_index", f"{index!r}: use a whole number >= 0")]
        if n_refs is not None and index >= n_refs:
            return [
                Violation(
                    f"{f}.ref_file_index",
                    f"{index} points past the {n_refs} design image(s) given: add the image or lower the index",
                )
            ]
    return []


def _press_on_aspect(refs: Sequence[InputInfo]) -> list[Violation]:
    v = []
    for i, info in enumerate(refs):
        if info.width and not 0.5 <= info.height / info.width <= 3.5:
            v.append(
                Violation(
                    f"refs[{i}]",
                    f"{info.width}x{info.height}: a press-on design image needs height/width between 0.5 and 3.5",
                )
            )
    return v


def nail_effects_rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    """Structure of ``effects`` per ``effect_type`` (the contract's twelve effect schemas)."""
    effect_type, effects = params.get("effect_type"), params.get("effects")
    if not isinstance(effect_type, str) or effects is None:
        return []  # a missing or mistyped effect_type is reported by the parameter checks
    if not isinstance(effects, (list, tuple)) or not effects:
        return [
            Violation(
                "effects",
                'must be a non-empty list of effect objects, e.g. [{"sub_type": "color", '
                '"finger": "index", "color": "#ff0000", "texture": "cream", ...}]',
            )
        ]
    refs = None if inputs is None else list(inputs.get("refs") or [])
    v: list[Violation] = []
    for i, e in enumerate(effects):
        if not isinstance(e, Mapping):
            v.append(Violation(f"effects[{i}]", f"must be an object, got {e!r}"))
            continue
        v += _check_effect(i, e, effect_type, None if refs is None else len(refs))
    if refs and effect_type == "press_on_nails":
        v += _press_on_aspect(refs)
    return v


_DESIGN_LIMITS = Limits(
    long_max=None,
    width_max=542,
    height_max=1044,
    short_min=271,
    long_min=522,
    formats=("png",),
    max_bytes=1 * MiB,
    note="width 271-542, height 522-1044, >= 72 ppi; press-on: transparent background",
)

NAIL_VTO = FeatureSpec(
    key="nail-vto",
    title="AI Nail Try-On",
    family="try-on",
    summary="Paint nails with colours and textures, or press-on shapes and design images.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("nail-vto"),
            inputs=(
                Input("src", help="the back of one hand, nails not occluded (bare nails work best)"),
                Input(
                    "refs",
                    required=False,
                    v2_fields=("ref_file_ids", "ref_file_urls"),
                    v1_field="ref_ids",
                    many=True,
                    max_count=10,
                    limits=_DESIGN_LIMITS,
                    help="design images (PNG) for design effects; ref_file_index counts from 0",
                ),
            ),
            params=(
                SPEC_VERSION,
                Param(
                    "effect_type",
                    "enum",
                    required=True,
                    choices=("nail_polish", "press_on_nails"),
                    help="nail polish on the own nails, or press-on nails with a shape",
                ),
                Param(
                    "effects",
                    "json",
                    required=True,
                    help='one object per finger: {"sub_type": "color"|"design", "finger": "index", "color": '
                    '"#ff0000", "texture": "cream", "transparency": 0, "reflection": 0, "contrast": 0, '
                    '"roughness": 0}; press-on colour adds "shape" and "length" (0.8-2.15)',
                ),
            ),
            limits=Limits(
                2048,
                short_min=256,
                formats=JPG_PNG,
                note="one hand, palm >= half the image; aspect 1:1, 3:4 or 4:3 preferred",
            ),
            rules=(nail_effects_rule,),
            cost=1,
        ),
    ),
    notes=(
        "User photo limit is '<= 10MB' here; the usual strict '< 10MB' is enforced.",
        (
            "Design images '<= 1MB' enforced as < 1 MiB; their per-axis sizes (W 271-542, H 522-1044) are "
            "checked as width <= 542, height <= 1044, short side >= 271, long side >= 522."
        ),
        (
            "Press-on design images need a transparent background; the upload flattens transparency, so give "
            "those as ref_file_url inside the effect instead."
        ),
        "Finger values may repeat in the schema; what a repeated finger does is undocumented.",
    ),
)

NAILS = (AI_NAIL, NAIL_VTO)

TRYON = VTO + SCENES + NAILS
