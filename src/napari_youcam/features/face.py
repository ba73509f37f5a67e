"""Face family: face lift, face reshape, face analyzer, skin simulation, skin analysis.

Facts: v2 contracts (API-V2 §13.1-13.5), v1 document seed 002 (API-V1 §7 rows 1-2).
"""

from __future__ import annotations

from collections.abc import Mapping

from .blocks import JPG_ONLY, SRC, per_count, v1, v1_file, v2
from .spec import Endpoint, FeatureSpec, Limits, LimitsFn, Param, Rule, RuleInputs, Violation

# ---------------------------------------------------------------- face lift / reshape


def _version() -> Param:
    return Param(
        "version",
        "str",
        required=True,
        default="1.0",
        send_default=True,
        help='features-spec version; the contract documents only "1.0"',
    )


def _index() -> Param:
    return Param(
        "index",
        "int",
        default=0,
        minimum=0,
        help="which face to edit: index into the pre-process result (0 = first face)",
    )


def _global_smooth() -> tuple[Param, ...]:
    # Sent explicitly (DISCREPANCIES C4/C6: reshape requires `global`; the
    # documented default differs between contract (0) and seed (50)).
    return (
        Param(
            "global.skin_smooth_strength",
            "int",
            default=0,
            minimum=0,
            maximum=100,
            send_default=True,
            help="skin smoothing strength, 0 = off",
        ),
        Param(
            "global.skin_smooth_color_intensity",
            "int",
            default=0,
            minimum=0,
            maximum=100,
            send_default=True,
            help="skin smoothing colour intensity, 0 = off",
        ),
    )


LIFT_FEATURES = ("eye_bag", "cheek", "forehead", "shape", "mouth")


def _features_not_all_zero(names: tuple[str, ...], *, only_custom: bool = False) -> Rule:
    def rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
        if only_custom and params.get("type", "custom") != "custom":
            return []
        values = [params.get(f"features.{n}", 0) for n in names]
        if all(not v for v in values):
            hint = " (or set type to auto)" if only_custom else ""
            return [
                Violation(
                    "features",
                    "all features are zero, so nothing would change: set at least one "
                    f"features.* value to non-zero{hint}",
                )
            ]
        return []

    return rule


FACE_LIFT = FeatureSpec(
    key="face-lift",
    title="AI Face Lift",
    family="face",
    summary="Lift eye bags, cheeks, forehead, face shape and mouth corners of one face.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("face-lift"),
            inputs=(SRC,),
            params=(
                _version(),
                _index(),
                Param(
                    "type",
                    "enum",
                    default="custom",
                    choices=("custom", "auto"),
                    help="custom applies the features values; auto lets the service choose (undocumented)",
                ),
                *(
                    Param(
                        f"features.{n}",
                        "int",
                        default=0,
                        minimum=0,
                        maximum=100,
                        help=f"{n.replace('_', ' ')} lift, 0 = unchanged",
                    )
                    for n in LIFT_FEATURES
                ),
                *_global_smooth(),
            ),
            limits=Limits(1920, note="face > 32x32 px at 640 px long edge; roll +-75, yaw +-90"),
            preprocess_path=v2("face-lift/pre-process"),
            rules=(_features_not_all_zero(LIFT_FEATURES, only_custom=True),),
            cost=1,
        ),
    ),
    notes=("type=auto semantics undocumented (C7).", "result timed/timed_apply undocumented (B7)."),
)

RESHAPE_POSITIVE = ("cheekbones", "jaw")  # 0 = original .. 100 = tucked in
RESHAPE_SIGNED = (
    "face_reshape",
    "face_reshape_left",
    "face_reshape_right",
    "face_width",
    "chin_reshape",
    "chin_reshape_left",
    "chin_reshape_right",
    "chin_length",
    "eye_size",
    "eye_size_left",
    "eye_size_right",
    "eye_distance",
    "eye_angle",
    "eye_height",
    "eye_width",
    "nose_bridge_width",
    "nose_lift",
    "nose_size",
    "nose_tip",
    "nose_tip_width",
    "nose_wing",
    "lip_size",
    "lip_width",
    "lip_peak",
    "lip_height_top",
    "lip_height_bottom",
)
RESHAPE_FEATURES = RESHAPE_POSITIVE + RESHAPE_SIGNED

