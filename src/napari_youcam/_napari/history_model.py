"""The History dock's state, without Qt: the job list, its filters, thumbnails, reopening.

Reopening a job reads its folder only (`workflow.resume` answers a saved job from
its files, without a client), so it never sends a request or spends a unit. The
source layer a result belongs over is found by content (the record's hash of the
pixels the job was run on), then by shape; failing both, the source file a batch
recorded is read again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from napari_youcam._napari.layer_types import ArrayData
from napari_youcam.errors import InputError
from napari_youcam.imaging.io import read_image_file
from napari_youcam.limits import JsonObject
from napari_youcam.workflow.resume import needs_service, resume
from napari_youcam.workflow.run import JobResult
from napari_youcam.workflow.sidecar import sha256_of
from napari_youcam.workflow.tables import JobRow, list_jobs

if TYPE_CHECKING:
    import napari.layers

THUMB = 48  # thumbnail edge in pixels
_THUMB_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
COLUMNS = ("", "feature", "time", "status", "units", "source")
#: statuses of a job still in progress somewhere (this or another process): the list follows them
ACTIVE = frozenset({"creating", "running", "succeeded"})
ALL = "all features"


@dataclass(frozen=True)
class LayerSnap:
    """An image layer as it was when a reopen started (taken on the Qt thread)."""

    layer: napari.layers.Image  # the layer itself, only handed back to the Qt thread
    name: str
    data: ArrayData  # the layer's array (numpy, or dask for a lazy layer)
    geom: JsonObject | None  # `common.geometry` of the layer


@dataclass(frozen=True)
class Reopening:
    """A job's result read back from its folder, and the image it goes over."""

    row: JobRow
    result: JobResult
    source: LayerSnap | None  # the matching layer
    source_name: str
    source_array: np.ndarray | None  # the source file read again when no layer matched
    geom: JsonObject | None  # placement of the source

    @property
    def title(self) -> str:
        return f"{self.row.feature} ({self.row.job_id})"

    @property
    def provenance(self) -> JsonObject:
        """Added to each result layer's ``metadata["youcam"]``."""
        return {"job_id": self.row.job_id, "job_dir": str(self.row.job_dir), "reopened": True}


class HistoryModel:
    """Rows of the job store of one results folder, filtered by feature and source name."""

    def __init__(self, results_dir: str | Path):
        self.results_dir = Path(results_dir)
        self.rows: list[JobRow] = []
        self._hashes: dict[int, tuple[int, str | None]] = {}  # id(layer) → (id(data), hash)
        self._thumbs: dict[tuple[Path, tuple[str, ...]], np.ndarray | None] = {}

    def refresh(self) -> list[JobRow]:
        """Reread the job list (newest first)."""
        self.rows = list(reversed(list_jobs(self.results_dir)))
        return self.rows

    def features(self) -> list[str]:
        return [ALL, *sorted({r.feature for r in self.rows})]

    def filtered(self, feature: str | None = None, source: str = "") -> list[JobRow]:
        want = None if feature in (None, "", ALL) else feature
        text = source.strip().lower()
        return [
            r for r in self.rows if (want is None or r.feature == want) and (not text or text in r.source_name.lower())
        ]

    @staticmethod
    def cells(row: JobRow) -> tuple[str, ...]:
        """The text of each column after the thumbnail."""
        units = "" if row.units is None else f"{row.units:g}" + (" (sandbox)" if row.sandbox and row.units else "")
        return (row.feature, row.time[:19].replace("T", " "), row.status, units, row.source_name)

    @property
    def active(self) -> bool:
        """Some job is still running: the list should be read again soon."""
        return any(r.status in ACTIVE for r in self.rows)

    def thumbnail(self, row: JobRow) -> np.ndarray | None:
        """A small preview of the first result image (None for ZIPs, JSON, video); read once per job."""
        key = (row.job_dir, row.files)
        if key not in self._thumbs:
            self._thumbs[key] = _thumbnail(row)
        return self._thumbs[key]

    # ------------------------------------------------------------ matching and reopening
    def _hash(self, snap: LayerSnap) -> str | None:
        if not isinstance(snap.data, np.ndarray):
            return None  # a lazy (dask) layer is not read whole just to compare it
        cached = self._hashes.get(id(snap.layer))
        if cached is not None and cached[0] == id(snap.data):
            return cached[1]
        h = sha256_of(snap.data)
        self._hashes[id(snap.layer)] = (id(snap.data), h)
        return h

    def match_layer(self, row: JobRow, snaps: Sequence[LayerSnap]) -> LayerSnap | None:
        """The image the job ran on: same pixels, else same shape; None when none fits."""
        if row.source_sha256:
            for snap in snaps:
                if self._hash(snap) == row.source_sha256:
                    return snap
        if row.source_shape:
            for snap in snaps:
                if tuple(np.shape(snap.data)) == tuple(row.source_shape):
                    return snap
        return None

    def reopen(self, row: JobRow, snap: LayerSnap | None) -> JobResult:
        """Read ``row``'s result from its folder (no request); `InputError` when it has none."""
        if row.status not in ("done", "saved", "saved_undecoded", "reused") or needs_service(row.job_dir):
            raise InputError(
                f"{row.job_id} has no saved result (status {row.status}); finish it with `youcam resume {row.job_dir}`"
            )
        source = None
        if snap is not None and row.source_sha256 and self._hash(snap) == row.source_sha256:
            source = np.asarray(snap.data)  # pastes a cropped fit back into the full frame
        return resume(row.job_dir, client=None, source=source)

    def prepare_reopen(self, row: JobRow, snaps: Sequence[LayerSnap]) -> Reopening:
        """Find the source and read the result back (worker thread: snapshots only)."""
        snap = self.match_layer(row, snaps)
        result = self.reopen(row, snap)
        if snap is not None:
            return Reopening(row, result, snap, snap.name, None, snap.geom)
        if row.source and Path(row.source).is_file():
            arr = read_image_file(row.source, what="source")
            geom = {"hw": arr.shape[:2], "translate": (0.0, 0.0), "scale": (1.0, 1.0)}
            return Reopening(row, result, None, Path(row.source).stem, arr, geom)
        return Reopening(row, result, None, row.job_id, None, None)


def _thumbnail(row: JobRow) -> np.ndarray | None:
    """The first result image of a job, shrunk to `THUMB` pixels (decoded at reduced size)."""
    for name in row.files:
        path = row.job_dir / name
        if path.suffix.lower() not in _THUMB_SUFFIXES or not path.is_file():
            continue
        try:
            with Image.open(path) as im:
                im.draft("RGB", (THUMB, THUMB))
                small = im.convert("RGBA" if "A" in im.getbands() else "RGB")
                small.thumbnail((THUMB, THUMB))
                return np.asarray(small)
        except (OSError, ValueError, Image.DecompressionBombError):
            return None
    return None
