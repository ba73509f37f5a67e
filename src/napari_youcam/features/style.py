"""Style family: makeup transfer, face swap.

Facts: API-V2 §13.17-13.18, API-V1 §7 rows 22-24; A5, B9, D17.
"""

from __future__ import annotations

from collections.abc import Mapping

from napari_youcam.limits import Limits

from .blocks import REFS, SRC, ref, v1, v1_file, v2
from .spec import Endpoint, FeatureSpec, Param, RuleInputs, Violation

_MU_INPUTS = (SRC, ref("the face whose makeup to copy"))
_MU_LIMITS = Limits(1024, note="single full face in both photos")

MU_TRANSFER = FeatureSpec(
    key="mu-transfer",
    title="AI Makeup Transfer",
    family="style",
    summary="Copy the makeup of a reference face onto the user's face.",
    endpoints=(
        Endpoint(api="v2", task_path=v2("mu-transfer"), inputs=_MU_INPUTS, limits=_MU_LIMITS, cost=2),
        Endpoint(
            api="v1",
            task_path=v1("mu-transfer"),
            inputs=_MU_INPUTS,
            limits=_MU_LIMITS,
            file_path=v1_file("mu-transfer"),
        ),
    ),
)


def _face_mapping_rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    fm = params.get("face_mapping")
    if fm is None:
        return []
    how = 'a list of {"index": ref image number, "position": face number}'
    if not isinstance(fm, (list, tuple)) or not fm:
        return [Violation("face_mapping", f"must be {how}, got {fm!r}")]
    v: list[Violation] = []
    n_refs = len((inputs or {}).get("refs") or []) or None
    positions: list[int] = []
    for i, item in enumerate(fm):
        field = f"face_mapping[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"index", "position"}:
            v.append(Violation(field, f'must be {{"index": int, "position": int}}, got {item!r}'))
            continue
        idx, pos = item["index"], item["position"]
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (idx, pos)):
            v.append(Violation(field, "index and position must be whole numbers"))
            continue
        if (idx == -1) != (pos == -1):
            v.append(Violation(field, "to skip a face set both index and position to -1"))
            continue
        if idx < -1 or pos < -1:
            v.append(Violation(field, "index and position are 0-based (-1 only to skip a face)"))
            continue
        if n_refs is not None and idx >= n_refs:
            v.append(Violation(field, f"index {idx} but only {n_refs} reference image(s): use 0..{n_refs - 1}"))
        if pos >= 0:
            positions.append(pos)
    dup = sorted({p for p in positions if positions.count(p) > 1})
    if dup:
        v.append(Violation("face_mapping", f"face position(s) {dup} mapped twice: map each face once"))
    if positions != sorted(positions):
        v.append(Violation("face_mapping", "order the entries by position (face number)"))
    return v


_FACE_MAPPING = Param(
    "face_mapping",
    "json",
    required=True,
    help='which reference goes on which face: [{"index": 0, "position": 0}], '
    "position from the pre-process faces; -1/-1 skips a face",
)

FACE_SWAP = FeatureSpec(
    key="face-swap",
    title="AI Face Swap",
    family="style",
    summary="Swap one or more faces in a photo with reference faces.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("face-swap"),
            inputs=(SRC, REFS),
            params=(_FACE_MAPPING,),
            limits=Limits(4096),
            preprocess_path=v2("face-swap/pre-process"),
            rules=(_face_mapping_rule,),
            cost=1,
        ),
        Endpoint(
            api="v1",
            task_path=v1("face-swap"),
            inputs=(SRC, REFS),
            params=(_FACE_MAPPING,),
            limits=Limits(4096, note="v1 documents a single face only"),
            preprocess_path=v1("face-swap/pre-process"),
            rules=(_face_mapping_rule,),
            file_path=v1_file("face-swap"),
        ),
    ),
    notes=(
        "Contract prose shows a v1 body; the flat v2 schema is used (A5).",
        "Pre-process bbox may be nested [[...]] (v1) or flat (v2) (B9).",
    ),
)

STYLE = (MU_TRANSFER, FACE_SWAP)
