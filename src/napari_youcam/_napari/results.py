"""Turn a `workflow.JobResult` into new napari layers.

Results always arrive as NEW layers named `<source> · <feature>`, placed with the
source layer's translate/scale as it was when the job started (the source is
remembered at start, so switching the selection mid-run cannot redirect a result).
Provenance (feature, params, task id, result file, sidecar) goes in
`layer.metadata["youcam"]`; the files are already on disk (workflow wrote them).
"""

from __future__ import annotations

import json
from typing import Any

from napari_youcam._napari.common import placement, result_name, show_info


def provenance(result: Any, file_index: int = 0) -> dict[str, Any]:
    """The metadata every result layer carries (no secrets: the sidecar's content)."""
    files = list(getattr(result, "files", []) or [])
    f = files[file_index] if file_index < len(files) else (files[0] if files else None)
    return {
        "feature": result.feature,
        "params": dict(result.params or {}),
        "task_id": result.task_id,
        "file": str(f) if f else None,
        "sidecar": str(result.sidecar) if getattr(result, "sidecar", None) else None,
        "sandbox": bool(getattr(result, "sandbox", False)),
    }


def add_result_layers(viewer: Any, result: Any, source: dict[str, Any], *, title: str) -> list[Any]:
    """Add the layers for one finished job; returns them (may be empty for JSON/video)."""
    src_layer = source.get("layer")
    src_name = source.get("name") or "image"
    base = result_name(src_name, title)
    place = placement(src_layer)
    tag = " (SANDBOX, synthetic)" if getattr(result, "sandbox", False) else ""
    if src_layer is not None and src_layer not in viewer.layers:
        show_info(f"'{src_name}' was removed while {title} ran; the result is added as a new layer.")
    kind = getattr(result, "kind", "image")
    added: list[Any] = []
    if kind == "zip" and result.feature == "skin-analysis":
        from napari_youcam._napari.skin_layers import add_skin_layers
        from napari_youcam.imaging import read_skin_zip

        skin = read_skin_zip(result.files[0])
        added = add_skin_layers(viewer, skin, base=base, ref_layer=src_layer,
                                provenance=provenance(result))
    elif result.arrays:
        many = len(result.arrays) > 1
        for i, arr in enumerate(result.arrays):
            name = f"{base} {i + 1}" if many else base
            meta = {"youcam": provenance(result, i)}
            added.append(viewer.add_image(arr, name=name, metadata=meta, **place))
    if kind in ("json", "boxes") or (not added and result.data is not None):
        text = json.dumps(result.data, default=str)
        if len(text) > 400:
            text = text[:400] + "…"
        show_info(f"{title}{tag}: {text}\n(saved to {result.files[0] if result.files else result.sidecar})")
    elif kind == "video":
        show_info(f"{title}{tag}: video saved to {result.files[0]}")
    elif added:
        show_info(f"{title}{tag}: added {', '.join(repr(a.name) for a in added)}")
    return added
