"""Video family: enhancer, video face swap, video style transfer, video generator.

``dst_duration`` is top-level in v2 and ``payload.custom.dst_duration`` in v1
(C12). Facts: API-V2 §13.30-13.33, API-V1 §7 rows 28-31; D12-D15, C13.
"""

from __future__ import annotations

from collections.abc import Mapping

from napari_youcam.limits import Limits

from .blocks import (
    JPG_PNG,
    PLAIN_IMAGE,
    SRC,
    SRC_VIDEO,
    V1_STYLE_GROUP,
    V2_TEMPLATE,
    dst_duration,
    duration_matches_rule,
    per_block,
    per_second,
    ref,
    style_ids_rule,
    style_params,
    template_id,
    v1,
    v1_file,
    v2,
    video_limits,
)
from .spec import CostFn, Endpoint, FeatureSpec, Param

_FACE_REF = ref("the face to put into the video (an image)", limits=PLAIN_IMAGE)

VIDEO_SR = FeatureSpec(
    key="video-sr",
    title="AI Video Enhancer",
    family="video",
    summary="Upscale and sharpen a video (up to 60 s).",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("video-sr"),
            inputs=(SRC_VIDEO,),
            params=(dst_duration(maximum=60, help="the video length in whole seconds (<= 60)"),),
            limits=video_limits(2048, 60, fps_max=30, note="<= 2K, <= 30 fps; MPEG-4 / H.264; aac/amr/mp3"),
            output="video",
            rules=(duration_matches_rule,),
            cost=per_block("dst_duration", 2),
            cost_note="1 per 2 s (rounded up)",
        ),
        Endpoint(
            api="v1",
            task_path=v1("video-sr"),
            inputs=(SRC_VIDEO,),
            params=(dst_duration(v1=True, maximum=60, help="the video length in whole seconds (<= 60)"),),
            limits=video_limits(1920, 60, fps_max=30, note="output <= 2x input, 8-bit"),
            output="video",
            rules=(duration_matches_rule,),
            file_path=v1_file("video-sr"),
        ),
    ),
    notes=(
        "'2K' read as 2048 px long side (v2); v1 says 1920 (D12).",
        (
            "v1: the engine table accepts mov/mp4 containers, but the v1.1 file endpoint's content_type allows "
            "only video/mp4 (seed 002); how a .mov is uploaded on v1 is unclear (mp4 is safe)."
        ),
        "dst_duration must equal the video length; rounding unclear (floor or ceil accepted).",
    ),
)

VIDEO_FACE_SWAP = FeatureSpec(
    key="face-swap-vid",
    title="AI Video Face Swap",
    family="video",
    summary="Swap the face in a video (up to 30 s) with a reference face.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("face-swap-vid"),
            inputs=(SRC_VIDEO, _FACE_REF),
            params=(dst_duration(maximum=30, help="the video length in whole seconds (<= 30)"),),
            limits=video_limits(4096, 30, fps_max=30, note="single face; output long side <= 1280"),
            output="video",
            rules=(duration_matches_rule,),
            cost=per_block("dst_duration", 5),
            cost_note="1 per 5 s",
        ),
        Endpoint(
            api="v1",
            task_path=v1("face-swap-vid"),
            inputs=(SRC_VIDEO, _FACE_REF),
            params=(dst_duration(v1=True, maximum=30, help="the video length in whole seconds (<= 30)"),),
            limits=video_limits(4096, 30, fps_max=30, note="output 1280x720"),
            output="video",
            rules=(duration_matches_rule,),
            file_path=v1_file("face-swap-vid"),
        ),
    ),
    notes=(
        ("How the v1 reference image is uploaded is unclear: the v1.1 file endpoint only lists video/mp4 (D15)."),
        "'1 per 5 s' rounding assumed upward.",
    ),
)

VIDEO_TRANS = FeatureSpec(
    key="video-trans",
    title="AI Video Style Transfer",
    family="video",
    summary="Restyle a video (up to 30 s) with a template.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("video-trans"),
            inputs=(SRC_VIDEO,),
            params=(template_id(), dst_duration(maximum=30, help="the video length in whole seconds (<= 30)")),
            limits=video_limits(4096, 30, fps_max=30, note="output long side <= 1280, 16 fps"),
            output="video",
            template_path=V2_TEMPLATE + "video-trans",
            rules=(duration_matches_rule,),
            cost=per_second(4),
            cost_note="4 per second",
        ),
        Endpoint(
            api="v1",
            task_path=v1("video-trans"),
            inputs=(SRC_VIDEO,),
            params=(
                *style_params(),
                dst_duration(v1=True, maximum=30, help="the video length in whole seconds (<= 30)"),
            ),
            limits=video_limits(4096, 30, fps_max=30),
            output="video",
            template_path=V1_STYLE_GROUP + "video-trans",
            file_path=v1_file("video-trans"),
            rules=(duration_matches_rule, style_ids_rule()),
        ),
    ),
)

