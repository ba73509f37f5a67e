"""Reading an image file into a numpy array: one reader for the workflow and the CLI.

Files come from users (phones, scanners, other tools), so this is where hostile
or surprising input is turned into either a plain array or an `InputError` that
says what to change — before anything is uploaded:

* the EXIF orientation is applied, so a phone photo is sent the way every viewer
  shows it (re-encoding drops the tag: an unrotated upload would come back sideways);
* a file declaring more pixels than Pillow's decompression-bomb limit
  (``PIL.Image.MAX_IMAGE_PIXELS`` × 2) is refused from its header, before any
  decoding (a tiny PNG can declare 30000×30000);
* animated GIF/WebP/PNG and multi-page TIFF are refused with their frame count
  unless a ``frame`` is chosen (sending the first frame silently would charge for
  a picture the user may not have meant);
* empty, truncated or non-image files raise `InputError` instead of a traceback,
  and the codecs' own warnings are kept off stderr;
* 16-bit data stays 16-bit (gray via Pillow, RGB(A) PNGs via OpenCV, which Pillow
  would cut to 8 bits); palette, CMYK and other modes become RGB(A);
* ``.npy`` files are loaded as they are (no pickles).

Speed: Pillow reads the header (size, EXIF, frame count, bomb check); 8-bit
JPEG and PNG pixels are decoded by OpenCV straight into RGB order (one buffer, no
PIL→numpy copy), and a JPEG can be decoded at ÷2/÷4/÷8 by DCT scaling when the
caller will shrink it anyway (``reduce``; see `decode_reduction`).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from napari_youcam.errors import InputError

_KEEP_MODES = ("L", "RGB", "RGBA", "I;16", "I", "F")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# OpenCV decoder flags: DCT-scaled JPEG decoding (÷2/÷4/÷8) on top of colour/gray, EXIF left to us
_REDUCE_FLAGS = {1: 0, 2: 16, 4: 32, 8: 64}
REDUCTIONS = (8, 4, 2)
REDUCE_MARGIN = {2: 1.5, 4: 2.5, 8: 4.5}  # see `decode_reduction`

# OpenCV logs decoder complaints ("read_chunk ... too large", "buffer is incomplete")
# on stderr beside our one-line error; the failure itself is reported by us.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)

_quiet_lock = threading.Lock()
_quiet_state: dict[str, int] = {"depth": 0, "saved_fd": -1}


@contextmanager
def quiet_codecs() -> Iterator[None]:
    """Keep libpng/libjpeg's own messages (written straight to file descriptor 2) off stderr.

    Used around OpenCV decodes only; the decode's failure is reported by us as one
    line. Nested and concurrent uses (the skin-mask pool) share one redirection.
    """
    with _quiet_lock:
        if _quiet_state["depth"] == 0:
            sys.stderr.flush()
            try:
                saved = os.dup(2)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.close(devnull)
            except OSError:  # no fd 2 (a pythonw-like host): nothing to silence
                saved = -1
            _quiet_state["saved_fd"] = saved
        _quiet_state["depth"] += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet_state["depth"] -= 1
            saved = _quiet_state["saved_fd"]
            if _quiet_state["depth"] == 0 and saved >= 0:
                os.dup2(saved, 2)
                os.close(saved)
                _quiet_state["saved_fd"] = -1


@dataclass(frozen=True)
class ImageHeader:
    """What the header of an image file says, read without decoding pixels.

    ``size`` is (w, h) *after* the EXIF orientation (what viewers show).
    """

    path: Path
    format: str  # Pillow's format name ("JPEG", "PNG", "GIF", ...)
    mode: str
    size: tuple[int, int]
    frames: int
    orientation: int
    bit_depth: int | None  # PNG only


def apply_orientation(arr: np.ndarray, orientation: int) -> np.ndarray:
    """Rotate/flip an (H, W[, C]) array the way EXIF ``orientation`` (1-8) asks viewers to.

    The same mapping as `PIL.ImageOps.exif_transpose`.
    """
    o = int(orientation or 1)
    if o == 2:
        return arr[:, ::-1]
    if o == 3:
        return arr[::-1, ::-1]
    if o == 4:
        return arr[::-1]
    if o == 5:
        return arr.swapaxes(0, 1)
    if o == 6:
        return np.rot90(arr, -1)
    if o == 7:
        return arr[::-1, ::-1].swapaxes(0, 1)
    if o == 8:
        return np.rot90(arr, 1)
    return arr


def _png_bit_depth(head: bytes) -> int | None:
    if head.startswith(_PNG_SIGNATURE) and len(head) > 24 and head[12:16] == b"IHDR":
        return head[24]
    return None


def _cv2_decode(data: np.ndarray, flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray | None:
    """Decode with OpenCV into RGB(A) order (in place); None when OpenCV cannot."""
    try:
        with quiet_codecs():
            arr = cv2.imdecode(data, flags)
    except cv2.error:
        return None
    if arr is None:
        return None
    if flags != cv2.IMREAD_UNCHANGED and flags & cv2.IMREAD_COLOR_RGB:
        return arr
    if arr.ndim == 3 and arr.shape[2] == 3:
        cv2.cvtColor(arr, cv2.COLOR_BGR2RGB, dst=arr)
    elif arr.ndim == 3 and arr.shape[2] == 4:
        cv2.cvtColor(arr, cv2.COLOR_BGRA2RGBA, dst=arr)
    return arr


def _native(a: np.ndarray) -> np.ndarray:
    """Big-endian samples (Pillow's I;16B) in native byte order, so dtype checks work."""
    if not a.dtype.isnative:
        return a.astype(a.dtype.newbyteorder("="))
    return a


def _orientation(im: Image.Image) -> int:
    if im.format == "PNG" and "exif" not in im.info:
        return 1  # Pillow would decode the whole PNG looking for an eXIf chunk after the pixels
    try:
        return int(im.getexif().get(0x0112, 1) or 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not block the photo
        return 1


def _bomb_error(exc: Exception, p: Path, what: str) -> InputError:
    m = re.search(r"\((\d+) pixels\)", str(exc))
    declared = f"{int(m.group(1)):,} pixels" if m else "more pixels than allowed"
    cap = 2 * (Image.MAX_IMAGE_PIXELS or 0)  # Pillow raises this error only while the guard is set
    return InputError(
        f"{what}: {p.name} declares {declared}; images over {cap:,} pixels are "
        "refused (decompression-bomb guard): use a smaller image"
    )


def _check_file(p: Path, what: str) -> bytes:
    """The first bytes of an existing, non-empty file, or `InputError`."""
    if not p.is_file():
        raise InputError(f"{what}: no such file: {p}")
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            head = fh.read(32)
    except OSError as exc:
        raise InputError(f"{what}: cannot read {p}: {exc.strerror or exc}") from None
    if size == 0:
        raise InputError(f"{what}: {p.name} is empty (0 bytes): choose an image file")
    return head


def _header_of(im: Image.Image, p: Path, head: bytes) -> ImageHeader:
    o = _orientation(im)
    w, h = im.size
    if o in (5, 6, 7, 8):
        w, h = h, w
    return ImageHeader(
        p, im.format or "", im.mode, (w, h), int(getattr(im, "n_frames", 1) or 1), o, _png_bit_depth(head)
    )


def read_image_header(path: str | Path, *, what: str = "image") -> ImageHeader | None:
    """The header of an image file (None for ``.npy`` and formats only OpenCV reads).

    Raises `InputError` for a missing, empty, unreadable or oversized file.
    """
    p = Path(path)
    head = _check_file(p, what)
    if p.suffix.lower() == ".npy":
        return None
    try:
        with warnings.catch_warnings():
            # Between 1× and 2× the limit Pillow only warns; a large panorama is legitimate.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(p) as im:  # reads the header only
                return _header_of(im, p, head)
    except Image.DecompressionBombError as exc:
        raise _bomb_error(exc, p, what) from None
    except UnidentifiedImageError:
        return None
    except (OSError, ValueError, SyntaxError) as exc:
        raise InputError(f"{what}: cannot read {p.name} as an image ({exc})") from None


def _check_frame(hdr: ImageHeader, frame: int | None, what: str) -> int:
    n = hdr.frames
    if frame is None:
        if n > 1:
            raise InputError(f"{what}: {hdr.path.name} has {n} frames: pass --frame N (0–{n - 1})")
        return 0
    if n == 1 and frame != 0:
        raise InputError(f"{what}: {hdr.path.name} has one frame; there is no frame {frame}: leave out --frame")
    if not 0 <= frame < n:
        raise InputError(
            f"{what}: {hdr.path.name} has {n} frames; there is no frame {frame}: pass --frame N (0–{n - 1})"
        )
    return frame


def decode_reduction(hdr: ImageHeader | None, target: tuple[int, int]) -> int:
    """The largest DCT scale (8, 4, 2 or 1) for decoding a JPEG that will be area-resized to `target`.

    Only for 8-bit RGB/gray JPEGs. The scaled decode is a softer filter than an
    area average, so the area step after it needs room: the decoded size must be
    at least `REDUCE_MARGIN`[k] × `target` (measured on a detailed photo: ≥ 38.5 dB
    against a float64 area resize of the full decode), or exactly `target`.
    """
    if hdr is None or hdr.format != "JPEG" or hdr.mode not in ("RGB", "L"):
        return 1
    w, h = hdr.size
    tw, th = target
    for k in REDUCTIONS:
        exact = w % k == 0 and h % k == 0 and (w // k, h // k) == (tw, th)
        if exact or (w // k >= REDUCE_MARGIN[k] * tw and h // k >= REDUCE_MARGIN[k] * th):
            return k
    return 1


def _fast_decode(hdr: ImageHeader, reduce: int) -> np.ndarray | None:
    """8-bit JPEG/PNG pixels through OpenCV (None: let Pillow do it)."""
    if hdr.format == "JPEG" and hdr.mode in ("RGB", "L"):
        base = cv2.IMREAD_COLOR_RGB if hdr.mode == "RGB" else cv2.IMREAD_GRAYSCALE
        flags = base | _REDUCE_FLAGS[reduce] | cv2.IMREAD_IGNORE_ORIENTATION
    elif hdr.format == "PNG" and hdr.mode in ("RGB", "RGBA", "L") and hdr.bit_depth == 8:
        flags = cv2.IMREAD_UNCHANGED
    else:
        return None
    return _cv2_decode(np.fromfile(hdr.path, np.uint8), flags)


def _pillow_decode(hdr: ImageHeader, frame: int) -> np.ndarray:
    with Image.open(hdr.path) as im:
        if frame:
            im.seek(frame)
        if im.mode in ("RGB", "RGBA") and hdr.bit_depth == 16:
            arr = _cv2_decode(np.fromfile(hdr.path, np.uint8))  # keep the 16 bits Pillow drops
            if arr is None:
                raise OSError("the 16-bit PNG could not be decoded")
            return arr
        im.load()
        img: Image.Image = im
        if img.mode not in _KEEP_MODES:
            img = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")
        return _native(np.asarray(img))


def read_image_file(path: str | Path, *, what: str = "image", frame: int | None = None, reduce: int = 1) -> np.ndarray:
    """The pixels of an image file (or a ``.npy`` array) as a numpy array, upright.

    ``what`` names the input in messages ("source", "mask", ...). A file with
    several frames (animated GIF/WebP/PNG, multi-page TIFF) is refused with its
    frame count unless ``frame`` (0-based) picks one. ``reduce`` (1, 2, 4, 8) lets
    an 8-bit JPEG be decoded that many times smaller on each side (DCT scaling);
    other files ignore it, so callers compare the returned size. Raises
    `InputError` for a missing, empty, unreadable or oversized file.
    """
    if reduce not in _REDUCE_FLAGS:
        raise InputError(f"reduce must be one of 1, 2, 4, 8, not {reduce}")
    if frame is not None and (isinstance(frame, bool) or not isinstance(frame, int)):
        raise InputError(f"frame must be a whole number, not {frame!r}")
    p = Path(path)
    hdr = read_image_header(p, what=what)
    if hdr is None:
        return _read_without_header(p, what, frame)
    index = _check_frame(hdr, frame, what)
    arr = _fast_decode(hdr, reduce) if index == 0 else None
    if arr is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                arr = _pillow_decode(hdr, index)
        except Image.DecompressionBombError as exc:
            raise _bomb_error(exc, p, what) from None
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise InputError(f"{what}: cannot read {p.name} as an image ({exc})") from None
    return np.ascontiguousarray(apply_orientation(arr, hdr.orientation))


def _read_without_header(p: Path, what: str, frame: int | None) -> np.ndarray:
    """``.npy`` arrays, and formats Pillow does not know (some TIFF/EXR flavours) via OpenCV."""
    if p.suffix.lower() == ".npy":
        try:
            loaded: np.ndarray = np.load(p, allow_pickle=False)
            return loaded
        except (OSError, ValueError) as exc:
            raise InputError(f"{what}: cannot read {p.name} as a numpy array ({exc})") from None
    if frame:
        raise InputError(f"{what}: {p.name} has one frame; there is no frame {frame}: leave out --frame")
    arr = _cv2_decode(np.fromfile(p, np.uint8))
    if arr is None:
        raise InputError(f"{what}: {p.name} is not an image we can read (PNG, JPEG, TIFF, BMP, WebP or .npy)")
    return arr
