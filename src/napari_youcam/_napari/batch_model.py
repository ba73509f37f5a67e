"""Run one feature on every frame of a layer, or on every selected layer, without Qt.

`workflow.batch` runs files; a napari layer is an array. `write_inputs` writes
each plane the batch will send (and its mask plane) losslessly as PNG under
``<results>/napari-inputs/``, named after the layer, the frame and the content,
so the same frames run again name the same files and are answered from the job
store. `check` validates every input with `workflow.batch.check_inputs` and
refuses, in one line naming the layer and frame, before anything is sent.
`to_pay` counts the inputs a run would pay for (not answered by an identical
job already in the store), for the cost shown before the run. Afterwards
`stack_results` puts every-frame results back into one stack in frame order.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from napari_youcam._napari.layer_types import ArrayData
from napari_youcam.api import ServiceClient
from napari_youcam.errors import InputError
from napari_youcam.imaging import to_rgb8
from napari_youcam.imaging.encode import encode_png
from napari_youcam.limits import JsonObject
from napari_youcam.workflow.batch import BatchItem, BatchPlan, check_inputs
from napari_youcam.workflow.jobs import content_hash
from napari_youcam.workflow.plan import plan
from napari_youcam.workflow.run import JobResult
from napari_youcam.workflow.store import STORE_NAME, JobStore

Mode = Literal["frames", "layers"]
#: the folder of the results folder the input planes are written to
INPUTS_DIR = "napari-inputs"
_PNG_CHANNELS = (3, 4)  # besides 2-D gray: what a PNG holds as it is


@dataclass(frozen=True)
class LayerInput:
    """An image layer as the batch sees it (snapshotted on the Qt thread).

    ``data`` is the full-resolution array (numpy, or a lazy array read plane by
    plane); ``mask`` the painted Labels data (2-D: one mask for every frame, or
    the same frames as ``data``); ``frame`` the leading-axes index on screen,
    used by the "layers" mode.
    """

    name: str
    data: ArrayData  # numpy or dask: only indexed and read one plane at a time
    rgb: bool
    mask: ArrayData | None = None  # numpy or dask Labels data
    frame: tuple[int, ...] = ()


@dataclass(frozen=True)
class Origin:
    """Where one batch input came from: the layer and its frame (() for a 2-D layer)."""

    layer: str
    frame: tuple[int, ...] = ()

    def describe(self) -> str:
        return f"{self.layer} frame {', '.join(map(str, self.frame))}" if self.frame else self.layer


@dataclass(frozen=True)
class Checked:
    """A batch ready to run: the checked plan, each input's origin, and what it will pay."""

    mode: Mode
    plan: BatchPlan
    origins: list[Origin]
    lead_shape: tuple[int, ...] = ()  # the frames' shape ("frames" mode)
    to_pay: int = 0  # inputs that create (and pay for) a task

    def face_warnings(self) -> str:
        """The advisory face check in one line ("" when every input passed or the feature has no rule)."""
        where = {item.source: o for item, o in zip(self.plan.items, self.origins, strict=True)}
        said = [
            (where[path].describe() if path in where else path.name, w[0])
            for path, w in self.plan.warnings.items()
            if w
        ]
        if not said:
            return ""
        return f"face check (advisory) on {len(said)} input(s): {said[0][0]}: {said[0][1]}"

    def total(self, unit_cost: float | None) -> float | None:
        """Units the run will cost: per-input units × the inputs not answered from the store."""
        return None if unit_cost is None else unit_cost * self.to_pay


# ---------------------------------------------------------------------- frames
def lead_shape(shape: Sequence[int], rgb: bool) -> tuple[int, ...]:
    """The leading (non-spatial) axes of an image of ``shape``: () for one 2-D plane."""
    n_lead = len(shape) - (3 if rgb else 2)
    return tuple(int(n) for n in shape[:n_lead]) if n_lead > 0 else ()


def _planes(inputs: Sequence[LayerInput], mode: Mode) -> list[tuple[Origin, LayerInput]]:
    """Every (origin, layer) pair the batch runs, in order."""
    if mode == "layers":
        return [(Origin(inp.name, tuple(inp.frame)), inp) for inp in inputs]
    if len(inputs) != 1:
        raise InputError(f"every frame: choose one image layer, not {len(inputs)}")
    inp = inputs[0]
    lead = lead_shape(np.shape(inp.data), inp.rgb)
    if not lead:
        raise InputError(f"{inp.name} has one plane, no frames: use Run, or stack the images first")
    return [(Origin(inp.name, tuple(int(i) for i in idx)), inp) for idx in np.ndindex(*lead)]