FACE_RESHAPE = FeatureSpec(
    key="face-reshape",
    title="AI Face Reshape",
    family="face",
    summary="Resize and reshape face, eyes, nose and lips of one face.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("face-reshape"),
            inputs=(SRC,),
            params=(
                _version(),
                _index(),
                *(
                    Param(
                        f"features.{n}",
                        "int",
                        default=0,
                        minimum=0,
                        maximum=100,
                        help=f"{n.replace('_', ' ')}: 0 = original, 100 = tucked in",
                    )
                    for n in RESHAPE_POSITIVE
                ),
                *(
                    Param(
                        f"features.{n}",
                        "int",
                        default=0,
                        minimum=-100,
                        maximum=100,
                        help=f"{n.replace('_', ' ')}: -100..100, 0 = unchanged"
                        + ("; overrides the both-sides value for this side" if n.endswith(("_left", "_right")) else ""),
                    )
                    for n in RESHAPE_SIGNED
                ),
                *_global_smooth(),
            ),
            limits=Limits(4096, note="face > 1/20 of the image; pitch/yaw/roll < 30 deg"),
            preprocess_path=v2("face-reshape/pre-process"),
            rules=(_features_not_all_zero(RESHAPE_FEATURES),),
            cost=1,
        ),
    ),
    notes=(
        "`global` always sent (contract requires it, seed does not; C4).",
        "Only non-zero features are sent; the contract needs at least one (C5).",
    ),
)

# ---------------------------------------------------------------- face analyzer

ANALYZER_V1 = (
    "eyeShape",
    "eyeSize",
    "eyeAngle",
    "eyeDistance",
    "eyelid",
    "eyebrowShape",
    "eyebrowThickness",
    "eyebrowDistance",
    "eyebrowShortness",
    "cheekbones",
    "faceShape",
    "lipShape",
    "noseWidth",
    "noseLength",
    "age",
    "gender",
    "eyeColor",
    "lipColor",
    "eyebrowColor",
    "hairColor",
)
ANALYZER_V2 = ANALYZER_V1 + (
    "horizontalThird",
    "verticalFifth",
    "faceAspectRatio",
    "eyeAspectRatio",
    "eyebrowPosition",
    "eyebrowArch",
    "eyeHeightToEyebrowDistance",
    "noseAspectRatio",
    "noseWidthToMouthWidth",
    "noseToLipToChin",
    "upperLipToLowerLip",
)
STRICTNESS = ("strict", "high", "medium", "low", "flexible")


def _analyzer_params(values: tuple[str, ...]) -> tuple[Param, ...]:
    return (
        Param(
            "features",
            "enum_list",
            required=True,
            choices=values,
            min_length=1,
            help="the attributes to analyse (pick at least one)",
        ),
        Param(
            "face_angle_strictness_level",
            "enum",
            default="high",
            choices=STRICTNESS,
            help="how frontal the face must be: strict <=4 deg ... flexible <=30 deg",
        ),
    )


FACE_ANALYZER = FeatureSpec(
    key="face-attr-analysis",
    title="AI Face Attributes & Ratio Analyzer",
    family="face",
    summary="Face shape, eye/brow/lip/nose attributes, colours, age, gender and facial ratios as JSON.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("face-attr-analysis"),
            inputs=(SRC,),
            params=_analyzer_params(ANALYZER_V2),
            limits=Limits(
                4096,
                side_min=320,
                formats=JPG_ONLY,
                note="sides > 1080 auto-resized; face width > 60 % of the image; one person",
            ),
            output="json",
            cost=per_count("features", ((1, 5, 10), (6, 14, 20), (15, 28, 30))),
            cost_note="1-5 features 10; 6-14: 20; 15-28: 30",
        ),
        Endpoint(
            api="v1",
            task_path=v1("face-attr-analysis"),
            inputs=(SRC,),
            params=_analyzer_params(ANALYZER_V1),
            limits=Limits(4096, side_min=100, formats=JPG_ONLY, note="sides > 1080 auto-resized; one person"),
            output="json",
            file_path=v1_file("face-attr-analysis"),
        ),
    ),
    notes=(
        "Minimum side 320 px (v2; D2), 100 px in v1.",
        "Cost for 29-31 features undocumented; eyebrowPosition result key undocumented (C8).",
    ),
)

# ---------------------------------------------------------------- skin simulation

