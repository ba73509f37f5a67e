"""Skin analysis result ZIPs: safe reading, scores, masks, blending, statistics.

The ZIP comes from the network, so it is treated as hostile: member names that
escape a folder (``..``, absolute paths, drive letters), members or totals larger
than sane limits, and compression ratios typical of decompression bombs are
rejected before anything is inflated, and the inflated sizes are checked again
while reading (a header may lie). Masks are decoded only after their PNG/JPEG
header says the pixel count is sane.

Scores keep both numbers the service returns: ``raw_score`` (the model's value,
what researchers want) first and ``ui_score`` (adjusted upward for consumer
display) second.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import posixpath
import re
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

import cv2
import numpy as np
from PIL import Image

from napari_youcam.errors import InputError
from napari_youcam.imaging.convert import _scale_to_u8, to_rgb8
from napari_youcam.imaging.io import quiet_codecs
from napari_youcam.limits import JsonObject

MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 100.0  # inflated / compressed, checked for members above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024 * 1024
MAX_MEMBERS = 500
MAX_PIXELS = 40_000_000  # a mask larger than 40 MP is not a skin-analysis mask

SCORE_FILE = "score_info.json"
_IMAGE_EXT = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class ConcernScore:
    """One score: ``raw_score`` (model output) and ``ui_score`` (consumer display)."""

    name: str
    raw_score: float | None
    ui_score: float | None
    mask_name: str | None = None
    extra: JsonObject = field(default_factory=dict)

    def as_dict(self) -> JsonObject:
        d: JsonObject = {
            "name": self.name,
            "raw_score": self.raw_score,
            "ui_score": self.ui_score,
            "mask_name": self.mask_name,
        }
        d.update(self.extra)
        return d


@dataclass
class SkinResult:
    """Parsed result: scores and masks keyed by the same names (``hd_pore.forehead``)."""

    scores: dict[str, ConcernScore]
    masks: dict[str, np.ndarray]
    skin_age: float | None = None
    overall: float | None = None
    raw: JsonObject = field(default_factory=dict)  # score_info.json as sent
    missing_masks: list[str] = field(default_factory=list)  # scored, but no mask in the ZIP
    extra_files: list[str] = field(default_factory=list)  # members we did not use


def _check_name(name: str) -> None:
    n = name.replace("\\", "/")
    if n.startswith("/") or re.match(r"^[A-Za-z]:", n):  # "/x" and "//host/x"
        raise InputError(f"unsafe result ZIP: member {name!r} has an absolute path; refusing to read it")
    if ".." in n.split("/"):
        raise InputError(f"unsafe result ZIP: member {name!r} points outside the archive (path traversal)")
    if "\x00" in n:
        raise InputError(f"unsafe result ZIP: member {name!r} contains a NUL character")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, max_member: int) -> bytes:
    """Inflate with a hard cap, independent of what the header claims."""
    with zf.open(info) as fh:
        data = fh.read(max_member + 1)
    if len(data) > max_member:
        raise InputError(
            f"unsafe result ZIP: member {info.filename!r} inflates beyond "
            f"{max_member // (1024 * 1024)} MiB (decompression bomb?)"
        )
    if len(data) != info.file_size:
        raise InputError(
            f"corrupt result ZIP: member {info.filename!r} is {len(data)} bytes, header says {info.file_size}"
        )
    return data


def _open_zip(src: str | os.PathLike[str] | bytes | io.IOBase) -> zipfile.ZipFile:
    try:
        if isinstance(src, (bytes, bytearray, memoryview)):
            return zipfile.ZipFile(io.BytesIO(bytes(src)))
        if isinstance(src, (str, os.PathLike)):
            return zipfile.ZipFile(Path(src))
        return zipfile.ZipFile(src)
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a ZIP file: {exc}") from None


def _flatten_scores(info: JsonObject) -> tuple[dict[str, ConcernScore], float | None, float | None]:
    """score_info.json → {name: ConcernScore}; nested areas become ``concern.area``.

    Every field we use is type-checked (the file comes from the network): a wrong
    type is an `InputError` naming the field, never a TypeError later on.
    """
    scores: dict[str, ConcernScore] = {}
    overall_field = info.get("all")
    if isinstance(overall_field, dict):
        overall = _num(overall_field.get("score"), "all.score")
    elif overall_field is None or isinstance(overall_field, (int, float, str)):
        overall = _num(overall_field, "all")
    else:
        raise _field_error("all", overall_field, "a number or an object with a score")

    def is_leaf(d: JsonObject) -> bool:
        return any(k in d for k in ("raw_score", "ui_score", "score", "output_mask_name"))

    def add(name: str, d: JsonObject) -> None:
        raw_key = "raw_score" if "raw_score" in d else "score"
        raw = _num(d.get(raw_key), f"{name}.{raw_key}")
        ui = _num(d.get("ui_score"), f"{name}.ui_score")
        mask_name = d.get("output_mask_name")
        if mask_name is not None and (not isinstance(mask_name, str) or not mask_name.strip()):
            raise _field_error(f"{name}.output_mask_name", mask_name, "a file name")
        extra = {
            k: v
            for k, v in d.items()
            if k not in ("raw_score", "ui_score", "output_mask_name", "score") and not isinstance(v, (dict, list))
        }
        scores[name] = ConcernScore(name, raw, ui, mask_name or None, extra)

    for concern, val in info.items():
        if concern in ("skin_age", "all") or not isinstance(val, dict):
            continue
        if is_leaf(val):
            add(concern, val)
        for area, sub in val.items():
            if isinstance(sub, dict) and is_leaf(sub):
                add(f"{concern}.{area}", sub)
    return scores, _num(info.get("skin_age"), "skin_age"), overall


def _field_error(field_name: str, value: object, wanted: str) -> InputError:
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return InputError(
        f"{SCORE_FILE}: field {field_name!r} should be {wanted}, got {shown} "
        f"({type(value).__name__}): the result file is damaged; download it again or run the task again"
    )


def _num(v: object, field_name: str) -> float | None:
    """A score value: a number (or numeric text) or missing/null → float | None."""
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise _field_error(field_name, v, "a number")
    try:
        f = float(v)
    except ValueError:
        raise _field_error(field_name, v, "a number") from None
    if not math.isfinite(f):
        raise _field_error(field_name, v, "a finite number")
    return f


def _image_size(data: bytes) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as im:  # header only
            return im.size
    except Image.DecompressionBombError as exc:
        raise InputError(f"unsafe result ZIP: a mask claims too many pixels ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - any decoder complaint means "not an image"
        raise InputError(f"a mask in the result ZIP is not a readable image: {exc}") from None


def decode_mask(
    data: bytes, name: str = "mask", max_pixels: int = MAX_PIXELS, *, alpha_only: bool = False
) -> np.ndarray:
    """PNG/JPEG bytes → RGBA (H, W, 4) or gray (H, W) uint8, refusing pixel bombs.

    ``alpha_only`` keeps just what blending needs, as (H, W): the alpha of an RGBA
    mask, the value of a gray one, the strongest channel of an RGB one (`mask_alpha`).
    """
    w, h = _image_size(data)
    if w * h > max_pixels:
        raise InputError(f"unsafe result ZIP: mask {name!r} claims {w}×{h} pixels (limit {max_pixels:,})")
    with quiet_codecs():
        arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        raise InputError(f"mask {name!r} in the result ZIP could not be decoded")
    if arr.dtype == np.uint16:
        arr = ((arr.astype(np.uint32) + 128) // 257).astype(np.uint8)
    if alpha_only:
        if arr.ndim == 3 and arr.shape[2] == 4:
            return np.ascontiguousarray(arr[:, :, 3])  # BGRA or RGBA: alpha is last either way
        return np.ascontiguousarray(mask_alpha(arr))
    if arr.ndim == 3 and arr.shape[2] == 4:
        cv2.cvtColor(arr, cv2.COLOR_BGRA2RGBA, dst=arr)
    elif arr.ndim == 3 and arr.shape[2] == 3:
        cv2.cvtColor(arr, cv2.COLOR_BGR2RGB, dst=arr)
    return arr


def _decode_all(jobs: list[tuple[str, bytes, str]], alpha_only: bool) -> dict[str, np.ndarray]:
    """Decode (key, bytes, member name) jobs on a pool sized to the cores (cv2 releases the GIL)."""
    if len(jobs) <= 1:
        return {k: decode_mask(b, n, alpha_only=alpha_only) for k, b, n in jobs}
    with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1)) as pool:
        arrays = list(pool.map(lambda j: decode_mask(j[1], j[2], alpha_only=alpha_only), jobs))
    return {k: a for (k, _, _), a in zip(jobs, arrays, strict=True)}


def read_skin_zip(
    path_or_bytes: str | os.PathLike[str] | bytes,
    *,
    max_member_bytes: int = MAX_MEMBER_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_ratio: float = MAX_RATIO,
    decode: bool = True,
    alpha_only: bool = False,
) -> SkinResult:
    """Read a skin-analysis result ZIP (``skinanalysisResult/...`` or flat).

    Masks are decoded on a thread pool sized to the cores; ``alpha_only`` keeps
    each as its (H, W) alpha plane (a quarter of the memory; all `blend_masks` needs).

    Raises `InputError` for unsafe or unusable archives. Masks named in the scores
    but absent are listed in ``missing_masks`` (the score is still returned);
    unrelated files are listed in ``extra_files``.
    """
    zf = _open_zip(path_or_bytes)
    with zf:
        infos = zf.infolist()
        _check_members(infos, max_member_bytes, max_total_bytes, max_ratio)
        files = [i for i in infos if not i.is_dir()]
        sinfo, raw = _read_score_file(zf, files, max_member_bytes)
        scores, skin_age, overall = _flatten_scores(raw)
        picked, missing = _pick_masks(scores, files)
        jobs = [(key, _read_member(zf, i, max_member_bytes), i.filename) for key, i in picked] if decode else []
        used = {i.filename for _, i in picked}
        extra = [i.filename for i in files if i.filename not in used and i is not sinfo]
    masks = _decode_all(jobs, alpha_only)
    return SkinResult(scores, masks, skin_age, overall, raw, missing, extra)


def _check_members(infos: list[zipfile.ZipInfo], max_member: int, max_total: int, max_ratio: float) -> None:
    """Refuse unsafe names, too many or too large members and bomb-like compression ratios."""
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"unsafe result ZIP: {len(infos)} members (limit {MAX_MEMBERS})")
    total = 0
    for i in infos:
        _check_name(i.filename)
        if i.file_size > max_member:
            raise InputError(
                f"unsafe result ZIP: member {i.filename!r} declares {i.file_size:,} bytes (limit {max_member:,})"
            )
        total += i.file_size
        if i.file_size >= RATIO_MIN_BYTES and i.file_size > max_ratio * max(i.compress_size, 1):
            raise InputError(
                f"unsafe result ZIP: member {i.filename!r} compresses "
                f"{i.file_size / max(i.compress_size, 1):.0f}:1 (decompression bomb?)"
            )
    if total > max_total:
        raise InputError(f"unsafe result ZIP: {total:,} bytes uncompressed in total (limit {max_total:,})")


def _read_score_file(
    zf: zipfile.ZipFile, files: list[zipfile.ZipInfo], max_member: int
) -> tuple[zipfile.ZipInfo, JsonObject]:
    """The score file (the shallowest, preferring ``skinanalysisResult/``) and its JSON object."""
    score_infos = [i for i in files if _base(i) == SCORE_FILE]
    if not score_infos:
        raise InputError(
            f"not a skin analysis result: no {SCORE_FILE} in the ZIP "
            f"(it holds {', '.join(i.filename for i in files[:8]) or 'nothing'})"
        )
    score_infos.sort(key=lambda i: (i.filename.count("/"), "skinanalysisresult" not in i.filename.lower()))
    sinfo = score_infos[0]
    try:
        raw = json.loads(_read_member(zf, sinfo, max_member).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{sinfo.filename} is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{sinfo.filename} should hold a JSON object")
    return sinfo, raw


def _base(info: zipfile.ZipInfo) -> str:
    return posixpath.basename(info.filename.replace("\\", "/"))


def _pick_masks(
    scores: dict[str, ConcernScore], files: list[zipfile.ZipInfo]
) -> tuple[list[tuple[str, zipfile.ZipInfo]], list[str]]:
    """The (key, member) masks to read, and the scores whose named mask is absent.

    Scored masks are keyed by their score's name; masks no score names (e.g.
    ``hd_pore_output_all.png``) by their file stem.
    """
    by_base: dict[str, zipfile.ZipInfo] = {}
    for i in files:
        b = _base(i)
        if b.lower().endswith(_IMAGE_EXT):
            by_base.setdefault(b, i)
    picked: list[tuple[str, zipfile.ZipInfo]] = []
    used: set[str] = set()
    missing: list[str] = []
    for name, sc in scores.items():
        if not sc.mask_name:
            continue
        member = by_base.get(posixpath.basename(sc.mask_name))
        if member is None:
            missing.append(name)
            continue
        used.add(member.filename)
        picked.append((name, member))
    for b, i in by_base.items():
        if i.filename in used:
            continue
        stem = b.rsplit(".", 1)[0]
        if not re.search(r"(_output|tear_trough|skin_type)", stem):
            continue
        used.add(i.filename)
        key = stem if stem not in {k for k, _ in picked} else i.filename
        picked.append((key, i))
    return picked, missing


# ---------------------------------------------------------------- colours

_PALETTE = {
    "wrinkle": (255, 64, 64),
    "pore": (255, 170, 0),
    "texture": (170, 110, 255),
    "acne": (230, 30, 120),
    "oiliness": (255, 230, 40),
    "radiance": (255, 255, 170),
    "eye_bag": (90, 120, 255),
    "age_spot": (150, 90, 40),
    "dark_circle": (70, 40, 150),
    "dark_circle_v2": (70, 40, 150),
    "droopy_upper_eyelid": (0, 200, 200),
    "droopy_lower_eyelid": (0, 140, 170),
    "firmness": (80, 220, 90),
    "moisture": (40, 170, 255),
    "redness": (255, 20, 20),
    "tear_trough": (200, 80, 255),
    "skin_type": (160, 160, 160),
}


def _concern_key(name: str) -> str:
    base = posixpath.basename(name).split(".")[0]
    base = re.sub(r"^hd_", "", base)
    base = re.sub(r"_output(_\w+)?$", "", base)
    return base


def concern_color(name: str) -> tuple[int, int, int]:
    """A fixed, distinguishable colour per concern (HD/SD and sub-areas share it)."""
    key = _concern_key(name)
    if key in _PALETTE:
        return _PALETTE[key]
    h = zlib.crc32(key.encode()) % 180
    hsv = np.array([[[h, 200, 255]]], np.uint8)
    r, g, b = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0]
    return int(r), int(g), int(b)


# ---------------------------------------------------------------- blending


def mask_alpha(mask: np.ndarray) -> np.ndarray:
    """The alpha a mask contributes: RGBA → A; gray/L → its value; RGB → max channel."""
    m = np.asarray(mask)
    if m.dtype != np.uint8:
        m = _scale_to_u8(m)
    if m.ndim == 2:
        return m
    if m.shape[2] == 4:
        return m[:, :, 3]
    if m.shape[2] == 2:
        return m[:, :, 1]
    strongest: np.ndarray = m.max(axis=2)
    return strongest


def blend_masks(
    src: np.ndarray,
    masks: dict[str, np.ndarray] | SkinResult,
    *,
    names: list[str] | None = None,
    opacity: float = 0.6,
    colors: dict[str, tuple[int, int, int]] | None = None,
) -> np.ndarray:
    """Composite masks over `src` in concern colours → (H, W, 3) uint8.

    Each mask's alpha (as the PNG gives it) times ``opacity`` weights its colour
    over the running composite, in the order of ``names`` (default: all).
    Masks of another size are resized to the source frame (bilinear on alpha).
    The lerp runs in place in uint16 on the three colour planes (contiguous, so
    numpy vectorises it), only inside each mask's bounding box, in row bands
    on all cores; the result equals Pillow's paste of the colour through the alpha.
    """
    if isinstance(masks, SkinResult):
        masks = masks.masks
    if not 0.0 <= opacity <= 1.0:
        raise InputError(f"opacity must be within 0..1, got {opacity}")
    base = to_rgb8(src)
    H, W = base.shape[:2]
    if names is None:
        names = list(masks)
    unknown = [n for n in names if n not in masks]
    if unknown:
        raise InputError(f"no mask named {', '.join(unknown)}; available: {', '.join(masks) or 'none'}")
    planes = [np.ascontiguousarray(base[:, :, c]) for c in range(3)]
    lut = np.rint(np.arange(256) * opacity).astype(np.uint8) if opacity < 1.0 else None
    for n in names:
        a = mask_alpha(masks[n])
        if a.shape != (H, W):
            a = cv2.resize(a, (W, H), interpolation=cv2.INTER_LINEAR)
        if lut is not None:
            a = cv2.LUT(a, lut)
        color = (colors or {}).get(n) or concern_color(n)
        _lerp_planes(planes, np.ascontiguousarray(a), tuple(int(c) for c in color))
    return cv2.merge(planes)


def _lerp_planes(planes: list[np.ndarray], alpha: np.ndarray, color: tuple[int, ...]) -> None:
    """planes = (planes·(255−a) + color·a + 127) // 255 in place, inside alpha's bounding box.

    Large boxes are cut into row bands blended on a pool sized to the cores
    (numpy releases the GIL inside each operation).
    """
    x, y, w, h = cv2.boundingRect(alpha)
    if w == 0 or h == 0:
        return
    workers = min(os.cpu_count() or 1, max(1, (w * h) // _BAND_PIXELS))
    if workers == 1:
        _lerp_band(planes, alpha, color, x, w, y, y + h)
        return
    edges: list[int] = np.linspace(y, y + h, workers + 1).astype(int).tolist()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda i: _lerp_band(planes, alpha, color, x, w, edges[i], edges[i + 1]), range(workers)))


_BAND_PIXELS = 1 << 20  # below ~1 MP a thread costs more than it saves


def _lerp_band(
    planes: list[np.ndarray], alpha: np.ndarray, color: tuple[int, ...], x: int, w: int, y0: int, y1: int
) -> None:
    a16 = alpha[y0:y1, x : x + w].astype(np.uint16)
    keep = np.subtract(255, a16, dtype=np.uint16)
    t = np.empty_like(a16)
    va = np.empty_like(a16)
    for plane, v in zip(planes, color, strict=True):
        view = plane[y0:y1, x : x + w]
        np.multiply(view, keep, out=t, dtype=np.uint16)  # ≤ 255·255: no overflow in uint16
        np.multiply(a16, np.uint16(v), out=va)
        t += va
        t += 127
        np.floor_divide(t, np.uint16(255), out=t)
        np.copyto(view, t, casting="unsafe")


# ---------------------------------------------------------------- tables


class MaskStat(TypedDict):
    """One row of `mask_stats`."""

    name: str
    width: int
    height: int
    area_fraction: float
    mean_alpha: float


class ScoreRow(TypedDict):
    """One row of `scores_rows`; the mask statistics are None without a mask."""

    name: str
    raw_score: float | None
    ui_score: float | None
    mask: str | None
    has_mask: bool
    area_fraction: float | None
    mean_alpha: float | None


def mask_stats(masks: dict[str, np.ndarray] | SkinResult) -> list[MaskStat]:
    """Per mask: size, area fraction (alpha > 0) and mean alpha (0..1) inside it."""
    if isinstance(masks, SkinResult):
        masks = masks.masks
    rows: list[MaskStat] = []
    for n, m in masks.items():
        a = mask_alpha(m)
        nz = int(cv2.countNonZero(a))
        total = a.size
        mean_in = float(a.sum(dtype=np.uint64)) / (255.0 * nz) if nz else 0.0
        rows.append(
            {
                "name": n,
                "width": a.shape[1],
                "height": a.shape[0],
                "area_fraction": nz / total if total else 0.0,
                "mean_alpha": mean_in,
            }
        )
    return rows


def scores_rows(result: SkinResult) -> list[ScoreRow]:
    """One row per score, raw_score before ui_score, with mask statistics merged in."""
    stats = {r["name"]: r for r in mask_stats(result.masks)}
    rows: list[ScoreRow] = []
    for n, s in result.scores.items():
        st = stats.get(n)
        rows.append(
            {
                "name": n,
                "raw_score": s.raw_score,
                "ui_score": s.ui_score,
                "mask": s.mask_name,
                "has_mask": n in result.masks,
                "area_fraction": st["area_fraction"] if st else None,
                "mean_alpha": st["mean_alpha"] if st else None,
            }
        )
    return rows


def scores_table(result: SkinResult, fmt: str = "csv") -> str:
    """Scores as CSV or JSON text (skin age and overall score included)."""
    rows = scores_rows(result)
    if fmt == "json":
        return json.dumps(
            {
                "skin_age": result.skin_age,
                "overall": result.overall,
                "scores": rows,
                "missing_masks": result.missing_masks,
            },
            indent=2,
        )
    if fmt != "csv":
        raise InputError(f"format must be 'csv' or 'json', not {fmt!r}")
    buf = io.StringIO()
    cols = ["name", "raw_score", "ui_score", "mask", "has_mask", "area_fraction", "mean_alpha"]
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: "" if v is None else (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
    if result.skin_age is not None:
        w.writerow({"name": "skin_age", "raw_score": f"{result.skin_age:.6g}"})
    if result.overall is not None:
        w.writerow({"name": "all", "raw_score": f"{result.overall:.6g}"})
    return buf.getvalue()
