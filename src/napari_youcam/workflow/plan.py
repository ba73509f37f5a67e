"""`plan`: the free part of a job — validate → prepare — as a dry run with no service.

Everything checkable is checked here, before anything is sent or spent: the
parameters, which inputs the endpoint takes, sizes, formats, the mask. Inputs
are fitted and encoded exactly as they will be uploaded, and hashed by CONTENT
(decoded pixels for images, bytes for videos), which is what the reuse key of a
job is built from. `run` and the batch runner call it; it never needs Qt or a client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from napari_youcam import features as F
from napari_youcam import imaging
from napari_youcam.api import ServiceClient
from napari_youcam.errors import InputError
from napari_youcam.features import Endpoint, Limits
from napari_youcam.imaging import Transform
from napari_youcam.imaging.convert import to_mask_bool
from napari_youcam.imaging.io import read_image_file
from napari_youcam.limits import InputInfo, JsonObject, Violation
from napari_youcam.workflow.inputs import ImageSource, Source
from napari_youcam.workflow.jobs import content_hash, reuse_key
from napari_youcam.workflow.sidecar import service_host
from napari_youcam.workflow.steps import _load_image, _output_kind

_VIDEO_TYPES = {".mp4": "video/mp4", ".mov": "video/quicktime"}
# Top-level box types an MP4 / QuickTime file starts with (ISO/IEC 14496-12, QTFF).
_MP4_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid"}


@dataclass
class Upload:
    """One file as it will be registered and uploaded."""

    role: str
    data: bytes | Path
    content_type: str
    name: str

    @property
    def nbytes(self) -> int:
        return len(self.data) if isinstance(self.data, (bytes, bytearray)) else Path(self.data).stat().st_size


@dataclass
class Plan:
    """A job checked and prepared, nothing sent: what would be uploaded and what it costs."""

    feature: str
    title: str
    api: str
    variant: str
    endpoint: Endpoint
    params: JsonObject
    kind: str
    uploads: list[Upload] = field(default_factory=list)
    infos: dict[str, list[InputInfo]] = field(default_factory=dict)  # by role
    source_array: np.ndarray | None = None
    transform: Transform | None = None  # of the main source; None for videos/no source
    notes: list[str] = field(default_factory=list)
    input_hashes: dict[str, list[str]] = field(default_factory=dict)
    unit_cost: float | None = None
    frame: int | None = None  # the frame (0-based) read from a multi-frame source file
    source_name: str | None = None  # the source file's name when the source is a file
    prepared: bool = False  # inputs loaded, checked, fitted and encoded (`plan`, `prepare`)

    @property
    def source_sha256(self) -> str | None:
        hashes = self.input_hashes.get("src") or self.input_hashes.get("srcs")
        return hashes[0] if hashes else None

    def reuse_key(self, client: ServiceClient) -> str:
        """The job's identity for `client`'s service: equal keys are the same paid job (see `jobs.reuse_key`)."""
        return reuse_key(
            feature=self.feature,
            variant=self.variant,
            api=self.api,
            params=self.params,
            input_hashes=self.input_hashes,
            service_host=service_host(client),
            sandbox=client.is_sandbox,
            frame=self.frame,
        )

    @property
    def sizes(self) -> list[JsonObject]:
        """Per upload: role, name, bytes and (images) the fitted width/height."""
        out = []
        for up, info in zip(self.uploads, _flat_infos(self.infos), strict=False):
            out.append(
                {
                    "role": up.role,
                    "name": up.name,
                    "bytes": up.nbytes,
                    "width": info.width if info is not None else None,
                    "height": info.height if info is not None else None,
                }
            )
        return out


def _flat_infos(infos: dict[str, list[InputInfo]]) -> list[InputInfo | None]:
    flat: list[InputInfo | None] = [info for value in infos.values() for info in value]
    return flat + [None] * 8


def plan(
    feature: str,
    source: Source | None = None,
    *,
    mask: ImageSource | None = None,
    refs: Sequence[ImageSource] = (),
    params: JsonObject | None = None,
    api: str | None = None,
    variant: str | None = None,
    frame: int | None = None,
) -> Plan:
    """Check and prepare a job without sending anything; `InputError` lists every violation.

    Returns the `Plan`: fitted sizes (`Plan.sizes`), notes, documented cost, content hashes.
    ``frame`` picks one frame (0-based) of a multi-frame source file.
    """
    p, problems = _check_inputs(feature, source, mask=mask, refs=refs, params=params, api=api, variant=variant)
    p.frame = frame
    problems += _frame_problems(frame) + _prepare_inputs(p, source, mask=mask, refs=refs)
    _raise_if(p, problems, F.validate(p.feature, p.params, p.infos or None, api=p.api, variant=p.variant))
    p.prepared = True
    return p


def validate(
    feature: str,
    source: Source | None = None,
    *,
    mask: ImageSource | None = None,
    refs: Sequence[ImageSource] = (),
    params: JsonObject | None = None,
    api: str | None = None,
    variant: str | None = None,
    frame: int | None = None,
) -> Plan:
    """The checks that need no pixels (feature, endpoint, params, which inputs it takes): step 1 of `plan`."""
    p, problems = _check_inputs(feature, source, mask=mask, refs=refs, params=params, api=api, variant=variant)
    p.frame = frame
    problems += _frame_problems(frame)
    _raise_if(p, problems, F.validate(p.feature, p.params, None, api=p.api, variant=p.variant))
    return p


def prepare(
    p: Plan, source: Source | None = None, *, mask: ImageSource | None = None, refs: Sequence[ImageSource] = ()
) -> Plan:
    """Load, check, fit and encode every input of a validated plan (in place): step 2 of `plan`."""
    problems = _prepare_inputs(p, source, mask=mask, refs=refs)
    _raise_if(
        p,
        problems,
        F.validate(p.feature, p.params, p.infos, api=p.api, variant=p.variant) if p.infos and not problems else [],
    )
    p.prepared = True
    return p


def _raise_if(p: Plan, problems: list[str], violations: list[Violation]) -> None:
    """One `InputError` for everything found: a single problem as it is, several as a list."""
    if not problems and not violations:
        return
    if len(problems) == 1 and not violations:
        raise InputError(problems[0])
    lines = "\n".join(f"  - {x}" for x in [*problems, *violations])
    raise InputError(
        f"{p.feature}: {len(problems) + len(violations)} problem(s) to fix before running:\n{lines}",
        violations=list(violations),
    )


def _check_inputs(
    feature: str,
    source: Source | None,
    *,
    mask: ImageSource | None,
    refs: Sequence[ImageSource],
    params: JsonObject | None,
    api: str | None,
    variant: str | None,
) -> tuple[Plan, list[str]]:
    """The plan's frame (an unknown feature or endpoint raises at once) and what the inputs lack."""
    spec = F.get(feature)
    api = api or "v2"
    endpoint = F.endpoint_for(spec, api, variant)
    params = dict(params or {})
    src_input = endpoint.input("src") or endpoint.input("srcs")
    mask_input = endpoint.input("mask")
    ref_input = endpoint.input("ref") or endpoint.input("refs")
    refs = list(refs or [])
    checks = [
        (mask is not None and mask_input is None, f"{spec.key} ({api}) takes no mask; remove it"),
        (
            mask is None and mask_input is not None and bool(mask_input and mask_input.required),
            f"{spec.key} needs a mask: paint the area to change (white = change)",
        ),
        (bool(refs) and ref_input is None, f"{spec.key} ({api}) takes no reference image; remove it"),
        (ref_input is not None and ref_input.required and not refs, f"{spec.key} needs a reference image (--ref)"),
        (
            ref_input is not None and not ref_input.many and len(refs) > 1,
            f"{spec.key} takes one reference image, {len(refs)} were given",
        ),
        (
            src_input is None and source is not None,
            f"{spec.key} ({api}) takes no source image (it generates from params)",
        ),
        (
            src_input is not None and not src_input.many and isinstance(source, (list, tuple)) and len(source) > 1,
            f"{spec.key} takes one source, {len(source) if isinstance(source, (list, tuple)) else 1} were given",
        ),
        (
            src_input is not None and src_input.required and source is None,
            f"{spec.key} needs a source {src_input.kind if src_input else ''}",
        ),
    ]
    p = Plan(
        feature=spec.key,
        title=spec.title,
        api=api,
        variant=endpoint.variant,
        endpoint=endpoint,
        params=params,
        kind=_output_kind(endpoint, params),
        unit_cost=_safe_cost(endpoint, params),
        source_name=Path(source).name if isinstance(source, (str, Path)) else None,
    )
    return p, [msg for bad, msg in checks if bad]


