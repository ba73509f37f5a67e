"""Video editing: replace a video's background, remove a masked object from a video.

Both bill by the second of video, which no request parameter states (there is no
``dst_duration``), so their cost is documented but not computed (``cost=None``).

Facts: the vendor OpenAPI contracts ``perfect-corp-ai_video_background_replace`` and
``_video_object_removal`` (docs/SOURCES.md, "Features added from the vendor contracts").
"""

from __future__ import annotations

from napari_youcam.limits import VIDEO_MAX_BYTES

from .blocks import MASK_V2, PLAIN_IMAGE, SRC_VIDEO, ref, v2
from .spec import Endpoint, FeatureSpec, Input, Limits, Param

_PER_SECOND = "2 per second of video (rounded up)"

VIDEO_BG_REPLACE = FeatureSpec(
    key="bg-replace-vid",
    title="AI Video Background Replace",
    family="video",
    summary="Put a background image behind the people in a video (no green screen).",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("bg-replace-vid"),
            inputs=(SRC_VIDEO, ref("the background image (JPG/PNG, long side ≤ 4096)", limits=PLAIN_IMAGE)),
            params=(
                Param(
                    "background_mode",
                    "enum",
                    default="crop",
                    choices=("crop", "stretch"),
                    help="crop: keep the background's aspect ratio and crop it to fill; "
                    "stretch: scale it to the video's size",
                ),
            ),
            # The output keeps the input resolution; no input size limit is stated.
            limits=Limits(
                long_max=None,
                formats=("mp4",),
                max_bytes=VIDEO_MAX_BYTES,
                fps_max=30,
                note="MP4 (MPEG-4 / H.264; aac/amr/mp3); only the first 600 s are kept; > 30 fps converted to 30",
            ),
            output="video",
            cost_note=_PER_SECOND,
        ),
    ),
    notes=(
        (
            "Videos longer than 600 s are not refused: the service keeps the first 600 s (billing of the rest "
            "is not stated)."
        ),
        "No video file-size limit is stated; the 100 MB video limit of the other video features is assumed.",
    ),
)

_MASK_FOR_VIDEO = Input(
    "mask",
    v2_fields=MASK_V2.v2_fields,
    v1_field=MASK_V2.v1_field,
    help="greyscale mask of one video frame (frame_idx), same size as the video, white = object to remove",
)

VIDEO_OBJ_REMOVAL = FeatureSpec(
    key="obj-rem-vid",
    title="AI Video Object Removal",
    family="video",
    summary="Remove a masked object from a whole video (up to 60 s).",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("obj-rem-vid"),
            inputs=(SRC_VIDEO, _MASK_FOR_VIDEO),
            params=(
                Param(
                    "frame_idx",
                    "int",
                    required=True,
                    minimum=0,
                    help="the video frame the mask was painted on: 0 = first frame, up to frames - 1",
                ),
            ),
            limits=Limits(
                long_max=1920,
                formats=("mp4", "mov"),
                max_bytes=VIDEO_MAX_BYTES,
                duration_max=60,
                fps_max=30,
                note="≤ 60 s, long side ≤ 1920, ≤ 30 fps; MPEG-4 / H.264; aac/amr/mp3",
            ),
            output="video",
            cost_note=_PER_SECOND,
        ),
    ),
    notes=(
        "The long-side (1920 px) and 30 fps limits are stated for the output; they are applied to the input.",
        (
            "The contract lists a per-feature upload path /s2s/v2.0/file/obj-rem-vid: the client's per-feature "
            "file fallback (/s2s/v2.0/file/<slug>), used when the generic v2 File API answers 404."
        ),
        (
            "Two schemas have a null property beside a $ref (the file reply's `data`, the status reply's "
            "`results`); read as: `data` is the usual file reply and `results` is {url}."
        ),
        "frame_idx cannot be checked against the frame count without decoding the video.",
    ),
)

VIDEO_EDIT = (VIDEO_BG_REPLACE, VIDEO_OBJ_REMOVAL)
