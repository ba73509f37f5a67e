"""Retouch family: generative fill, object removal, replace, extender, enhance,
lighting, colorize, color correction.

Facts: v2 contracts (API-V2 §13.6-13.9, 13.13-13.15), v1 document (API-V1 §7).
"""

from __future__ import annotations

from collections.abc import Mapping

from napari_youcam.limits import OUTPAINT_NAMES, Limits

from .blocks import JPG_ONLY, MASK_V1_REMOVAL, MASK_V2, SRC, v1, v1_file, v2
from .spec import Endpoint, FeatureSpec, Input, OutputKind, Param, Rule, RuleInputs, Violation

# ---------------------------------------------------------------- masks

GENERATIVE_FILL = FeatureSpec(
    key="generative-fill",
    title="AI Object Removal Pro (generative fill)",
    family="retouch",
    summary="Remove what the mask covers and fill it in plausibly.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("generative-fill"),
            inputs=(SRC, MASK_V2),
            limits=Limits(4096, note="limits not stated in the contract; v1 object removal's used (D18)"),
            cost=2,
            cost_note="1 standard / 2 professional; no request field picks one, so professional is assumed",
        ),
    ),
    notes=("Image limits guessed from v1 object removal (D18).", "Standard vs professional cost undecidable (A9)."),
)

OBJ_REMOVAL = FeatureSpec(
    key="obj-removal",
    title="AI Object Removal (legacy v1)",
    family="retouch",
    summary="Remove what the mask covers (v1 API only; v2 uses generative fill).",
    endpoints=(
        Endpoint(
            api="v1",
            task_path=v1("obj-removal"),
            inputs=(SRC, MASK_V1_REMOVAL),
            limits=Limits(4096),
            file_path=v1_file("obj-removal"),
        ),
    ),
    notes=("Mask goes in file_sets.mask_ids (C1).", "Whether a v2 obj-removal path exists is unclear (A9)."),
)

_PROMPT_REPLACE = Param("prompt", "str", required=True, min_length=1, help="type what should appear in the masked area")

OBJ_REPLACE = FeatureSpec(
    key="obj-replace",
    title="AI Replace",
    family="retouch",
    summary="Replace the masked area with what the prompt describes.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("obj-replace"),
            inputs=(SRC, MASK_V2),
            params=(_PROMPT_REPLACE,),
            limits=Limits(2048),
            cost=1,
        ),
        Endpoint(
            api="v1",
            task_path=v1("obj-replace"),
            inputs=(SRC, Input("mask", v2_fields=MASK_V2.v2_fields, v1_field="msk_ids", help=MASK_V2.help)),
            params=(_PROMPT_REPLACE,),
            limits=Limits(4096, note="output short side <= 1024, long side <= 2048"),
            file_path=v1_file("obj-replace"),
        ),
    ),
    notes=("v2 input long side <= 2048, v1 <= 4096 (D7).", "v1 mask field is msk_ids (C1)."),
)

# ---------------------------------------------------------------- image extender

_OUTPAINT_HELP = {
    "output_width": "width of the extended canvas",
    "output_height": "height of the extended canvas",
    "input_x": "left edge of the (cropped) photo on the canvas",
    "input_y": "top edge of the (cropped) photo on the canvas",
    "input_width": "width the photo takes on the canvas",
    "input_height": "height the photo takes on the canvas",
    "crop_input_x": "left edge of the crop taken from the photo",
    "crop_input_y": "top edge of the crop taken from the photo",
    "crop_input_width": "width of the crop taken from the photo",
    "crop_input_height": "height of the crop taken from the photo",
}


def _outpaint_params() -> tuple[Param, ...]:
    return tuple(
        Param(
            n,
            "int",
            required=True,
            minimum=0 if n.endswith(("_x", "_y")) else 1,
            maximum=4096,
            help=_OUTPAINT_HELP[n] + " (youcam extend-plan computes all ten)",
        )
        for n in OUTPAINT_NAMES
    )


