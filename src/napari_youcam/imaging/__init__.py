"""Image helpers: numpy in, numpy out. No network, no Qt.

fit to a feature's limits and map results back (`fit`, `fit_mask`, `unfit`),
encode under the size cap (`encode`, `prepare`), Labels → masks (`labels_to_mask`,
`check_mask`, `mask_png_bytes`, `crop_for_mask`, `composite_crop`), image
extender plans (`plan_extend`, `extend_preview`), skin-analysis ZIPs
(`read_skin_zip`, `blend_masks`, `concern_color`, `scores_table`, `mask_stats`) and
local face checks (`detect_faces`, `face_check`), and image files
(`read_image_file`: EXIF orientation applied, decompression bombs refused).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# Eager: what `prepare` needs anyway. `fit`, `encode` and `prepare` are also the
# names of their modules, so the functions are bound here, after the modules.
from napari_youcam.imaging.convert import to_rgb8
from napari_youcam.imaging.encode import Encoded, encode, human_bytes, mask_png_bytes
from napari_youcam.imaging.fit import Transform, fit, fit_mask, fit_size, unfit
from napari_youcam.imaging.io import ImageHeader, apply_orientation, read_image_file, read_image_header
from napari_youcam.imaging.masks import check_mask, labels_to_mask, load_mask
from napari_youcam.imaging.prepare import Prepared, prepare, prepare_file

# Lazy (PEP 562): skin ZIPs, faces, extender, inpaint crops and video are imported on
# first use, so a command that only prepares an image does not pay for them.
_LAZY = {
    "extender": ("ExtendPlan", "extend_preview", "parse_aspect", "plan_extend", "prescale_image"),
    "faces": ("FaceBox", "FaceCheck", "detect_faces", "face_check"),
    "inpaint_crop": ("MaskCrop", "composite_crop", "crop_for_mask"),
    "skin": (
        "ConcernScore",
        "SkinResult",
        "blend_masks",
        "concern_color",
        "decode_mask",
        "mask_stats",
        "read_skin_zip",
        "scores_rows",
        "scores_table",
    ),
    "video": ("VIDEO_SUFFIXES", "VideoDecodeError", "read_video"),
}
_LAZY_NAME = {name: module for module, names in _LAZY.items() for name in names}

if TYPE_CHECKING:
    from napari_youcam.imaging.extender import ExtendPlan, extend_preview, parse_aspect, plan_extend, prescale_image
    from napari_youcam.imaging.faces import (
        FaceBox,
        FaceCheck,
        detect_faces,
        face_check,
    )
    from napari_youcam.imaging.inpaint_crop import MaskCrop, composite_crop, crop_for_mask
    from napari_youcam.imaging.skin import (
        ConcernScore,
        SkinResult,
        blend_masks,
        concern_color,
        decode_mask,
        mask_stats,
        read_skin_zip,
        scores_rows,
        scores_table,
    )
    from napari_youcam.imaging.video import VIDEO_SUFFIXES, VideoDecodeError, read_video


def __getattr__(name: str) -> object:
    module = _LAZY_NAME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "to_rgb8",
    "Transform",
    "fit",
    "fit_size",
    "fit_mask",
    "unfit",
    "Encoded",
    "encode",
    "human_bytes",
    "Prepared",
    "prepare",
    "prepare_file",
    "labels_to_mask",
    "check_mask",
    "load_mask",
    "mask_png_bytes",
    "MaskCrop",
    "crop_for_mask",
    "composite_crop",
    "ExtendPlan",
    "plan_extend",
    "extend_preview",
    "parse_aspect",
    "prescale_image",
    "ConcernScore",
    "SkinResult",
    "read_skin_zip",
    "decode_mask",
    "blend_masks",
    "concern_color",
    "mask_stats",
    "scores_rows",
    "scores_table",
    "FaceBox",
    "FaceCheck",
    "detect_faces",
    "face_check",
    "read_image_file",
    "read_image_header",
    "ImageHeader",
    "apply_orientation",
    "VIDEO_SUFFIXES",
    "VideoDecodeError",
    "read_video",
]
