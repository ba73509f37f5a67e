"""What the skin inspector shows, without Qt: one group per job, and where a ZIP's masks go.

A group is one skin-analysis job: its layers carry the same `group` key in
`metadata["youcam_skin"]` (the task id for a fresh result, the ZIP's resolved path
for a file opened from disk), so an SD run and an HD run on the same photo never
share a table, a skin age or a CSV. `group_layers` builds the groups from any
sequence of layer-like objects; `visibility_for` says which layers to show when the
user switches groups; `match_source` decides which open image a ZIP's masks belong
over (the job record's shape and hash, else the same size), or none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from napari_youcam.workflow.sidecar import SIDECAR_NAME, sha256_of

SKIN_KEY = "youcam_skin"


@dataclass
class SkinGroup:
    """The mask layers of one job, one per concern, in the order they were added."""

    key: str
    label: str
    layers: list[Any] = field(default_factory=list)

    @property
    def concerns(self) -> list[str]:
        return [lay.metadata[SKIN_KEY]["concern"] for lay in self.layers]


def group_key(task_id: str | None, file: str | None, fallback: str) -> str:
    """The identity of one job's result: its task id, else its ZIP on disk, else `fallback`."""
    if task_id:
        return f"task:{task_id}"
    if file:
        return f"file:{Path(file).resolve()}"
    return f"name:{fallback}"


def group_label(base: str, concerns: Sequence[str], serial: int = 0) -> str:
    """What the result picker shows: the photo, SD/HD and the number of concerns."""
    mode = "HD" if concerns and all(str(c).startswith("hd_") for c in concerns) else "SD"
    suffix = f" #{serial}" if serial > 1 else ""
    return f"{base} · {mode}, {len(concerns)} concerns{suffix}"


def group_layers(layers: Iterable[Any]) -> dict[str, SkinGroup]:
    """Skin layers grouped by job; a concern appears once per group (the first layer wins)."""
    groups: dict[str, SkinGroup] = {}
    for lay in layers:
        info = getattr(lay, "metadata", {}).get(SKIN_KEY)
        if not info:
            continue
        key = str(info.get("group") or "skin analysis")
        grp = groups.get(key)
        if grp is None:
            grp = groups[key] = SkinGroup(key, str(info.get("group_label") or key))
        if info.get("concern") not in grp.concerns:
            grp.layers.append(lay)
    _disambiguate(groups.values())
    return groups


def _disambiguate(groups: Iterable[SkinGroup]) -> None:
    """Two jobs with the same label (two SD runs on one photo) get #1, #2 in the picker."""
    seen: dict[str, int] = {}
    for grp in groups:
        n = seen.get(grp.label, 0) + 1
        seen[grp.label] = n
        if n > 1:
            grp.label = f"{grp.label} #{n}"


def visibility_for(groups: dict[str, SkinGroup], chosen: str | None,
                   remembered: dict[int, bool]) -> dict[int, bool]:
    """Layer id → visible: the chosen group's layers as the user last left them, others hidden."""
    out: dict[int, bool] = {}
    for key, grp in groups.items():
        for lay in grp.layers:
            out[id(lay)] = remembered.get(id(lay), True) if key == chosen else False
    return out


@dataclass(frozen=True)
class Candidate:
    """An open image the masks could go over: its name, 2D size and its plane on demand."""

    name: str
    hw: tuple[int, int]
    plane: Callable[[], np.ndarray]


@dataclass(frozen=True)
class Placement:
    """Where a ZIP's masks go (`target` None: on their own at native size) and why."""

    target: str | None
    reason: str


def job_record(zip_path: str | Path) -> dict[str, Any] | None:
    """The job record (youcam-job.json) next to a result ZIP, if it is one; untrusted, so checked."""
    side = Path(zip_path).with_name(SIDECAR_NAME)
    try:
        rec = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("feature") != "skin-analysis":
        return None
    return rec


def match_source(candidates: Sequence[Candidate], mask_hw: tuple[int, int],
                 record: dict[str, Any] | None) -> Placement:
    """The image a ZIP's masks belong over.

    With a job record: the image whose plane has the recorded shape and hash (the
    photo that was sent). Without one: an image exactly the masks' size. Otherwise
    none, and the masks are shown at their native size on their own.
    """
    shape = record.get("source_shape") if record else None
    digest = record.get("source_sha256") if record else None
    if isinstance(shape, list) and len(shape) >= 2 and isinstance(digest, str):
        hw = (int(shape[0]), int(shape[1]))
        for c in candidates:
            if c.hw == hw:
                arr = c.plane()
                if list(arr.shape) == shape and sha256_of(arr) == digest:
                    return Placement(c.name, f"placed over '{c.name}', the photo this job was run on")
        return Placement(None, "the photo this job was run on is not open: masks shown on their own at "
                               f"{mask_hw[1]}×{mask_hw[0]}; open that photo and the ZIP again to overlay them")
    same = [c for c in candidates if c.hw == tuple(mask_hw)]
    if len(same) == 1:
        return Placement(same[0].name, f"placed over '{same[0].name}' (same size, no job record next to the ZIP)")
    why = "several open images have that size" if same else "no open image has that size"
    return Placement(None, f"masks shown on their own at {mask_hw[1]}×{mask_hw[0]} ({why}, and no job "
                           "record next to the ZIP says which photo it came from)")
