"""Image helpers: numpy in, numpy out. No network, no Qt.

fit to a feature's limits and map results back (`fit`, `fit_mask`, `unfit`),
encode under the size cap (`encode`, `prepare`), Labels → masks (`labels_to_mask`,
`check_mask`, `mask_png_bytes`, `crop_for_mask`, `composite_crop`), image
extender plans (`plan_extend`, `extend_preview`), skin-analysis ZIPs
(`read_skin_zip`, `blend_masks`, `concern_color`, `scores_table`, `mask_stats`) and
face boxes / local face checks (`face_boxes`, `face_check`), and image files
(`read_image_file`: EXIF orientation applied, decompression bombs refused).
"""

from napari_youcam.imaging.convert import to_rgb8
from napari_youcam.imaging.encode import Encoded, encode, human_bytes, mask_png_bytes
from napari_youcam.imaging.extender import ExtendPlan, extend_preview, parse_aspect, plan_extend, prescale_image
from napari_youcam.imaging.faces import FaceBox, FaceCheck, boxes_to_shapes, detect_faces, face_boxes, face_check
from napari_youcam.imaging.fit import Transform, fit, fit_mask, fit_size, unfit
from napari_youcam.imaging.io import ImageHeader, apply_orientation, read_image_file, read_image_header
from napari_youcam.imaging.inpaint_crop import MaskCrop, composite_crop, crop_for_mask
from napari_youcam.imaging.masks import check_mask, labels_to_mask, load_mask
from napari_youcam.imaging.prepare import Prepared, prepare, prepare_file
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

__all__ = [
    "to_rgb8", "Transform", "fit", "fit_size", "fit_mask", "unfit", "Encoded", "encode", "human_bytes",
    "Prepared", "prepare", "prepare_file", "labels_to_mask", "check_mask", "load_mask", "mask_png_bytes", "MaskCrop", "crop_for_mask",
    "composite_crop", "ExtendPlan", "plan_extend", "extend_preview", "parse_aspect", "prescale_image",
    "ConcernScore", "SkinResult", "read_skin_zip", "decode_mask", "blend_masks", "concern_color",
    "mask_stats", "scores_rows", "scores_table", "FaceBox", "FaceCheck", "face_boxes", "boxes_to_shapes",
    "detect_faces", "face_check", "read_image_file", "read_image_header", "ImageHeader", "apply_orientation",
    "VIDEO_SUFFIXES", "VideoDecodeError", "read_video",
]
