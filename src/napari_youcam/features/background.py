"""Background family: removal, blur, change.

The v1 blur/change endpoints are different products under the same names: they
return a foreground mask for the client to composite, while v2 returns the
finished image (DISCREPANCIES A8). Both are listed; the titles say which is which.
Facts: API-V2 §13.10-13.12, API-V1 §7 rows 13, 20, 21.
"""

from __future__ import annotations

from collections.abc import Mapping

from napari_youcam.limits import Limits

from .blocks import JPG_PNG, SRC, V2_TEMPLATE, v1, v1_file, v2
from .spec import Endpoint, FeatureSpec, Param, RuleInputs, Violation

JPG_PNG_ONLY = ("jpg", "png")  # the v2 contracts say "JPG, PNG"; jpeg files are accepted as jpg
# v1 (seed 002 global table, lines 388-390): jpg/jpeg/png for removal, blur and change.

SOD = FeatureSpec(
    key="sod",
    title="AI Photo Background Removal",
    family="background",
    summary="Cut out the subject (salient object) from its background.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("sod"),
            inputs=(SRC,),
            limits=Limits(4096, formats=JPG_PNG_ONLY),
            cost=1,
        ),
        Endpoint(
            api="v1",
            task_path=v1("sod"),
            inputs=(SRC,),
            limits=Limits(4096, formats=JPG_PNG),
            file_path=v1_file("sod"),
        ),
    ),
    notes=("Whether the result carries alpha is not stated.",),
)

BG_BLUR = FeatureSpec(
    key="bg-blur",
    title="AI Photo Background Blur",
    family="background",
    summary="Blur the background behind the main subject.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("bg-blur"),
            inputs=(SRC,),
            params=(
                Param(
                    "intensity",
                    "int",
                    default=50,
                    minimum=0,
                    maximum=100,
                    help="blur strength: 0 = none, 100 = maximum",
                ),
            ),
            limits=Limits(4096, formats=JPG_PNG_ONLY, note="one prominent subject (largest chosen)"),
            cost=1,
        ),
        Endpoint(
            api="v1",
            task_path=v1("sod/blur-background"),
            inputs=(SRC,),
            limits=Limits(4096, formats=JPG_PNG),
            file_path=v1_file("sod/blur-background"),
            help="v1 returns a foreground mask to blur with yourself (A8)",
        ),
    ),
    notes=("v1 and v2 differ in what they return (A8).",),
)


def _bg_replace_rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
    kind = params.get("type", "prompt")
    if kind == "prompt" and params.get("template_id") and not params.get("prompt"):
        return [
            Violation(
                "template_id", "template_id is ignored when type is prompt: set type to template, or write a prompt"
            )
        ]
    if kind == "template" and params.get("prompt"):
        return [Violation("prompt", "prompt is ignored when type is template: set type to prompt, or drop it")]
    return []


BG_REPLACE = FeatureSpec(
    key="bg-replace",
    title="AI Photo Background Change",
    family="background",
    summary="Replace the background from a prompt or a template.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("bg-replace"),
            inputs=(SRC,),
            params=(
                Param(
                    "type",
                    "enum",
                    default="prompt",
                    choices=("prompt", "template"),
                    help="prompt: describe the new background; template: use template_id",
                ),
                Param("prompt", "str", min_length=1, help="describe the new background"),
                Param("template_id", "str", min_length=1, help="background template id (type template)"),
            ),
            limits=Limits(4096),
            template_path=V2_TEMPLATE + "bg-replace",
            rules=(_bg_replace_rule,),
            cost=4,
        ),
        Endpoint(
            api="v1",
            task_path=v1("sod/change-background"),
            inputs=(SRC,),
            limits=Limits(4096),
            file_path=v1_file("sod/change-background"),
            help="v1 returns a foreground mask to composite yourself (A8)",
        ),
    ),
    notes=("v1 and v2 differ in what they return (A8).",),
)

BACKGROUND = (SOD, BG_BLUR, BG_REPLACE)