# ---------------------------------------------------------------- video generator

_I2V_ASPECT_MIN, _I2V_ASPECT_MAX = 1 / 2.5, 2.5  # width / height between 1:2.5 and 2.5:1
_MODE = Param("mode", "enum", choices=("std", "pro"), help="std: 720p30, pro: 1080p30; omitted = chosen by the style")


def _rate(param: str, table: dict[str, float]) -> CostFn:
    """The per-second rate for the value of an enum param (None for a value not in `table`)."""

    def rate(params: Mapping[str, object]) -> float | None:
        value = params.get(param)
        return table.get(value) if isinstance(value, str) else None

    return rate


T2V_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4")

IMAGE_TO_VIDEO = FeatureSpec(
    key="image-to-video",
    title="AI Video Generator",
    family="video",
    summary="A 5 or 10 s video from a photo (template or prompt), or a 2-15 s video from a prompt.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("image-to-video/youcam"),
            variant="youcam",
            inputs=(SRC,),
            params=(
                Param(
                    "resolution",
                    "enum",
                    required=True,
                    choices=("480", "720", "1080"),
                    help='output height as a string: "480", "720" or "1080"',
                ),
                dst_duration(choices=(5, 10), help="video length: 5 or 10 seconds"),
                Param("prompt", "str", min_length=1, max_length=1500, help="what should happen in the video"),
                Param("negative_prompt", "str", min_length=1, max_length=1500, help="what should not happen"),
                Param("model", "enum", choices=("youcam-video-v2",), help="generation model"),
            ),
            limits=Limits(4096, formats=JPG_PNG, aspect_min=_I2V_ASPECT_MIN, aspect_max=_I2V_ASPECT_MAX),
            output="video",
            cost=per_second(_rate("resolution", {"480": 1, "720": 2, "1080": 3})),
            cost_note="1/s (480), 2/s (720), 3/s (1080)",
        ),
        Endpoint(
            api="v2",
            task_path=v2("image-to-video"),
            variant="template",
            inputs=(SRC,),
            params=(template_id(), dst_duration(choices=(5, 10), help="video length: 5 or 10 seconds"), _MODE),
            limits=Limits(
                long_max=None, side_min=300, formats=JPG_PNG, aspect_min=_I2V_ASPECT_MIN, aspect_max=_I2V_ASPECT_MAX
            ),
            output="video",
            template_path=V2_TEMPLATE + "image-to-video",
            cost=per_second(_rate("mode", {"std": 3, "pro": 6})),
            cost_note="std 3/s, pro 6/s",
        ),
        Endpoint(
            api="v2",
            task_path=v2("text-to-video/youcam"),
            variant="text-to-video",
            params=(
                Param(
                    "prompt",
                    "str",
                    required=True,
                    min_length=1,
                    max_length=5000,
                    help="describe the video (1-5000 characters)",
                ),
                dst_duration(minimum=2, maximum=15, default=5, help="video length 2-15 seconds"),
                Param(
                    "model", "enum", default="youcam-video-v2", choices=("youcam-video-v2",), help="generation model"
                ),
                Param("negative_prompt", "str", min_length=1, max_length=500, help="what should not appear"),
                Param("resolution", "enum", default="1080P", choices=("720P", "1080P"), help="720P or 1080P"),
                Param("ratio", "enum", default="16:9", choices=T2V_RATIOS, help="aspect ratio"),
                Param("prompt_extend", "bool", default=True, help="let the service rewrite the prompt"),
            ),
            limits=Limits(long_max=None),
            output="video",
            cost=per_second(_rate("resolution", {"720P": 2, "1080P": 3})),
            cost_note="2/s (720P), 3/s (1080P)",
        ),
        Endpoint(
            api="v1",
            task_path=v1("image-to-video"),
            inputs=(SRC,),
            params=(
                *style_params(),
                _MODE,
                dst_duration(v1=True, choices=(5, 10), help="video length: 5 or 10 seconds"),
            ),
            limits=Limits(
                long_max=None, side_min=300, formats=JPG_PNG, aspect_min=_I2V_ASPECT_MIN, aspect_max=_I2V_ASPECT_MAX
            ),
            output="video",
            template_path=V1_STYLE_GROUP + "image-to-video",
            file_path=v1_file("image-to-video"),
            rules=(style_ids_rule(),),
        ),
    ),
    notes=(
        'i2v resolution is "480"/"720"/"1080", t2v "720P"/"1080P" (C13).',
        "Template i2v cost unknown when mode is omitted (chosen by the style).",
    ),
)

VIDEO = (VIDEO_SR, VIDEO_FACE_SWAP, VIDEO_TRANS, IMAGE_TO_VIDEO)