def _mask_plane(inp: LayerInput, frame: tuple[int, ...]) -> np.ndarray | None:
    if inp.mask is None:
        return None
    mshape = np.shape(inp.mask)
    if len(mshape) == 2:
        return np.asarray(inp.mask)
    mlead = tuple(int(n) for n in mshape[:-2])
    if mlead != lead_shape(np.shape(inp.data), inp.rgb):
        raise InputError(
            f"mask of {inp.name}: its frames {mlead} are not the image's "
            f"{lead_shape(np.shape(inp.data), inp.rgb)}: paint a 2-D mask or one per frame"
        )
    return np.asarray(inp.mask[frame] if frame else inp.mask)


# ---------------------------------------------------------------------- files
def _safe(name: str) -> str:
    """A layer name as a file-name part (letters, digits, - and _; never empty)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "layer"


def png_ready(arr: np.ndarray) -> np.ndarray:
    """The plane as a PNG holds it: uint8/uint16 gray, RGB or RGBA as they are (lossless);
    any other dtype or channel count as the 8-bit RGB the service would be sent anyway."""
    a = np.asarray(arr)
    if a.dtype in (np.uint8, np.uint16) and (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in _PNG_CHANNELS)):
        return np.ascontiguousarray(a)
    return to_rgb8(a)


def mask_ready(arr: np.ndarray) -> np.ndarray:
    """A Labels plane as a 0/255 mask (non-zero = area, the rule the single run applies)."""
    area: np.ndarray = np.asarray(arr) != 0
    return area.astype(np.uint8) * np.uint8(255)


def write_plane(arr: np.ndarray, folder: Path, stem: str) -> Path:
    """``<folder>/<stem>-<content>.png``: the same pixels always name the same file."""
    path = folder / f"{stem}-{content_hash(arr)[:12]}.png"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(encode_png(arr))
        tmp.replace(path)
    return path


def _stem(origin: Origin, many: bool) -> str:
    frame = "".join(f"-{i:03d}" for i in origin.frame)
    return _safe(origin.layer) + (f"-frame{frame}" if many and frame else "")


def write_inputs(
    inputs: Sequence[LayerInput], mode: Mode, results_dir: str | Path
) -> tuple[list[BatchItem], list[Origin]]:
    """Write every plane (and mask plane) the batch runs as PNG; the items and their origins."""
    folder = Path(results_dir) / INPUTS_DIR
    items: list[BatchItem] = []
    origins: list[Origin] = []
    for origin, inp in _planes(inputs, mode):
        stem = _stem(origin, mode == "frames" or bool(origin.frame))
        plane = np.asarray(inp.data[origin.frame] if origin.frame else inp.data)
        source = write_plane(png_ready(plane), folder, stem)
        mplane = _mask_plane(inp, origin.frame)
        # one 2-D mask for every frame is one file
        mstem = (stem if inp.mask is not None and len(inp.mask.shape) > 2 else _safe(inp.name)) + "-mask"
        mask = None if mplane is None else write_plane(mask_ready(mplane), folder, mstem)
        items.append(BatchItem(source, mask))
        origins.append(Origin(origin.layer, origin.frame))
    return items, origins


def write_refs(refs: Sequence[LayerInput], results_dir: str | Path) -> list[Path]:
    """The reference images (each the plane on screen) as PNG files."""
    folder = Path(results_dir) / INPUTS_DIR
    out = []
    for ref in refs:
        plane = np.asarray(ref.data[ref.frame] if ref.frame else ref.data)
        out.append(write_plane(png_ready(plane), folder, _safe(ref.name) + "-ref"))
    return out


# ---------------------------------------------------------------------- check and cost
def check(
    feature: str,
    inputs: Sequence[LayerInput],
    mode: Mode,
    results_dir: str | Path,
    *,
    refs: Sequence[LayerInput] = (),
    params: JsonObject | None = None,
    api: str = "v2",
    variant: str | None = None,
) -> Checked:
    """Write and validate every input; `InputError` (one line) when any is bad: nothing is sent."""
    items, origins = write_inputs(inputs, mode, results_dir)
    if not items:
        raise InputError("no image to run on: select the image layers first")
    ref_paths = write_refs(refs, results_dir)
    try:
        p = check_inputs(feature, items, refs=ref_paths, params=params, api=api, variant=variant)
    except InputError as e:  # wrong for every input alike (a parameter): said in one line too
        raise InputError(one_line(str(e)), violations=e.violations) from None
    if p.bad:
        where = {item.source: o for item, o in zip(items, origins, strict=True)}
        said = [f"{where[b.path].describe() if b.path in where else b.path.name}: {b.message}" for b in p.bad]
        raise InputError(f"{len(p.bad)} of {len(items)} inputs cannot be sent: " + "; ".join(said))
    lead = lead_shape(np.shape(inputs[0].data), inputs[0].rgb) if mode == "frames" else ()
    return Checked(mode, p, origins, lead, to_pay=len(items) - _later_twins(p))


def one_line(message: str) -> str:
    """A multi-line problem list as one line: "x: 1 problem(s) …: features: …"."""
    return " ".join(ln.strip().removeprefix("- ") for ln in message.splitlines() if ln.strip())


def _later_twins(p: BatchPlan) -> int:
    return sum(len(js) for js in p.twins.values())


def to_pay(checked: Checked, client: ServiceClient, results_dir: str | Path, *, again: bool = False) -> Checked:
    """``checked`` with ``to_pay`` lowered by the inputs an identical saved (or created) job answers.

    The job identity is `workflow.reuse_key` of each input's plan, as `workflow.run`
    computes it, looked up in the results folder's job store; ``again`` pays for all.
    """
    base = Path(results_dir)
    if again or not (base / STORE_NAME).is_file():
        return checked
    p = checked.plan
    later = {j for js in p.twins.values() for j in js}
    store = JobStore.open(base)
    answered = 0
    for i, item in enumerate(p.items):
        if i in later:
            continue
        one = plan(
            p.feature,
            str(item.source),
            mask=None if item.mask is None else str(item.mask),
            refs=[str(r) for r in p.refs],
            params=dict(p.params),
            api=p.api,
            variant=p.variant,
        )
        key = one.reuse_key(client)
        if store.find_reusable(key) is not None or store.find_unfinished(key) is not None:
            answered += 1
    return replace(checked, to_pay=checked.to_pay - answered)


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class Stack:
    """Every frame's result in one array, in frame order, with each frame's provenance."""

    data: np.ndarray
    provenance: JsonObject  # the layer's metadata["youcam"]


def stack_results(checked: Checked, results: Sequence[JobResult | None]) -> Stack | None:
    """One stack (frames × result plane) when every frame has exactly one result image of
    the same size; None otherwise (the view then adds one layer per frame)."""
    if checked.mode != "frames" or len(results) != len(checked.origins):
        return None
    arrays: list[np.ndarray] = []
    for res in results:
        if res is None or len(res.arrays) != 1:
            return None
        arrays.append(res.arrays[0])
    if len({(a.shape, a.dtype) for a in arrays}) != 1:
        return None
    data = np.stack(arrays).reshape(checked.lead_shape + arrays[0].shape)
    first = results[0]
    assert first is not None  # every result was checked above
    frames = [
        {
            "frame": list(o.frame),
            "job_dir": str(r.sidecar.parent),
            "task_id": r.task_id,
            "file": str(r.files[0]) if r.files else None,
            "reused_from": r.reused_from,
        }
        for o, r in zip(checked.origins, results, strict=True)
        if r is not None
    ]
    provenance = {
        "feature": first.feature,
        "params": dict(first.params or {}),
        "sandbox": first.sandbox,
        "batch": "every frame",
        "frames": frames,
    }
    return Stack(data, provenance)


def read_table(path: Path, *, max_rows: int = 10000) -> tuple[list[str], list[list[str]]]:
    """A batch's summary CSV read back for the dock, the columns a reader wants first.

    The input (its file stem: layer and frame) leads, the values follow, the job id
    closes each row; the feature column (one feature per batch) is left to the file.
    Up to ``max_rows`` rows, as text.
    """
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        rows = [row for _, row in zip(range(max_rows), reader, strict=False)]
    order = [c for c in ("source",) if c in header]
    order += [c for c in header if c not in ("source", "job_id", "feature")]
    order += [c for c in ("job_id",) if c in header]
    at = [header.index(c) for c in order]
    cells = [[r[i] if i < len(r) else "" for i in at] for r in rows]  # a short row reads as empty cells
    if order[:1] == ["source"]:
        for row in cells:
            row[0] = Path(row[0]).stem
    return ["input" if c == "source" else c for c in order], cells


__all__ = [
    "INPUTS_DIR",
    "Checked",
    "LayerInput",
    "Mode",
    "Origin",
    "Stack",
    "check",
    "lead_shape",
    "mask_ready",
    "one_line",
    "png_ready",
    "stack_results",
    "to_pay",
    "write_inputs",
    "read_table",
    "write_plane",
    "write_refs",
]
