"""Plain types for input limits and their checks, shared by `features` and `imaging`.

A leaf module: it imports nothing of the package, so `imaging` (numpy helpers) can
read an endpoint's limits without depending on the feature catalogue. The upload
byte caps live here too: the documents say "< 10MB" for images and "< 100MB" for
videos, read as strictly below 10 MiB / 100 MiB, and every layer (catalogue
limits, the client's upload check, the sandbox) uses these two constants. The
alias `JsonObject` names an untyped JSON mapping, for every layer alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

#: An untyped JSON mapping (a service reply, a record read from disk): its values
#: depend on the feature and the generation, so readers narrow them where used.
JsonObject: TypeAlias = dict[str, Any]

#: The image extender's (out-paint) ten geometry parameters: the canvas, where the photo
#: sits on it, and the crop of the photo. The catalogue validates them; imaging plans them.
OUTPAINT_NAMES = (
    "output_width",
    "output_height",
    "input_x",
    "input_y",
    "input_width",
    "input_height",
    "crop_input_x",
    "crop_input_y",
    "crop_input_width",
    "crop_input_height",
)

MiB = 1024 * 1024
IMAGE_MAX_BYTES = 10 * MiB  # an upload must be strictly smaller
VIDEO_MAX_BYTES = 100 * MiB  # an upload must be strictly smaller


@dataclass(frozen=True)
class Limits:
    """Input image limits for one endpoint.

    ``long_max`` with ``long_strict`` means "long side < long_max" instead of
    "<= long_max". ``width_max``/``height_max`` (also strict when ``long_strict``)
    exist for features whose documented limit is per axis (hair color: w < 1920,
    h < 1080). ``short_min`` is "short side >= short_min". ``formats`` are lower
    case file extensions the endpoint accepts, in order of preference.
    """

    long_max: int | None = 4096
    long_strict: bool = False
    short_min: int | None = None
    width_max: int | None = None
    height_max: int | None = None
    side_min: int | None = None  # both sides >= this (e.g. face analyzer 320)
    formats: tuple[str, ...] = ("jpg", "jpeg", "png")
    max_bytes: int = IMAGE_MAX_BYTES  # strictly below
    aspect_min: float | None = None  # width / height lower bound (video generator 1:2.5)
    aspect_max: float | None = None
    note: str = ""
    long_min: int | None = None  # long side >= this (clothes: at least 512x384)
    duration_max: float | None = None  # videos: seconds, inclusive
    fps_max: float | None = None  # videos: documented, not checkable without decoding

    @property
    def jpeg_only(self) -> bool:
        return "png" not in self.formats

    def size_rules(self) -> str:
        """The dimension rules in words ("long side ≤ 4096, short side ≥ 480")."""
        op = "<" if self.long_strict else "≤"
        parts = []
        if self.long_max:
            parts.append(f"long side {op} {self.long_max}")
        if self.width_max:
            parts.append(f"width {op} {self.width_max}")
        if self.height_max:
            parts.append(f"height {op} {self.height_max}")
        if self.short_min:
            parts.append(f"short side ≥ {self.short_min}")
        if self.side_min:
            parts.append(f"both sides ≥ {self.side_min}")
        if self.long_min:
            parts.append(f"long side ≥ {self.long_min}")
        return ", ".join(parts) or "no size limits"

    def describe(self) -> str:
        """Every documented input limit in one line, for widgets and `youcam features`."""
        formats = "/".join(f.upper() for f in self.formats if f != "jpeg")
        parts = [self.size_rules(), formats, f"< {self.max_bytes // MiB} MB"]
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


@dataclass(frozen=True)
class InputInfo:
    """What validation needs to know about one input file (no pixels)."""

    width: int
    height: int
    nbytes: int | None = None
    format: str | None = None  # lower-case extension: "jpg", "png", "mp4"
    duration_s: float | None = None  # videos only


@dataclass(frozen=True)
class Violation:
    """One broken rule, phrased as what the user should change."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"
