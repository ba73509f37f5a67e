"""Fashion family: clothes (virtual try-on), fabric.

Facts: API-V2 §13.28-13.29, API-V1 §7 rows 9-10; C10, D10.
"""

from __future__ import annotations

from collections.abc import Mapping

from napari_youcam.limits import Limits

from .blocks import (
    JPG_ONLY,
    SRC,
    V1_STYLE_GROUP,
    V2_TEMPLATE,
    ref,
    style_ids_rule,
    style_params,
    template_id,
    v1,
    v1_file,
    v2,
)
from .spec import Endpoint, FeatureSpec, Param, Rule, RuleInputs, Violation

GARMENTS_V1 = ("full_body", "lower_body", "upper_body")
GARMENTS_V2 = GARMENTS_V1 + ("shoes", "auto")
GARMENTS_V4 = GARMENTS_V2 + ("outer",)

_CLOTH_NOTE = "single person >= 80 % of the frame, shoulders visible, facing forward, standing"


def _cloth_limits(formats: tuple[str, ...]) -> Limits:
    return Limits(4096, short_min=384, long_min=512, formats=formats, note=_CLOTH_NOTE)


def _garment(choices: tuple[str, ...], *, required: bool) -> Param:
    return Param(
        "garment_category", "enum", required=required, choices=choices, help="which garment the reference shows"
    )


_CHANGE_SHOES = Param(
    "change_shoes", "bool", default=True, help="also change shoes (full_body / lower_body garments only)"
)


def _ref_or_template(template_param: str) -> Rule:
    """Exactly one of a reference garment (with garment_category) or a template."""

    def rule(params: Mapping[str, object], inputs: RuleInputs, endpoint: Endpoint) -> list[Violation]:
        has_tpl = params.get(template_param) is not None
        has_ref = inputs is not None and bool(inputs.get("ref"))
        v: list[Violation] = []
        if has_tpl and has_ref:
            v.append(Violation(template_param, f"give a reference garment or a {template_param}, not both"))
        elif inputs is not None and not has_tpl and not has_ref:
            v.append(Violation("ref", f"give a reference garment photo (ref) or a {template_param}"))
        elif inputs is None and not has_tpl and params.get("garment_category") is None:
            v.append(
                Violation(
                    "garment_category",
                    f"with a reference garment set garment_category; otherwise give a {template_param}",
                )
            )
        if has_ref and params.get("garment_category") is None:
            choices = ", ".join(map(str, endpoint.param("garment_category").choices))
            v.append(
                Violation(
                    "garment_category", f"garment_category is required with a reference garment: pick one of {choices}"
                )
            )
        return v

    return rule


CLOTH = FeatureSpec(
    key="cloth",
    title="AI Clothes",
    family="fashion",
    summary="Virtual try-on: dress the person in a reference garment (or a template).",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("cloth"),
            variant="v2",
            inputs=(SRC, ref("the garment to try on (or use template_id)", required=False)),
            params=(
                _garment(GARMENTS_V2, required=False),
                Param("template_id", "str", min_length=1, help="outfit template (instead of a garment photo)"),
                _CHANGE_SHOES,
            ),
            limits=_cloth_limits(("jpg", "png")),
            template_path=V2_TEMPLATE + "cloth",
            rules=(_ref_or_template("template_id"),),
            cost=2,
        ),
        Endpoint(
            api="v2",
            task_path=v2("cloth-v3"),
            variant="v3",
            inputs=(SRC, ref("the garment to try on")),
            params=(_garment(GARMENTS_V2, required=True), _CHANGE_SHOES),
            limits=_cloth_limits(("jpg", "png")),
            cost=2,
        ),
        Endpoint(
            api="v2",
            task_path=v2("cloth-v4"),
            variant="v4",
            inputs=(SRC, ref("the garment to try on")),
            params=(_garment(GARMENTS_V4, required=True), _CHANGE_SHOES),
            limits=_cloth_limits(("jpg", "png")),
            cost_note="not listed",
        ),
        Endpoint(
            api="v1",
            task_path=v1("cloth"),
            inputs=(SRC, ref("the garment to try on (or use a style)", required=False)),
            params=(
                _garment(GARMENTS_V1, required=False),
                *(Param(p.name, p.kind, help=p.help + " (instead of a garment photo)") for p in style_params()),
            ),
            limits=_cloth_limits(JPG_ONLY),
            template_path=V1_STYLE_GROUP + "cloth",
            file_path=v1_file("cloth"),
            rules=(_ref_or_template("style_group_id"), style_ids_rule()),
        ),
    ),
    notes=(
        "garment_category values differ per variant; v4 adds outer (C10).",
        "v4 prose mentions template_id but its schema has none (C10).",
        "v2 formats jpg/png, v1 jpg/jpeg (D10).",
    ),
)

FABRIC = FeatureSpec(
    key="fabric",
    title="AI Fabric",
    family="fashion",
    summary="Change the fabric of the clothes from a template.",
    endpoints=(
        Endpoint(
            api="v2",
            task_path=v2("fabric"),
            inputs=(SRC,),
            params=(template_id(),),
            limits=Limits(4096, formats=JPG_ONLY, note="abdomen, face, shoulders visible"),
            template_path=V2_TEMPLATE + "fabric",
            cost=2,
        ),
        Endpoint(
            api="v1",
            task_path=v1("fabric"),
            inputs=(SRC,),
            params=style_params(),
            limits=Limits(4096, formats=JPG_ONLY),
            file_path=v1_file("fabric"),
            template_path=V1_STYLE_GROUP + "fabric",
            rules=(style_ids_rule(),),
        ),
    ),
)

FASHION = (CLOTH, FABRIC)
