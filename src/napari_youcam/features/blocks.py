"""Reusable pieces the per-family catalogue modules are built from.

Most features share a handful of shapes (one source image; source + mask; a
template id; the v1 style-group pair; a video plus ``dst_duration``). Writing them
once here keeps each family module a readable list of what is *different* about
its features, and keeps the field names (which differ between generations) in one
place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeGuard

from napari_youcam.limits import VIDEO_MAX_BYTES, Limits

from .spec import CostFn, Endpoint, Input, Param, Rule, RuleInputs, Violation

JPG_PNG = ("jpg", "jpeg", "png")
JPG_ONLY = ("jpg", "jpeg")
VIDEO_FORMATS = ("mp4", "mov")

V2 = "/s2s/v2.0/task/"
V1 = "/s2s/v1.0/task/"
V2_TEMPLATE = "/s2s/v2.0/task/template/"
V1_STYLE_GROUP = "/s2s/v1.0/task/style-group/"


def v2(slug: str) -> str:
    return V2 + slug


def v1(slug: str) -> str:
    return V1 + slug


def v1_file(slug: str) -> str:
    """v1.1 file registration path (every v1 feature with files has the v1.1 form)."""
    return "/s2s/v1.1/file/" + slug


# The reference face of video face swap and other images inside video endpoints.
PLAIN_IMAGE = Limits(long_max=4096, formats=JPG_PNG)


def video_limits(long_max: int, duration_max: float | None, *, fps_max: float | None = None, note: str = "") -> Limits:
    return Limits(
        long_max=long_max,
        formats=VIDEO_FORMATS,
        max_bytes=VIDEO_MAX_BYTES,
        duration_max=duration_max,
        fps_max=fps_max,
        note=note,
    )


# ---------------------------------------------------------------- inputs

SRC = Input("src", help="the photo to process")
SRC_VIDEO = Input("src", kind="video", help="the video to process (mp4/mov)")
MASK_V2 = Input(
    "mask",
    v2_fields=("msk_file_id", "msk_file_url"),
    v1_field="msk_ids",
    help="greyscale mask, same size as the photo, white = area to change",
)
MASK_V1_REMOVAL = Input(
    "mask",
    v2_fields=("msk_file_id", "msk_file_url"),
    v1_field="mask_ids",  # obj-removal only; obj-replace uses msk_ids (DISCREPANCIES C1)
    help="greyscale mask, same size as the photo, white = area to remove",
)


def ref(help: str, *, required: bool = True, limits: Limits | None = None) -> Input:  # noqa: A002 - fills Input.help
    return Input(
        "ref",
        required=required,
        v2_fields=("ref_file_id", "ref_file_url"),
        v1_field="ref_ids",
        help=help,
        limits=limits,
    )


REFS = Input(
    "refs",
    v2_fields=("ref_file_ids", "ref_file_urls"),
    v1_field="ref_ids",
    many=True,
    max_count=100,  # no documented maximum
    help="one image per face to paste in; face_mapping index refers to this list",
)


# ---------------------------------------------------------------- params


def template_id(
    help: str = "template id from the template list (youcam templates <feature>)",  # noqa: A002 - fills Param.help
) -> Param:
    return Param("template_id", "str", required=True, min_length=1, help=help)


def style_params(*, many_styles: bool = False) -> tuple[Param, ...]:
    """v1 template selection: a style group id plus the style id(s) inside it."""
    return (
        Param(
            "style_group_id",
            "int",
            required=True,
            help="style group id from the v1 style-group list",
        ),
        Param(
            "style_ids",
            "json",
            required=True,
            help=(
                "list of style ids from the group (at most output_count)"
                if many_styles
                else "list with exactly one style id from the group"
            ),
        ),
    )


def output_count(*, v1: bool = False) -> Param:
    return Param(
        "output_count",
        "int",
        required=True,
        minimum=1,
        maximum=200,
        default=None,
        help="how many images to generate (1-200)",
        v1_place="custom" if v1 else "params",
    )


def dst_duration(
    *,
    v1: bool = False,
    choices: tuple[int, ...] = (),
    minimum: float | None = 1,
    maximum: float | None = None,
    default: int | None = None,
    help: str = "length of the result in whole seconds",  # noqa: A002 - fills Param.help
) -> Param:
    return Param(
        "dst_duration",
        "enum" if choices else "int",
        required=True,
        default=default,
        choices=choices,
        minimum=None if choices else minimum,
        maximum=None if choices else maximum,
        help=help,
        v1_place="custom" if v1 else "params",
    )


def per_count(param: str, table: tuple[tuple[int, int, float], ...]) -> CostFn:
    """Cost from a "lo-hi items cost C" table keyed by the length of a list param."""

    def cost(params: Mapping[str, object]) -> float | None:
        value = params.get(param)
        if not isinstance(value, (list, tuple)):
            return None
        n = len(value)
        for lo, hi, units in table:
            if lo <= n <= hi:
                return float(units)
        return None

    return cost


def per_block(param: str, block: int, units: float = 1.0) -> CostFn:
    """Cost "`units` per `block` items, rounded up" (headshot: 1 per 2 images)."""

    def cost(params: Mapping[str, object]) -> float | None:
        n = params.get(param)
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            return None
        return float(math.ceil(n / block) * units)

    return cost


def per_second(rate: float | CostFn) -> CostFn:
    """Cost "`rate` units per second of dst_duration" (rate may depend on params)."""

    def cost(params: Mapping[str, object]) -> float | None:
        d = params.get("dst_duration")
        r = rate(params) if callable(rate) else rate
        if r is None or not isinstance(d, (int, float)) or isinstance(d, bool) or d <= 0:
            return None
        return float(r * d)

    return cost


# ---------------------------------------------------------------- shared rules


def _int_list(value: object) -> TypeGuard[Sequence[int]]:
    return isinstance(value, (list, tuple)) and all(isinstance(x, int) and not isinstance(x, bool) for x in value)


def style_ids_rule(*, up_to_output_count: bool = False) -> Rule:
    """v1 ``style_ids``: a list of integer ids; one, or up to output_count (headshot group)."""

    def rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
        ids = params.get("style_ids")
        if ids is None:
            return []
        if not _int_list(ids) or not ids:
            return [
                Violation("style_ids", f"must be a list of integer style ids, e.g. [22205685004925400], got {ids!r}")
            ]
        if up_to_output_count:
            n = params.get("output_count")
            if isinstance(n, int) and len(ids) > n:
                return [
                    Violation(
                        "style_ids", f"{len(ids)} styles but output_count is {n}: pick at most output_count styles"
                    )
                ]
        elif len(ids) != 1:
            return [Violation("style_ids", f"{len(ids)} style ids given: pass exactly one")]
        return []

    return rule


def seed_rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    """v1-model text-to-image ``seed``: a list holding exactly one integer."""
    seed = params.get("seed")
    if seed is None:
        return []
    if not _int_list(seed) or len(seed) != 1:
        return [Violation("seed", f"must be a list with one integer, e.g. [42], got {seed!r}")]
    return []


def duration_matches_rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    """``dst_duration`` must be the video's length (error_unexpected_video_duration)."""
    d = params.get("dst_duration")
    lengths = [i.duration_s for i in ((inputs or {}).get("src") or []) if i.duration_s is not None]
    if not isinstance(d, int) or not lengths:
        return []
    length = lengths[0]
    if d not in (math.floor(length), math.ceil(length)):
        return [
            Violation(
                "dst_duration",
                f"dst_duration {d} s does not match the video length {length:g} s: set it to {math.ceil(length)}",
            )
        ]
    return []