def _frame_problems(frame: int | None) -> list[str]:
    return [f"frame must be 0 or more (0 = the first frame), not {frame}"] if frame is not None and frame < 0 else []


def _prepare_inputs(
    p: Plan, source: Source | None, *, mask: ImageSource | None, refs: Sequence[ImageSource]
) -> list[str]:
    """Fit and encode each input into ``p`` (hashing its content); the problems found, per input."""
    endpoint = p.endpoint
    limits = F.limits_for(endpoint, p.params)
    src_input = endpoint.input("src") or endpoint.input("srcs")
    ref_input = endpoint.input("ref") or endpoint.input("refs")
    problems: list[str] = []
    if source is not None and src_input is not None:
        sources: list[object] = list(source) if (src_input.many and isinstance(source, (list, tuple))) else [source]
        try:
            if src_input.kind == "video":
                _prepare_video(p, sources[0], limits)
                if mask is not None and endpoint.input("mask") is not None:
                    _prepare_video_mask(p, mask)
            else:
                # a mask the endpoint does not take was reported by `_check_inputs`
                _prepare_images(p, sources, mask if endpoint.input("mask") else None, limits, src_input.role)
        except InputError as exc:
            problems.append(exc.message)
    for i, r in enumerate(refs or () if ref_input is not None else ()):
        assert ref_input is not None  # the loop is empty without one
        try:
            rarr = _load_image(r, "reference")
            rprep = imaging.prepare(rarr, ref_input.limits or limits)
        except InputError as exc:
            problems.append(exc.message)
            continue
        p.input_hashes.setdefault(ref_input.role, []).append(content_hash(rarr))
        p.uploads.append(
            Upload(ref_input.role, rprep.image.data, rprep.image.content_type, f"ref{i}.{rprep.image.format}")
        )
        p.infos.setdefault(ref_input.role, []).append(rprep.info)
    return problems


