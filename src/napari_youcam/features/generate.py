"""Generate family: image generator, headshot, avatar, studio.

Facts: API-V2 §13.16, 13.19-13.21; API-V1 §7 rows 15, 25-27; C14, C18.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .blocks import (
    JPG_ONLY,
    SRC,
    V1_STYLE_GROUP,
    V2_TEMPLATE,
    output_count,
    per_block,
    seed_rule,
    style_ids_rule,
    style_params,
    template_id,
    v1,
    v1_file,
    v2,
)
from .spec import Endpoint, FeatureSpec, Input, Limits, Param, RuleInputs, Violation

# ---------------------------------------------------------------- image generator

T2I_SIZES = ("1664*928", "1472*1104", "1328*1328", "1104*1472", "928*1664")
I2I_FORMATS = ("jpg", "jpeg", "png", "bmp", "tiff", "webp", "gif")
_SIZE_RE = re.compile(r"^(\d+)\*(\d+)$")


def _legacy_t2i_params() -> tuple[Param, ...]:
    """The V1.0 template model's tuning params (same names in v1 and v2)."""
    return (
        Param("negative_prompt", "str", help="what the image should not contain"),
        Param("steps", "int", minimum=1, help="sampling steps (guidance: 10-30)"),
        Param("cfg_scale", "float", minimum=0, help="prompt adherence (guidance: 1-11)"),
        Param("seed", "json", help="list with one integer seed, e.g. [42]"),
        Param("width_ratio", "int", minimum=1, help="aspect ratio width part, e.g. 3"),
        Param("height_ratio", "int", minimum=1, help="aspect ratio height part, e.g. 4"),
    )


_PROMPT_500 = Param(
    "prompt", "str", required=True, min_length=1, max_length=500, help="describe the image (at most 500 characters)"
)


def _youcam_common(size_param: Param) -> tuple[Param, ...]:
    return (
        Param(
            "model",
            "enum",
            required=True,
            default="youcam-image-v2",
            choices=("youcam-image-v2",),
            help="generation model",
        ),
        Param(
            "prompt", "str", required=True, min_length=1, max_length=800, help="describe the image (1-800 characters)"
        ),
        Param(
            "negative_prompt",
            "str",
            min_length=1,
            max_length=500,
            help="what the image should not contain (1-500 characters)",
        ),
        size_param,
        Param("prompt_extend", "bool", default=True, help="let the service rewrite the prompt with an LLM"),
    )


def _i2i_size_rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    size = params.get("size")
    if size is None:
        return []
    m = _SIZE_RE.match(size) if isinstance(size, str) else None
    if not m or not all(512 <= int(x) <= 2048 for x in m.groups()):
        return [Violation("size", f"{size!r} is not a size: write W*H with each side in 512..2048, e.g. 1024*1024")]
    return []


TEXT_TO_IMAGE = FeatureSpec(
    key="text-to-image",
    title="AI Image Generator",
    family="generate",
    summary="Generate an image from a prompt (template model, YouCam model, or from 1-3 photos).",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("text-to-image/youcam"),
            variant="youcam",
            params=_youcam_common(
                Param(
                    "size",
                    "enum",
                    default="1664*928",
                    choices=T2I_SIZES,
                    help="output size W*H (16:9, 4:3, 1:1, 3:4, 9:16)",
                )
            ),
            limits=Limits(long_max=None),
            cost=1,
        ),
        Endpoint(
            api="v2",
            task_path=v2("text-to-image"),
            variant="template",
            params=(_PROMPT_500, template_id(), *_legacy_t2i_params()),
            limits=Limits(long_max=None, note="output long side 1024"),
            template_path=V2_TEMPLATE + "text-to-image",
            rules=(seed_rule,),
            cost=2,
        ),
        Endpoint(
            api="v2",
            task_path=v2("image-to-image/youcam"),
            variant="image-to-image",
            inputs=(
                Input(
                    "srcs",
                    many=True,
                    max_count=3,
                    v2_fields=("src_file_ids", "src_file_urls"),
                    v1_field="src_ids",
                    help="1-3 photos to start from",
                ),
            ),
            params=_youcam_common(
                Param(
                    "size",
                    "str",
                    help="output size W*H, each 512..2048 (rounded to a multiple of 16); default about 1024x1024",
                )
            ),
            limits=Limits(3072, side_min=384, formats=I2I_FORMATS, note="GIF: first frame only"),
            rules=(_i2i_size_rule,),
            cost=1,
        ),
        Endpoint(
            api="v1",
            task_path=v1("text-to-image"),
            params=(_PROMPT_500, *style_params(), *_legacy_t2i_params()),
            limits=Limits(long_max=None, note="output long side 1024"),
            template_path=V1_STYLE_GROUP + "text-to-image",
            rules=(seed_rule, style_ids_rule()),
        ),
    ),
    notes=(
        (
            "Template-model prompt <= 500 characters is from a file-spec table only (C18); seed 002 states no "
            "prompt limit for v1, the 500 is carried over to v1 as the same template model (assumption)."
        ),
        "Whether the template model returns several images per task is unclear.",
    ),
)

# ---------------------------------------------------------------- headshot / avatar / studio


def _portrait(
    key: str, title: str, summary: str, *, limits_v2: Limits, limits_v1: Limits, per: int, notes: tuple[str, ...] = ()
) -> FeatureSpec:
    return FeatureSpec(
        key=key,
        title=title,
        family="generate",
        summary=summary,
        endpoints=(
            Endpoint(
                api="v2",
                task_path=v2(key),
                inputs=(SRC,),
                params=(template_id(), output_count()),
                limits=limits_v2,
                output="images",
                template_path=V2_TEMPLATE + key,
                cost=per_block("output_count", per),
                cost_note=f"1 per {per} images (rounded up)",
            ),
            Endpoint(
                api="v1",
                task_path=v1(key),
                inputs=(SRC,),
                params=(*style_params(many_styles=True), output_count(v1=True)),
                limits=limits_v1,
                output="images",
                file_path=v1_file(key),
                template_path=V1_STYLE_GROUP + key,
                rules=(style_ids_rule(up_to_output_count=True),),
            ),
        ),
        notes=("v1: style_group_id + style_ids, output_count in payload.custom (C14).", *notes),
    )


HEADSHOT = _portrait(
    "headshot",
    "AI Headshot Generator",
    "Professional headshots from one portrait.",
    limits_v2=Limits(long_max=None, note="short side > 1024 auto-resized to 1024; shoulders + full face"),
    limits_v1=Limits(long_max=None, formats=JPG_ONLY, note="short side > 1024 auto-resized to 1024"),
    per=2,
    notes=("v1 accepts jpg/jpeg only, v2 also png (D11).",),
)
AI_AVATAR = _portrait(
    "ai-avatar",
    "AI Avatar Generator",
    "Stylised avatars from one selfie.",
    limits_v2=Limits(4096),
    limits_v1=Limits(4096),
    per=4,
)
AI_STUDIO = _portrait(
    "ai-studio",
    "AI Studio Generator",
    "Studio-style portraits from one photo.",
    limits_v2=Limits(1920, short_min=200, note="one face (largest used); output <= 960x1280"),
    limits_v1=Limits(1920, short_min=200),
    per=2,
)

GENERATE = (TEXT_TO_IMAGE, HEADSHOT, AI_AVATAR, AI_STUDIO)
