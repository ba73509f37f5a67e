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
from typing import Any

import numpy as np

from napari_youcam.errors import InputError
from napari_youcam.workflow.resume import needs_service, resume
from napari_youcam.workflow.run import JobResult
from napari_youcam.workflow.sidecar import sha256_of
from napari_youcam.workflow.tables import JobRow, list_jobs

THUMB = 48  # thumbnail edge in pixels
_THUMB_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
COLUMNS = ("", "feature", "time", "status", "units", "source")
ALL = "all features"


@dataclass(frozen=True)
class Reopened:
    """A job's result read back from its folder, and the layer (or file) it belongs over."""

    row: JobRow
    result: JobResult
    source_layer: Any  # a napari layer, or None
    source_file: Path | None  # read again when no layer matches


class HistoryModel:
    """Rows of the job store of one results folder, filtered by feature and source name."""

    def __init__(self, results_dir: str | Path):
        self.results_dir = Path(results_dir)
        self.rows: list[JobRow] = []
        self._hashes: dict[int, tuple[int, str | None]] = {}  # id(layer) → (id(data), hash)

    def refresh(self) -> list[JobRow]:
        """Reread the job list (newest first)."""
        self.rows = list(reversed(list_jobs(self.results_dir)))
        return self.rows

    def features(self) -> list[str]:
        return [ALL, *sorted({r.feature for r in self.rows})]

    def filtered(self, feature: str | None = None, source: str = "") -> list[JobRow]:
        want = None if feature in (None, "", ALL) else feature
        text = source.strip().lower()
        return [r for r in self.rows
                if (want is None or r.feature == want) and (not text or text in r.source_name.lower())]

    @staticmethod
    def cells(row: JobRow) -> tuple[str, ...]:
        """The text of each column after the thumbnail."""
        units = "" if row.units is None else f"{row.units:g}" + (" (sandbox)" if row.sandbox and row.units else "")
        return (row.feature, row.time[:19].replace("T", " "), row.status, units, row.source_name)

    @staticmethod
    def thumbnail(row: JobRow) -> np.ndarray | None:
        """A small RGB(A) preview of the first result image (None for ZIPs, JSON, video)."""
        from PIL import Image

        for name in row.files:
            path = row.job_dir / name
            if path.suffix.lower() not in _THUMB_SUFFIXES or not path.is_file():
                continue
            try:
                with Image.open(path) as im:
                    im.draft("RGB", (THUMB, THUMB))
                    im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
                    im.thumbnail((THUMB, THUMB))
                    return np.asarray(im)
            except (OSError, ValueError, Image.DecompressionBombError):
                return None
        return None

    # ------------------------------------------------------------ matching and reopening
    def _layer_hash(self, layer: Any) -> str | None:
        data = getattr(layer, "data", None)
        if not isinstance(data, np.ndarray):
            return None
        cached = self._hashes.get(id(layer))
        if cached is not None and cached[0] == id(data):
            return cached[1]
        h = sha256_of(data)
        self._hashes[id(layer)] = (id(data), h)
        return h

    def match_layer(self, row: JobRow, layers: Sequence[Any]) -> Any:
        """The image layer the job ran on: same pixels, else same shape; None when none fits."""
        images = [lay for lay in layers if type(lay).__name__ == "Image"]
        if row.source_sha256:
            for lay in images:
                if self._layer_hash(lay) == row.source_sha256:
                    return lay
        if row.source_shape:
            for lay in images:
                if tuple(np.shape(lay.data)) == tuple(row.source_shape):
                    return lay
        return None

    def reopen(self, row: JobRow, layers: Sequence[Any]) -> Reopened:
        """Read ``row``'s result from its folder (no request); `InputError` when it has none."""
        if row.status not in ("done", "saved", "saved_undecoded", "reused") or needs_service(row.job_dir):
            raise InputError(f"{row.job_id} has no saved result (status {row.status}); finish it with "
                             f"`youcam resume {row.job_dir}`")
        layer = self.match_layer(row, layers)
        source = None
        if layer is not None and row.source_shape and tuple(np.shape(layer.data)) == tuple(row.source_shape):
            if not row.source_sha256 or self._layer_hash(layer) == row.source_sha256:
                source = np.asarray(layer.data)  # pastes a cropped fit back into the full frame
        result = resume(row.job_dir, client=None, source=source)
        src_file = None
        if layer is None and row.source and Path(row.source).is_file():
            src_file = Path(row.source)
        return Reopened(row, result, layer, src_file)