def _prepare_images(p: Plan, sources: Sequence[object], mask: ImageSource | None, limits: Limits, role: str) -> None:
    mask_arr = imaging.load_mask(mask) if mask is not None else None
    for i, s in enumerate(sources):
        if isinstance(s, (str, Path)):
            arr = read_image_file(s, what="source", frame=p.frame)
        else:
            arr = _load_image(s, "source")
        prep = imaging.prepare(arr, limits, mask=mask_arr if i == 0 else None)
        p.input_hashes.setdefault(role, []).append(content_hash(arr))
        if i == 0:
            p.source_array, p.transform = arr, prep.transform
            p.notes.extend(prep.notes)
        p.uploads.append(Upload(role, prep.image.data, prep.image.content_type, f"{role}{i}.{prep.image.format}"))
        p.infos.setdefault(role, []).append(prep.info)
        if i == 0 and prep.mask is not None:
            assert mask_arr is not None
            p.input_hashes["mask"] = [content_hash(mask_arr)]
            p.uploads.append(Upload("mask", prep.mask.data, prep.mask.content_type, "mask.png"))
            p.infos["mask"] = [prep.mask_info or prep.info]


def _prepare_video_mask(p: Plan, mask: ImageSource) -> None:
    """The mask of one video frame (painted on the frame the params name) as a PNG, by the one mask rule."""
    arr = imaging.load_mask(mask)
    imaging.check_mask(arr, arr.shape)  # not empty, not full (the video's size is not known here)
    p.input_hashes["mask"] = [content_hash(arr)]
    p.uploads.append(Upload("mask", imaging.mask_png_bytes(to_mask_bool(arr)), "image/png", "mask.png"))


def _prepare_video(p: Plan, video: object, limits: Limits) -> None:
    if isinstance(video, (bytes, bytearray)):
        up = Upload("src", bytes(video), "video/mp4", "source.mp4")
    elif not isinstance(video, (str, Path)):
        raise InputError(f"source: expected a video file path, got {type(video).__name__}")
    else:
        path = Path(video)
        if not path.is_file():
            raise InputError(f"source: no such video file: {path}")
        ext = path.suffix.lower()
        fmts = limits.formats
        if fmts and ext.lstrip(".") not in fmts:
            raise InputError(f"source: {path.name}: {p.feature} accepts {', '.join(fmts)} videos")
        up = Upload("src", path, _VIDEO_TYPES.get(ext, "video/mp4"), path.name)
        if up.nbytes == 0:
            raise InputError(f"source: {path.name} is empty (0 bytes): choose a video file")
        if not _looks_like_mp4(path):
            raise InputError(
                f"source: {path.name} is not an MP4/MOV video (no ISO media header): export it as MP4 (H.264)"
            )
    max_b = limits.max_bytes
    if up.nbytes >= max_b:
        raise InputError(f"source: the video is {up.nbytes / 2**20:.1f} MiB; it must be under {max_b // 2**20} MiB")
    p.input_hashes["src"] = [content_hash(up.data)]
    p.uploads.append(up)


def _looks_like_mp4(path: Path) -> bool:
    """True when the file starts like an ISO media (MP4/MOV) file: a box header."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    return len(head) == 8 and head[4:8] in _MP4_BOXES


def _safe_cost(endpoint: Endpoint, params: JsonObject) -> float | None:
    try:
        return F.unit_cost(endpoint, params)
    except Exception:  # noqa: BLE001 - an undocumented cost must not stop a job
        return None
