"""Reading an image file into a numpy array: one reader for the workflow and the CLI.

Files come from users (phones, scanners, other tools), so this is where hostile
or surprising input is turned into either a plain array or an `InputError` that
says what to change — before anything is uploaded:

* the EXIF orientation is applied, so a phone photo is sent the way every viewer
  shows it (re-encoding drops the tag: an unrotated upload would come back sideways);
* a file declaring more pixels than Pillow's decompression-bomb limit
  (``PIL.Image.MAX_IMAGE_PIXELS`` × 2) is refused from its header, before any
  decoding (a tiny PNG can declare 30000×30000);
* empty, truncated or non-image files raise `InputError` instead of a traceback;
* 16-bit data stays 16-bit (gray via Pillow, RGB(A) PNGs via OpenCV, which Pillow
  would cut to 8 bits); palette, CMYK and other modes become RGB(A);
* ``.npy`` files are loaded as they are (no pickles).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from napari_youcam.errors import InputError

_KEEP_MODES = ("L", "RGB", "RGBA", "I;16", "I", "F")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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


def _cv2_decode(data: np.ndarray) -> np.ndarray | None:
    import cv2

    try:
        arr = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    except cv2.error:
        return None
    if arr is None:
        return None
    if arr.ndim == 3 and arr.shape[2] == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
    elif arr.ndim == 3 and arr.shape[2] == 4:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGRA2RGBA)
    return arr


def _native(a: np.ndarray) -> np.ndarray:
    """Big-endian samples (Pillow's I;16B) in native byte order, so dtype checks work."""
    if not a.dtype.isnative:
        return a.astype(a.dtype.newbyteorder("="))
    return a


def read_image_file(path: str | Path, *, what: str = "image") -> np.ndarray:
    """The pixels of an image file (or a ``.npy`` array) as a numpy array, upright.

    ``what`` names the input in messages ("source", "mask", ...). Raises
    `InputError` for a missing, empty, unreadable or oversized file.
    """
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    if not p.is_file():
        raise InputError(f"{what}: no such file: {p}")
    if p.suffix.lower() == ".npy":
        try:
            return np.load(p, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"{what}: cannot read {p.name} as a numpy array ({exc})") from None
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            head = fh.read(32)
    except OSError as exc:
        raise InputError(f"{what}: cannot read {p}: {exc.strerror or exc}") from None
    if size == 0:
        raise InputError(f"{what}: {p.name} is empty (0 bytes): choose an image file")
    limit = Image.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            # Between 1× and 2× the limit Pillow only warns; a large panorama is legitimate.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(p) as im:  # reads the header only
                try:
                    orientation = int(im.getexif().get(0x0112, 1) or 1)
                except Exception:  # noqa: BLE001 - a broken EXIF block must not block the photo
                    orientation = 1
                if im.mode in ("RGB", "RGBA") and _png_bit_depth(head) == 16:
                    arr = _cv2_decode(np.fromfile(p, np.uint8))  # keep the 16 bits Pillow drops
                    if arr is None:
                        raise OSError("the 16-bit PNG could not be decoded")
                else:
                    im.load()
                    img = im
                    if img.mode not in _KEEP_MODES:
                        img = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info
                                          else "RGB")
                    arr = _native(np.asarray(img))
    except Image.DecompressionBombError as exc:
        m = re.search(r"\((\d+) pixels\)", str(exc))
        declared = f"{int(m.group(1)):,} pixels" if m else "more pixels than allowed"
        raise InputError(
            f"{what}: {p.name} declares {declared}; images over {2 * limit:,} pixels are refused "
            "(decompression-bomb guard): use a smaller image") from None
    except UnidentifiedImageError:
        # Formats Pillow does not know (some TIFF/EXR flavours): let OpenCV try.
        arr = _cv2_decode(np.fromfile(p, np.uint8))
        if arr is None:
            raise InputError(f"{what}: {p.name} is not an image we can read "
                             "(PNG, JPEG, TIFF, BMP, WebP or .npy)") from None
        return arr
    except (OSError, ValueError, SyntaxError) as exc:
        raise InputError(f"{what}: cannot read {p.name} as an image ({exc})") from None
    return np.ascontiguousarray(apply_orientation(arr, orientation))