SIM_CONCERNS = (
    "wrinkle",
    "radiance",
    "oiliness",
    "acne",
    "eye_bags",
    "dark_circle",
    "spots",
    "pores",
    "texture",
    "redness",
)


def _sim_not_all_zero(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    if not any(params.get(c) for c in SIM_CONCERNS):
        return [
            Violation(
                "concerns", f"every concern is 0 (original): set at least one of {', '.join(SIM_CONCERNS)} above 0"
            )
        ]
    return []


def _sim_cost(params: Mapping[str, object]) -> float | None:
    n = sum(1 for c in SIM_CONCERNS if params.get(c))
    return 4.0 if 1 <= n <= 4 else 6.0 if n >= 5 else None


SKIN_SIMULATION = FeatureSpec(
    key="skin-simulation",
    title="AI Skin Simulation",
    family="face",
    summary="Simulate more or less wrinkles, oiliness, acne, spots... on a face.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("skin-simulation"),
            inputs=(SRC,),
            params=tuple(
                Param(
                    c,
                    "float",
                    default=0.0,
                    minimum=0,
                    maximum=1,
                    help=f"{c.replace('_', ' ')} effect: 0 = original, 1 = maximum",
                )
                for c in SIM_CONCERNS
            ),
            limits=Limits(2560, short_min=480, note="face >= 60 % of the width, frontal, even light"),
            rules=(_sim_not_all_zero,),
            cost=_sim_cost,
            cost_note="1-4 concerns 4; 5-10 concerns 6",
        ),
    ),
    notes=("Short side >= 480 enforced although an error text says 256 (D6).",),
)

# ---------------------------------------------------------------- skin analysis

SKIN_V1_HD = (
    "hd_wrinkle",
    "hd_pore",
    "hd_texture",
    "hd_acne",
    "hd_oiliness",
    "hd_radiance",
    "hd_eye_bag",
    "hd_age_spot",
    "hd_dark_circle",
    "hd_droopy_upper_eyelid",
    "hd_droopy_lower_eyelid",
    "hd_firmness",
    "hd_moisture",
    "hd_redness",
)
SKIN_V1_SD = (
    "wrinkle",
    "pore",
    "texture",
    "acne",
    "oiliness",
    "radiance",
    "eye_bag",
    "age_spot",
    "dark_circle_v2",
    "droopy_upper_eyelid",
    "droopy_lower_eyelid",
    "firmness",
    "moisture",
    "redness",
)
SKIN_V2_HD = SKIN_V1_HD + ("hd_tear_trough", "hd_skin_type")
SKIN_V2_SD = SKIN_V1_SD + ("tear_trough", "skin_type")
SKIN_V1_COUNTS = (4, 7, 14)


def is_hd(concerns: object) -> bool:
    """True when the concerns are the HD set (they must not be mixed with SD)."""
    return isinstance(concerns, (list, tuple)) and any(str(c).startswith("hd_") for c in concerns)


