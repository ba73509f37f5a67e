"""Turn a `workflow.JobResult` into new napari layers, in two steps.

`prepare_result` runs on the job's worker thread: it builds every layer's data and
metadata (skin masks → alpha planes with their area, videos decoded to frames, JSON
flattened to table rows). `show_prepared` runs on the Qt thread and only hands the
finished tuples to napari, so the event loop pays for napari's own `add_image` and
nothing of ours. `add_result_layers` does both in one call for code that already
holds a result on the Qt thread (the demo).

Results always arrive as NEW layers named `<source> · <feature>`, placed with the
source layer's translate/scale as it was when the job started (the panels snapshot
it with `common.geometry`, so moving or removing the source mid-run cannot redirect
a result). Provenance (feature, params, task id, result file, sidecar) goes in
`layer.metadata["youcam"]`; the files are already on disk (workflow wrote them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qtpy.QtCore import QTimer

from napari_youcam._napari import video
from napari_youcam._napari.attr_view import Row, quality_summary, result_rows
from napari_youcam._napari.common import geometry, result_name, show_info
from napari_youcam._napari.layer_types import LayerTuple
from napari_youcam._napari.skin_layers import skin_layer_data
from napari_youcam.imaging import SkinResult, read_skin_zip
from napari_youcam.limits import JsonObject
from napari_youcam.workflow import JobResult

if TYPE_CHECKING:
    import napari
    from napari.layers import Layer


def provenance(result: JobResult, file_index: int = 0, extra: JsonObject | None = None) -> JsonObject:
    """The metadata every result layer carries (no secrets: the sidecar's content).

    `extra` is what the panel knows and the result does not: which frame of a stack
    was sent (`frame`, `mask_frame`)."""
    files = result.files
    f = files[file_index] if file_index < len(files) else (files[0] if files else None)
    return {
        "feature": result.feature,
        "params": dict(result.params or {}),
        "task_id": result.task_id,
        "file": str(f) if f else None,
        "sidecar": str(result.sidecar) if result.sidecar else None,
        "sandbox": result.sandbox,
        **(extra or {}),
    }


@dataclass
class Prepared:
    """A result made ready for the viewer off the Qt thread."""

    result: JobResult
    title: str
    layers: list[LayerTuple] = field(default_factory=list)
    message: str = ""
    attributes: list[Row] | None = None  # JSON results as table rows

    @property
    def files(self) -> list[Path]:
        """The saved files (what JobPanel names when a paid result is not shown)."""
        return list(self.result.files)

    @property
    def reused_from(self) -> str | None:
        """The earlier job whose files answered this one (nothing sent or charged), if any."""
        return self.result.reused_from


def _place(geom: JsonObject | None) -> JsonObject:
    if not geom:
        return {}
    return {"translate": tuple(geom["translate"]), "scale": tuple(geom["scale"])}


def prepare_result(result: JobResult, source: JsonObject, *, title: str) -> Prepared:
    """Build the layers of one finished job (worker thread: no Qt, no viewer).

    `source` holds the source layer's `name`, its `geom` snapshot (see
    `common.geometry`) and optionally `provenance` (frame sent, see `common.frame_meta`).
    """
    src_name = source.get("name") or "image"
    base = result_name(src_name, title)
    geom = source.get("geom")
    place = _place(geom)
    tag = " (SANDBOX, synthetic)" if result.sandbox else ""
    kind = result.kind
    files = result.files
    out = Prepared(result, title)
    extra = source.get("provenance")

    if kind == "zip" and result.feature == "skin-analysis":
        # workflow already decoded the ZIP (and mapped the masks back to the photo)
        skin = result.data if isinstance(result.data, SkinResult) else read_skin_zip(files[0])
        out.layers = skin_layer_data(skin, base=base, ref_geom=geom, provenance=provenance(result, 0, extra))
    elif kind == "video":
        _prepare_video(out, result, files, base, place, tag, extra)
        return out
    elif result.arrays:
        many = len(result.arrays) > 1
        for i, arr in enumerate(result.arrays):
            name = f"{base} {i + 1}" if many else base
            out.layers.append(
                (arr, {"name": name, "metadata": {"youcam": provenance(result, i, extra)}, **place}, "image")
            )

    if result.reused_from:
        tag += f" (reused from job {result.reused_from}, nothing charged)"
    where = files[-1] if files else result.sidecar
    if kind in ("json", "boxes") or (not out.layers and result.data is not None):
        out.attributes = result_rows(result.feature, result.data)
        q = quality_summary(result.data)
        out.message = (
            f"{title}{tag}: {len(out.attributes)} attributes"
            + (f", {q}" if q else "")
            + f" — table in the panel; saved to {where}"
        )
    elif out.layers:
        names = [kw["name"] for _d, kw, _k in out.layers]
        shown = ", ".join(repr(n) for n in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        out.message = f"{title}{tag}: added {shown}"
    return out


def _prepare_video(
    out: Prepared,
    result: JobResult,
    files: list[Path],
    base: str,
    place: JsonObject,
    tag: str,
    extra: JsonObject | None = None,
) -> None:
    """Decode each saved video to a (T, H, W, 3) layer; if that fails, say where the file is."""
    videos = [f for f in files if Path(f).suffix.lower() in video.VIDEO_SUFFIXES]
    problems: list[str] = []
    for i, f in enumerate(videos):
        name = f"{base} {i + 1}" if len(videos) > 1 else base
        try:
            data, kw, kind = video.video_layer_data(
                f, name=name, metadata={"youcam": provenance(result, files.index(f), extra)}
            )
        except video.VideoDecodeError as e:
            problems.append(str(e))
            continue
        out.layers.append((data, {**kw, **place}, kind))
    if out.layers:
        info = out.layers[0][1]["metadata"]["video"]
        cut = " (truncated to fit memory)" if info["truncated"] else ""
        out.message = (
            f"{out.title}{tag}: added {out.layers[0][1]['name']!r}, {info['frames']} frames at "
            f"{info['fps']:g} fps{cut} — use the time slider; saved to {videos[0]}"
        )
    else:
        why = f" (could not be shown here: {'; '.join(problems)})" if problems else ""
        out.message = f"{out.title}{tag}: video saved to {files[0] if files else result.sidecar}{why}"


def show_prepared(
    viewer: napari.Viewer,
    prepared: Prepared,
    source: JsonObject,
    *,
    spread: bool = False,
    on_all: Callable[[list[Layer]], None] | None = None,
) -> list[Layer]:
    """Add the prepared layers (Qt thread) and announce them; returns the layer list.

    napari's `add_image` costs 70-100 ms on the Qt thread (layer controls, vispy
    visual). With ``spread`` the layers are added one per event-loop turn, so a
    skin result with many masks never freezes the window for longer than one
    layer; the returned list then fills as they arrive and ``on_all(layers)`` runs
    after the last one. Without it everything is added before returning.
    """
    src_layer = source.get("layer")
    if src_layer is not None and src_layer not in viewer.layers:
        show_info(f"'{source.get('name')}' was removed while {prepared.title} ran; the result is added as a new layer.")
    added: list[Layer] = []
    pending = list(prepared.layers)

    def add_next() -> None:
        while pending:
            data, kw, kind = pending.pop(0)
            try:
                added.append(getattr(viewer, f"add_{kind}")(data, **kw))
            except RuntimeError:  # the viewer was closed between two turns
                return
            if spread and pending:
                QTimer.singleShot(0, add_next)
                return
        if prepared.message:
            show_info(prepared.message)
        if on_all is not None:
            on_all(added)

    add_next()
    return added


def add_result_layers(viewer: napari.Viewer, result: JobResult, source: JsonObject, *, title: str) -> list[Layer]:
    """Prepare and add in one go, on the calling thread (for results already in hand)."""
    snap = dict(source)
    snap.setdefault("geom", geometry(source.get("layer")))
    return show_prepared(viewer, prepare_result(result, snap, title=title), source)
