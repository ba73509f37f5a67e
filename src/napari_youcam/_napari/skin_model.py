"""What the skin inspector shows, without Qt: one group per job, and where a ZIP's masks go.

A group is one skin-analysis job: its layers carry the same `group` key in
`metadata["youcam_skin"]` (the task id for a fresh result, the ZIP's resolved path
for a file opened from disk), so an SD run and an HD run on the same photo never
share a table, a skin age or a CSV. `group_layers` builds the groups from any
sequence of layer-like objects; `visibility_for` says which layers to show when the
user switches groups; `match_source` decides which open image a ZIP's masks belong
over (the job record's shape and hash, else the same size), or none.
`read_skin_folder` reads the job folder of a ``format=json`` run (masks saved as
separate PNGs) into the same `SkinResult` a ZIP gives.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from napari_youcam.errors import InputError
from napari_youcam.imaging.skin import MAX_MEMBER_BYTES, ConcernScore, SkinResult, decode_mask
from napari_youcam.limits import JsonObject
from napari_youcam.workflow.sidecar import SIDECAR_NAME, sha256_of

if TYPE_CHECKING:
    from napari.layers import Image, Layer

SKIN_KEY = "youcam_skin"


@dataclass
class SkinGroup:
    """The mask layers of one job, one per concern, in the order they were added."""

    key: str
    label: str
    layers: list[Image] = field(default_factory=list)

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


def group_layers(layers: Iterable[Layer]) -> dict[str, SkinGroup]:
    """Skin layers grouped by job; a concern appears once per group (the first layer wins)."""
    groups: dict[str, SkinGroup] = {}
    for lay in layers:
        info = lay.metadata.get(SKIN_KEY)
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


def visibility_for(groups: dict[str, SkinGroup], chosen: str | None, remembered: dict[int, bool]) -> dict[int, bool]:
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


def job_record(zip_path: str | Path) -> JsonObject | None:
    """The job record (youcam-job.json) next to a result ZIP, if it is one; untrusted, so checked."""
    side = Path(zip_path).with_name(SIDECAR_NAME)
    try:
        rec = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("feature") != "skin-analysis":
        return None
    return rec


def match_source(candidates: Sequence[Candidate], mask_hw: tuple[int, int], record: JsonObject | None) -> Placement:
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
        return Placement(
            None,
            "the photo this job was run on is not open: masks shown on their own at "
            f"{mask_hw[1]}×{mask_hw[0]}; open that photo and the ZIP again to overlay them",
        )
    same = [c for c in candidates if c.hw == tuple(mask_hw)]
    if len(same) == 1:
        return Placement(same[0].name, f"placed over '{same[0].name}' (same size, no job record next to the ZIP)")
    why = "several open images have that size" if same else "no open image has that size"
    return Placement(
        None,
        f"masks shown on their own at {mask_hw[1]}×{mask_hw[0]} ({why}, and no job "
        "record next to the ZIP says which photo it came from)",
    )


# ------------------------------------------------------------ format=json job folders
def folder_record(folder: str | Path) -> JsonObject | None:
    """The record of a ``format=json`` skin-analysis job folder (masks saved as separate
    PNGs, listed in ``mask_files``), or None when `folder` is not one; untrusted, so checked."""
    rec = job_record(Path(folder) / SIDECAR_NAME)
    if rec is None or not isinstance(rec.get("mask_files"), dict):
        return None
    return rec


def _score(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"skin result {where}: expected a number, got {value!r}")
    return float(value)


def _plain_name(name: object, folder: Path) -> Path:
    """A mask file named by the record: a bare file name inside the job folder, nothing else."""
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise InputError(
            f"skin job record in {folder}: mask file {name!r} is not a plain file name; "
            "refusing to read outside the job folder"
        )
    return folder / name


def _concern(kind: str, region: str, index: int) -> str:
    """The concern name the ZIP reader would give: ``acne``, ``hd_pore.forehead``; ``acne 2`` for a second mask."""
    name = kind if region in ("", "whole") else f"{kind}.{region}"
    return name if index == 0 else f"{name} {index + 1}"


def _scores_by_mask(output: object) -> tuple[dict[tuple[str, str], JsonObject], float | None, float | None]:
    """(type, region) → the reply item; and the skin age and overall score, from ``output``."""
    if not isinstance(output, list):
        raise InputError(f"skin result: 'output' should be a list, got {type(output).__name__}")
    items: dict[tuple[str, str], JsonObject] = {}
    age = overall = None
    for i, item in enumerate(output):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise InputError(f"skin result output[{i}]: expected an object with a 'type'")
        if item["type"] == "skin_age":
            age = _score(item.get("score"), f"output[{i}].score")
        elif item["type"] == "all":
            overall = _score(item.get("score"), f"output[{i}].score")
        else:
            items[(item["type"], str(item.get("region") or "whole"))] = item
    return items, age, overall


def read_skin_folder(folder: str | Path, max_bytes: int = MAX_MEMBER_BYTES) -> SkinResult:
    """A ``format=json`` skin-analysis job folder as a `SkinResult`, like a result ZIP.

    Masks come from the record's ``mask_files`` (``type/region/n`` → file), scores
    from the saved JSON result. Masks the record names but the folder lacks are listed
    in ``missing_masks``. Raises `InputError` for a folder that is not such a job, or
    a record or reply that is malformed.
    """
    folder = Path(folder)
    rec = folder_record(folder)
    if rec is None:
        raise InputError(
            f"{folder}: not a skin-analysis job folder of a format=json run (no {SIDECAR_NAME} "
            "with mask_files); open the result ZIP or the folder of such a run"
        )
    results = [f for f in rec.get("files") or [] if isinstance(f, str) and f.endswith(".json")]
    reply: Any = {}
    if results:
        try:
            reply = json.loads(_plain_name(results[-1], folder).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(f"{folder}: the saved result {results[-1]} cannot be read ({e})") from None
    by_mask, age, overall = _scores_by_mask(reply.get("output", []) if isinstance(reply, dict) else reply)
    scores: dict[str, ConcernScore] = {}
    masks: dict[str, np.ndarray] = {}
    missing: list[str] = []
    for key, name in rec["mask_files"].items():
        kind, _, rest = str(key).partition("/")
        region, _, index = rest.partition("/")
        concern = _concern(kind, region, int(index) if index.isdigit() else 0)
        path = _plain_name(name, folder)
        item = by_mask.get((kind, region or "whole"), {})
        scores[concern] = ConcernScore(
            concern,
            _score(item.get("raw_score"), f"{key} raw_score"),
            _score(item.get("ui_score"), f"{key} ui_score"),
            mask_name=name,
        )
        if not path.is_file():
            missing.append(concern)
            continue
        if path.stat().st_size > max_bytes:
            raise InputError(
                f"{path}: {path.stat().st_size:,} bytes is too large for a skin mask (limit {max_bytes:,})"
            )
        masks[concern] = decode_mask(path.read_bytes(), name, alpha_only=True)
    return SkinResult(scores, masks, age, overall, raw=reply if isinstance(reply, dict) else {}, missing_masks=missing)
