"""A local face pre-flight check.

`face_check` runs scikit-image's LBP frontal-face cascade locally to catch the
documented failures that otherwise cost units after upload: no face, several
faces for single-face features, and a face narrower than 60 % of the width for
skin analysis / skin simulation / face attribute analysis. It is advisory: the
cascade misses profiles and can see faces in texture, so the result carries
warnings and a suggested crop, and the caller decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np
from skimage import data, feature

from napari_youcam.imaging.convert import to_rgb8
from napari_youcam.limits import JsonObject


@dataclass(frozen=True)
class FaceBox:
    """A detected face rectangle in image pixels; ``index`` counts faces left to right."""

    index: int
    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def to_dict(self) -> JsonObject:
        return {"index": self.index, "left": self.left, "top": self.top, "width": self.width, "height": self.height}


# ------------------------------------------------------------------ local check


@dataclass(frozen=True)
class FaceRule:
    single: bool = True
    min_width_fraction: float | None = None


# Documented face rules (API-V2 §13): single face for analysis/makeup/hair/headshot;
# face ≥ 60 % of the image width for skin analysis, skin simulation and face
# attribute analysis. face-lift/reshape/swap pick a face by index, so several are fine.
FACE_RULES: dict[str, FaceRule] = {
    "skin-analysis": FaceRule(True, 0.6),
    "skin-simulation": FaceRule(True, 0.6),
    "face-attr-analysis": FaceRule(True, 0.6),
    "mu-transfer": FaceRule(True),
    "headshot": FaceRule(True),
    "hair-style": FaceRule(True),
    "hair-color": FaceRule(True),
    "hair-ext": FaceRule(True),
    "hair-bang": FaceRule(True),
    "hair-vol": FaceRule(True),
    "hair-curl": FaceRule(True),
    "face-lift": FaceRule(False),
    "face-reshape": FaceRule(False),
    "face-swap": FaceRule(False),
}
# The LBP cascade boxes the inner face (brows to mouth); the service measures the
# whole face. Widen by this factor before comparing with the 60 % rule.
FACE_WIDTH_FACTOR = 1.25
TARGET_FACE_FRACTION = 0.7  # middle of the recommended 60-80 %
DETECT_LONG_SIDE = 512


@dataclass(frozen=True)
class FaceCheck:
    """Outcome of the local pre-flight: advisory, never blocks on its own."""

    feature: str
    ok: bool
    faces: list[FaceBox]
    warnings: list[str] = field(default_factory=list)
    suggested_crop: tuple[int, int, int, int] | None = None  # x, y, w, h in source pixels
    image_size: tuple[int, int] = (0, 0)
    rule: FaceRule | None = None

    def to_dict(self) -> JsonObject:
        return {
            "feature": self.feature,
            "ok": self.ok,
            "faces": [f.to_dict() for f in self.faces],
            "warnings": list(self.warnings),
            "suggested_crop": list(self.suggested_crop) if self.suggested_crop else None,
            "image_size": list(self.image_size),
        }


@lru_cache(maxsize=1)
def _cascade() -> feature.Cascade:
    # skimage.data leaves this function unannotated
    return feature.Cascade(data.lbp_frontal_face_cascade_filename())  # type: ignore[no-untyped-call]


def detect_faces(arr: np.ndarray) -> list[FaceBox]:
    """Frontal faces (largest first) in source pixels, by the LBP cascade.

    Runs on a copy whose long side is at most 512 px (fast, and faces that matter
    for these rules are large). Detections smaller than 60 % of the largest are
    dropped: in a portrait they are texture false positives, in a group photo the
    real faces are of similar size and survive.
    """
    rgb = to_rgb8(arr)
    H, W = rgb.shape[:2]
    k = min(1.0, DETECT_LONG_SIDE / max(H, W))
    small = rgb
    if k < 1:
        small = cv2.resize(rgb, (max(1, round(W * k)), max(1, round(H * k))), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float64) / 255.0
    h, w = gray.shape
    short = min(h, w)
    min_side = max(24, round(short * 0.08))
    if short < min_side:
        return []
    dets = _cascade().detect_multi_scale(
        img=gray, scale_factor=1.2, step_ratio=1, min_size=(min_side, min_side), max_size=(short, short)
    )
    if not dets:
        return []
    dets.sort(key=lambda d: -d["width"] * d["height"])
    big = dets[0]["width"]
    dets = [d for d in dets if d["width"] >= 0.6 * big]
    dets.sort(key=lambda d: d["c"])  # left to right, like the service's lists
    return [FaceBox(i, d["c"] / k, d["r"] / k, d["width"] / k, d["height"] / k) for i, d in enumerate(dets)]


def _suggest_crop(face: FaceBox, W: int, H: int) -> tuple[int, int, int, int]:
    """A portrait crop in which the (widened) face spans ~70 % of the width."""
    fw = face.width * FACE_WIDTH_FACTOR
    cw = min(W, max(1, math.floor(fw / TARGET_FACE_FRACTION)))
    ch = min(H, max(1, round(cw * 4 / 3)))
    cx = face.left + face.width / 2 - cw / 2
    cy = face.top + face.height * 0.45 - ch * 0.42  # face a little above centre
    x = int(min(max(0, round(cx)), W - cw))
    y = int(min(max(0, round(cy)), H - ch))
    return x, y, cw, ch


def face_check(arr: np.ndarray, feature_key: str, *, short_min: int | None = None) -> FaceCheck:
    """Local pre-flight of the documented face rules of `feature_key` (advisory).

    ``short_min`` is the feature's minimum short side (its endpoint limits): a
    suggested crop below it gets a warning that it will be upscaled.
    """
    a = np.asarray(arr)
    H, W = a.shape[:2]
    rule = FACE_RULES.get(feature_key)
    if rule is None:
        return FaceCheck(
            feature_key, True, [], [f"{feature_key} has no documented face rule to check"], None, (W, H), None
        )
    faces = detect_faces(a)
    warnings: list[str] = []
    crop = None
    if not faces:
        warnings.append(
            f"no frontal face found: {feature_key} fails with error_no_face on images without "
            "a clear, frontal face (override if the detector missed it)"
        )
    else:
        if rule.single and len(faces) > 1:
            main = max(faces, key=lambda f: f.width)
            x, y, cw, ch = _suggest_crop(main, W, H) if rule.min_width_fraction else _single_crop(main, faces, W, H)
            crop = (x, y, cw, ch)
            warnings.append(
                f"{len(faces)} faces found but {feature_key} takes a single face: crop to one "
                f"person, e.g. x={x}, y={y}, w={cw}, h={ch}"
            )
        main = max(faces, key=lambda f: f.width)
        if rule.min_width_fraction:
            frac = main.width * FACE_WIDTH_FACTOR / W
            if frac < rule.min_width_fraction:
                crop = _suggest_crop(main, W, H)
                x, y, cw, ch = crop
                warnings.append(
                    f"the face spans about {frac:.0%} of the image width; {feature_key} needs at least "
                    f"{rule.min_width_fraction:.0%} (60-80 % recommended): crop to x={x}, y={y}, w={cw}, h={ch}"
                )
                if short_min and min(cw, ch) < short_min:
                    warnings.append(
                        f"that crop's short side ({min(cw, ch)} px) is below the feature's "
                        f"{short_min} px minimum and will be upscaled: a higher-resolution photo works better"
                    )
    return FaceCheck(feature_key, not warnings, faces, warnings, crop, (W, H), rule)


def _single_crop(main: FaceBox, faces: list[FaceBox], W: int, H: int) -> tuple[int, int, int, int]:
    """The widest crop around `main` that excludes the other faces' centres horizontally."""
    left, right = 0.0, float(W)
    cxm = main.left + main.width / 2
    for f in faces:
        if f is main:
            continue
        c = f.left + f.width / 2
        if c < cxm:
            left = max(left, (f.right + main.left) / 2)
        else:
            right = min(right, (f.left + main.right) / 2)
    x = int(math.floor(left))
    return x, 0, max(1, int(math.ceil(right)) - x), H