def _outpaint_rule(v1_output: bool) -> Rule:
    def rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
        p = {n: x for n in OUTPAINT_NAMES if isinstance(x := params.get(n), int) and not isinstance(x, bool)}
        if len(p) < len(OUTPAINT_NAMES):
            return []  # missing/bad values are already reported
        v: list[Violation] = []
        if p["input_x"] + p["input_width"] > p["output_width"]:
            v.append(
                Violation(
                    "input_width",
                    f"input_x + input_width = {p['input_x'] + p['input_width']} > "
                    f"output_width {p['output_width']}: move or shrink the photo, "
                    "or widen the canvas",
                )
            )
        if p["input_y"] + p["input_height"] > p["output_height"]:
            v.append(
                Violation(
                    "input_height",
                    f"input_y + input_height = {p['input_y'] + p['input_height']} > "
                    f"output_height {p['output_height']}: move or shrink the photo, "
                    "or heighten the canvas",
                )
            )
        if p["output_width"] <= p["input_width"] and p["output_height"] <= p["input_height"]:
            v.append(
                Violation(
                    "output_width",
                    "the canvas is not larger than the photo, so nothing would be "
                    "extended: make output_width or output_height larger",
                )
            )
        src = (inputs or {}).get("src") or []
        if src:
            w, h = src[0].width, src[0].height
            if p["crop_input_x"] + p["crop_input_width"] > w:
                v.append(
                    Violation(
                        "crop_input_width",
                        f"crop_input_x + crop_input_width = "
                        f"{p['crop_input_x'] + p['crop_input_width']} > photo width "
                        f"{w}: keep the crop inside the photo",
                    )
                )
            if p["crop_input_y"] + p["crop_input_height"] > h:
                v.append(
                    Violation(
                        "crop_input_height",
                        f"crop_input_y + crop_input_height = "
                        f"{p['crop_input_y'] + p['crop_input_height']} > photo "
                        f"height {h}: keep the crop inside the photo",
                    )
                )
        if v1_output:
            long, short = max(p["output_width"], p["output_height"]), min(p["output_width"], p["output_height"])
            if long > 2048 or short > 1024:
                v.append(
                    Violation(
                        "output_width",
                        f"v1 output {p['output_width']}x{p['output_height']} exceeds "
                        "short side 1024 / long side 2048: use a smaller canvas "
                        "(or the v2 API, up to 4096)",
                    )
                )
        return v

    return rule


OUT_PAINT = FeatureSpec(
    key="out-paint",
    title="AI Image Extender (out-paint)",
    family="retouch",
    summary="Extend the canvas around a photo and fill the new area.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("out-paint"),
            inputs=(SRC,),
            params=_outpaint_params(),
            limits=Limits(4096, formats=JPG_ONLY),
            rules=(_outpaint_rule(False),),
            cost=2,
        ),
        Endpoint(
            api="v1",
            task_path=v1("out-paint"),
            inputs=(SRC,),
            params=_outpaint_params(),
            limits=Limits(4096, note="output short side <= 1024, long side <= 2048"),
            rules=(_outpaint_rule(True),),
            file_path=v1_file("out-paint"),
        ),
    ),
    notes=(
        "v2 accepts JPEG only (D8).",
        "Output should be < 2x the input (v1 recommendation).",
        "Seed 002 swaps the width/height descriptions; names are right (F1).",
    ),
)

# ---------------------------------------------------------------- whole-image retouch


def _simple(
    key: str,
    title: str,
    summary: str,
    slug_v2: str,
    slug_v1: str,
    *,
    params: tuple[Param, ...] = (),
    output: OutputKind = "image",
    cost: float | None = None,
    v1_short_min: int | None = None,
    v1_empty_params: bool = False,
    notes: tuple[str, ...] = (),
) -> FeatureSpec:
    return FeatureSpec(
        key=key,
        title=title,
        family="retouch",
        summary=summary,
        endpoints=(
            Endpoint(
                api="v2",
                task_path=v2(slug_v2),
                inputs=(SRC,),
                params=params,
                limits=Limits(4096),
                output=output,
                cost=cost,
            ),
            Endpoint(
                api="v1",
                task_path=v1(slug_v1),
                inputs=(SRC,),
                params=params,
                limits=Limits(4096, short_min=v1_short_min),
                output=output,
                file_path=v1_file(slug_v1),
                v1_empty_params=v1_empty_params,
            ),
        ),
        notes=notes,
    )


ENHANCE = _simple(
    "enhance",
    "AI Photo Enhance",
    "Upscale and sharpen a photo 1x, 2x or 4x.",
    "enhance",
    "enhance",
    params=(Param("scale", "enum", required=True, choices=(1, 2, 4), help="upscale factor: 1, 2 or 4"),),
    cost=2,
)
LIGHTING = _simple(
    "lighting",
    "AI Photo Lighting",
    "Fix the lighting of a photo.",
    "lighting",
    "lighting",
    cost=2,
    v1_short_min=256,
    v1_empty_params=True,
    notes=(
        "Short side >= 256 documented for v1 only; not enforced on v2 (D9).",
        'v1 action carries "params": {} (seed 002: params required, sample sends it empty).',
    ),
)
COLORIZE = _simple(
    "colorize",
    "AI Photo Colorize",
    "Colorize a black-and-white photo (4 versions).",
    "colorize",
    "colorize",
    output="images",
    cost=2,
)
COLOR_CORRECT = _simple(
    "color-correct",
    "AI Photo Color Correction",
    "Four colour-graded versions, warm to cool.",
    "colorize/color-correct",
    "colorize/color-correct",
    output="images",
    cost=2,
)

RETOUCH = (GENERATIVE_FILL, OBJ_REMOVAL, OBJ_REPLACE, OUT_PAINT, ENHANCE, LIGHTING, COLORIZE, COLOR_CORRECT)