def _skin_mix(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    concerns = params.get("dst_actions")
    if not isinstance(concerns, (list, tuple)):
        return []
    hd = [c for c in concerns if str(c).startswith("hd_")]
    sd = [c for c in concerns if not str(c).startswith("hd_")]
    v = []
    if hd and sd:
        v.append(Violation("dst_actions", f"dst_actions mixes HD ({hd[0]}) and SD ({sd[0]}) concerns: pick one set"))
    if endpoint.api == "v1" and len(set(concerns)) not in SKIN_V1_COUNTS:
        v.append(
            Violation(
                "dst_actions",
                f"v1 needs exactly 4, 7 or 14 distinct concerns, got "
                f"{len(set(concerns))}: add or remove some (v2 accepts any 1-16)",
            )
        )
    return v


def _skin_limits(long_sd: int, long_hd: int) -> LimitsFn:
    def limits(params: Mapping[str, object]) -> Limits:
        hd = is_hd(params.get("dst_actions"))
        return Limits(
            long_hd if hd else long_sd,
            short_min=1080 if hd else 480,
            note="HD concerns need short side >= 1080, SD >= 480",
        )

    return limits


def _skin_cost(params: Mapping[str, object]) -> float | None:
    concerns = params.get("dst_actions")
    if not isinstance(concerns, (list, tuple)) or not concerns:
        return None
    table = ((1, 4, 9, 12), (5, 8, 12, 16), (9, 12, 14, 20), (13, 16, 16, 22))
    n = len(set(concerns))
    for lo, hi, sd, hd in table:
        if lo <= n <= hi:
            return float(hd if is_hd(concerns) else sd)
    return None


def _skin_v2_params(*, camera_kit: bool) -> tuple[Param, ...]:
    params = [
        Param(
            "dst_actions",
            "enum_list",
            required=True,
            choices=SKIN_V2_HD + SKIN_V2_SD,
            min_length=1,
            max_length=16,
            suggested=SKIN_V2_SD[:4],  # the inspector's start: the first four SD concerns
            help="the skin concerns to analyse: all HD (hd_*) or all SD, 1-16 of them",
        ),
        Param(
            "format",
            "enum",
            default="zip",
            choices=("zip", "json"),
            help="zip: score_info.json + mask PNGs; json: scores and mask URLs",
        ),
        Param(
            "miniserver_args.enable_mask_overlay",
            "bool",
            default=False,
            help="true: one blended JPG per concern instead of raw PNG masks",
        ),
    ]
    for concern in ("hd_pore", "hd_wrinkle"):
        params += [
            Param(
                f"miniserver_args.enable_dark_background_{concern}",
                "bool",
                help=f"darken the background of the {concern} overlay",
            ),
            Param(
                f"miniserver_args.color_dark_background_{concern}",
                "str",
                min_length=6,
                max_length=6,
                help="background colour as 6 hex digits without '#', e.g. 3D3D3D",
            ),
            Param(
                f"miniserver_args.opacity_dark_background_{concern}",
                "float",
                minimum=0,
                maximum=1,
                help="background opacity 0..1",
            ),
        ]
    if camera_kit:
        params.append(Param("pf_camera_kit", "bool", help="v2.1 only; meaning undocumented"))
    return tuple(params)


def _skin_v2(task_path: str, variant: str, *, camera_kit: bool, help: str = "") -> Endpoint:  # noqa: A002 - fills Endpoint.help
    """A v2 skin-analysis endpoint (v2.0 and v2.1 differ in path, camera kit and help)."""
    return Endpoint(
        api="v2",
        task_path=task_path,
        variant=variant,
        params=_skin_v2_params(camera_kit=camera_kit),
        help=help,
        inputs=(SRC,),
        limits=Limits(2560, short_min=480, note="no hard long-side limit, > 2560 auto-resized: downscale to 2560 (D4)"),
        limits_for=_skin_limits(2560, 2560),
        rules=(_skin_mix,),
        output="zip",
        cost=_skin_cost,
        cost_note="1-4 concerns 9 SD/12 HD; 5-8: 12/16; 9-12: 14/20; 13-16: 16/22",
    )


SKIN_ANALYSIS = FeatureSpec(
    key="skin-analysis",
    title="AI Skin Analysis",
    family="face",
    summary="Scores and masks for up to 16 skin concerns (HD or SD), as a ZIP or JSON.",
    endpoints=(
        _skin_v2(v2("skin-analysis"), "v2.0", camera_kit=False),
        _skin_v2("/s2s/v2.1/task/skin-analysis", "v2.1", camera_kit=True, help="newer engines, masks up to 2560 px"),
        Endpoint(
            api="v1",
            task_path=v1("skin-analysis"),
            inputs=(SRC,),
            params=(
                Param(
                    "dst_actions",
                    "enum_list",
                    required=True,
                    choices=SKIN_V1_HD + SKIN_V1_SD,
                    v1_place="dst_actions",
                    suggested=SKIN_V1_SD[:4],  # four is valid on v1 (4, 7 or 14)
                    help="exactly 4, 7 or 14 concerns, all HD (hd_*) or all SD",
                ),
            ),
            limits=Limits(1920, short_min=480, note="SD long <= 1920 short >= 480; HD long <= 2560 short >= 1080"),
            limits_for=_skin_limits(1920, 2560),
            rules=(_skin_mix,),
            output="zip",
            file_path=v1_file("skin-analysis"),
        ),
    ),
    notes=(
        "format=json gives JSON output instead of a ZIP.",
        "v1 has no tear_trough/skin_type concerns (C9).",
        "Unit table boundaries differ between description and feature-cost list (D5).",
    ),
)

FACE = (FACE_LIFT, FACE_RESHAPE, FACE_ANALYZER, SKIN_SIMULATION, SKIN_ANALYSIS)
