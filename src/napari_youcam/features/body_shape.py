"""Body family: abs filter, body reshape, breast augmentation simulator.

Facts: the vendor's per-feature OpenAPI contracts (docs/SOURCES.md, section
"Try-on and body shape"). Body reshape works like face reshape: an optional
pre-process finds the people (boxes), ``index`` picks one, ``features.*`` say
how much to change, and not every value may be zero.
"""

from __future__ import annotations

from collections.abc import Mapping

from napari_youcam.limits import Limits

from .blocks import JPG_PNG, SRC, v2
from .face_effects import SPEC_VERSION
from .spec import Endpoint, FeatureSpec, Param, RuleInputs, Violation
from .tryon import JPG_PNG_HEIC

_PERSON_NOTE = "one person (else the largest shoulder span), both shoulders visible"

ABS_SHAPE = FeatureSpec(
    key="abs-shape",
    title="AI Abs Filter",
    family="body",
    summary="Add six-pack or vest-line abdominal definition to an upper- or full-body photo.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("abs-shape"),
            inputs=(SRC,),
            params=(
                Param(
                    "mode",
                    "enum",
                    default="Six-pack",
                    choices=("Six-pack", "Vest-line"),
                    help="Six-pack: visible six-pack; Vest-line: central definition",
                ),
                Param("intensity", "enum", default=1, choices=(1, 2), help="1 = normal, 2 = stronger"),
            ),
            limits=Limits(
                4096, formats=("jpg", "png"), note=_PERSON_NOTE + ", abdomen visible (clothed or not), yaw within +-45"
            ),
            cost=1,
        ),
    ),
    notes=("Formats listed as jpg, png (jpeg accepted as jpg).",),
)

BREAST_SHAPE = FeatureSpec(
    key="breast-shape",
    title="AI Breast Augmentation Simulator",
    family="body",
    summary="Simulate a fuller bust contour at one of three intensities.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("breast-shape"),
            inputs=(SRC,),
            params=(
                Param("intensity", "enum", default=2, choices=(1, 2, 3), help="1 subtle, 2 moderate, 3 pronounced"),
            ),
            limits=Limits(
                4096,
                long_strict=True,
                short_min=384,
                long_min=512,
                formats=JPG_PNG_HEIC,
                note=_PERSON_NOTE + ", chest visible and unoccluded; upper body >= 1024x768 best",
            ),
            cost=1,
        ),
    ),
    notes=(
        "Long side: the table says < 4096, the prose 'must not exceed 4096'; the strict form is enforced.",
        "Minimum 512x384 read as long side >= 512 and short side >= 384.",
        "Clothing around the chest may change with the intensity.",
    ),
)

# name -> (minimum, maximum); "neck*" and "taller" only go up from the original.
BODY_FEATURES: dict[str, tuple[int, int]] = {
    "arm": (-100, 100),
    "belly": (-100, 100),
    "breast": (-100, 100),
    "breast_left": (-100, 100),
    "breast_right": (-100, 100),
    "hip": (-100, 100),
    "hip_lift": (-100, 100),
    "leg": (-100, 100),
    "neck": (0, 100),
    "neck_left": (0, 100),
    "neck_right": (0, 100),
    "shoulder": (-100, 100),
    "shoulder_left": (-100, 100),
    "shoulder_right": (-100, 100),
    "squared_shoulder": (-100, 100),
    "squared_shoulder_left": (-100, 100),
    "squared_shoulder_right": (-100, 100),
    "slim": (-100, 100),
    "taller": (0, 100),
    "waist": (-100, 100),
}

_BODY_HELP = {
    "arm": "arm thickness: thin .. thick",
    "belly": "belly: flat .. protruding",
    "breast": "chest volume, both sides: flat .. full",
    "hip": "hip width: narrow .. wide",
    "hip_lift": "hip curve: sculpted .. rounded",
    "leg": "leg thickness: thin .. thick",
    "neck": "neck slimming, both sides: original .. tucked in",
    "shoulder": "shoulder span: narrow .. broad",
    "squared_shoulder": "shoulder slope: sloped .. squared",
    "slim": "body curve: slim .. curvy",
    "taller": "height: original .. taller",
    "waist": "waist width: narrow .. wide",
}


def _body_help(name: str) -> str:
    for side in ("_left", "_right"):
        if name.endswith(side):
            base = name[: -len(side)]
            text = _BODY_HELP[base].replace(", both sides", "")
            return f"{text} ({side[1:]} side, the person's own); overrides {base}"
    return _BODY_HELP[name]


def body_not_all_zero(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    """``features`` 'cannot be all zero': at least one value must change something."""
    if any(params.get(f"features.{n}") for n in BODY_FEATURES):
        return []
    return [
        Violation(
            "features",
            "all body features are zero, so nothing would change: set at least one "
            "features.* value (e.g. features.waist = -20)",
        )
    ]


BODY_RESHAPE = FeatureSpec(
    key="body-reshape",
    title="AI Body Reshape",
    family="body",
    summary="Slim or reshape waist, arms, legs, hips, shoulders, chest, neck and height of one person.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("body-reshape"),
            inputs=(SRC,),
            params=(
                SPEC_VERSION,
                Param(
                    "index",
                    "int",
                    default=0,
                    minimum=0,
                    help="which person to edit: index into the pre-process result (0 = first)",
                ),
                *(
                    Param(f"features.{n}", "float", default=0, minimum=lo, maximum=hi, help=_body_help(n))
                    for n, (lo, hi) in BODY_FEATURES.items()
                ),
            ),
            limits=Limits(
                2048,
                short_min=320,
                formats=JPG_PNG,
                note="full body, face and posture visible; each feature needs its body part in view",
            ),
            preprocess_path=v2("body-reshape/pre-process"),
            rules=(body_not_all_zero,),
            cost=1,
        ),
    ),
    notes=(
        (
            "breast, neck, shoulder and squared_shoulder (both sides at once) are in the schema but not in the "
            "prose template; a per-side value overrides them, a per-side 0 leaves that side unchanged."
        ),
        (
            "The result carries timed, timed_apply and one boolean per per-side feature; what a false means "
            "(feature skipped because the body part was not found?) is not documented."
        ),
        "Shoulder: no raised hand, no 90-degree side pose. Taller: hips (and legs) visible.",
    ),
)

BODY = (ABS_SHAPE, BODY_RESHAPE, BREAST_SHAPE)
