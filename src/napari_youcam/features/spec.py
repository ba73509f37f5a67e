"""The shape of one feature's description.

Everything the rest of the package needs to know about a service feature lives in
one `FeatureSpec`: which endpoints exist per API generation, which files go in,
which parameters are accepted (with the documented ranges), and which image limits
apply. Widgets, the CLI, the API client, the sandbox and the image helpers all read
these objects instead of carrying their own copies of the documentation, so a fact
is written once.

Facts come from the spec documents (see ``docs/SOURCES.md``); where the sources
disagree, the choice is recorded in the ``notes`` of the spec.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from napari_youcam.limits import InputInfo, Limits, Violation

Api = Literal["v2", "v1"]
ParamKind = Literal[
    "int",  # integer, optionally bounded
    "float",  # number, optionally bounded
    "bool",
    "str",  # free text (prompt, template id, ...)
    "enum",  # one of `choices`
    "enum_list",  # list of distinct values from `choices`
    "color",  # "#RRGGBB"
    "json",  # structured value passed through (e.g. face_mapping, palettes)
]
OutputKind = Literal["image", "images", "zip", "json", "video", "boxes"]
InputRole = Literal["src", "mask", "ref", "refs", "srcs"]


@dataclass(frozen=True)
class Param:
    """One request parameter.

    ``name`` is the dotted path in the v2 body (``features.eye_bag`` becomes
    ``{"features": {"eye_bag": ...}}``). ``v1_place`` says where the value goes in a
    v1 request: inside ``payload.actions[0].params`` (default), ``payload.custom``
    (output_count, dst_duration) or as ``actions[0].dst_actions`` (skin analysis).
    """

    name: str
    kind: ParamKind
    required: bool = False
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[object, ...] = ()
    max_length: int | None = None
    min_length: int | None = None
    help: str = ""
    v1_place: Literal["params", "custom", "dst_actions"] = "params"
    # Sent even when the caller leaves it out, with `default` as the value: for
    # fields the contract requires although a neutral value exists (face-reshape
    # `global.*`, face-lift/face-reshape `version`).
    send_default: bool = False
    # A starting choice for a required parameter that has no documented default (skin
    # analysis's concerns): forms preselect it and the CLI fills it in with a note. The
    # library never sends it on its own: a caller who gives nothing gets the error.
    suggested: tuple[object, ...] = ()

    @property
    def label(self) -> str:
        """A human label derived from the name (last dotted part, words split)."""
        return self.name.split(".")[-1].replace("_", " ")


@dataclass(frozen=True)
class Input:
    """One file input of an endpoint.

    ``v2_fields`` are the body fields for an uploaded file id and for a public URL,
    e.g. ``("src_file_id", "src_file_url")`` or ``("ref_file_ids", "ref_file_urls")``
    for lists. ``v1_field`` is the key in ``payload.file_sets`` (``src_ids``,
    ``mask_ids`` for object removal, ``msk_ids`` for replace, ``ref_ids``).
    """

    role: InputRole
    kind: Literal["image", "video"] = "image"
    required: bool = True
    v2_fields: tuple[str, str] = ("src_file_id", "src_file_url")
    v1_field: str = "src_ids"
    many: bool = False  # a list of files (refs / srcs)
    max_count: int = 1
    help: str = ""
    # Limits for this input when they differ from the endpoint's (the reference
    # face IMAGE of video face swap, whose endpoint limits describe the video).
    limits: Limits | None = None


# What a rule sees of the input files: role -> one InputInfo per file, or None
# when the files are not known yet (parameter-only validation).
RuleInputs = Mapping[str, Sequence[InputInfo]] | None
# What callers of validation pass: role -> one InputInfo or several (None = absent).
InputFiles = Mapping[str, InputInfo | Sequence[InputInfo] | None]
Rule = Callable[[Mapping[str, object], RuleInputs, "Endpoint"], list[Violation]]
# A cost that depends on the params (per concern / per image / per second tables).
CostFn = Callable[[Mapping[str, object]], float | None]
# Limits that depend on the params (skin analysis HD needs short side >= 1080).
LimitsFn = Callable[[Mapping[str, object]], Limits]


@dataclass(frozen=True)
class Endpoint:
    """One way to run a feature: an API generation plus a task path.

    A feature can have several endpoints per generation (image generator: template
    text-to-image, YouCam text-to-image, image-to-image). ``variant`` names them;
    the first endpoint of a generation is its default.
    """

    api: Api
    task_path: str  # POST path; v2 polls task_path/{id}, v1 polls task_path?task_id=
    variant: str = "default"
    inputs: tuple[Input, ...] = ()
    params: tuple[Param, ...] = ()
    limits: Limits = field(default_factory=Limits)
    output: OutputKind = "image"
    file_path: str | None = None  # v1 per-feature file registration path
    preprocess_path: str | None = None  # face selection (face-lift, face-reshape, face-swap)
    template_path: str | None = None  # v2 template list, or v1 style-group list
    help: str = ""
    # Feature-specific rules beyond per-parameter checks: each gets the params
    # (defaults applied), the inputs (role -> list of InputInfo, or None) and the
    # endpoint, and returns the violations it finds.
    rules: tuple[Rule, ...] = ()
    # The documented unit cost, the one source of truth: a number, or a function
    # of the params (per concern / per image / per second tables); None when
    # undocumented or not computable.
    cost: float | CostFn | None = None
    # What the number cannot say, in words: a qualifier of a numeric cost
    # ("single item"), the table of a cost function, or why there is no cost.
    # Never the number again: `units` puts the two together.
    cost_note: str = ""
    limits_for: LimitsFn | None = None  # limits that depend on the params
    # v1 only: the action must carry a ``params`` object even when no parameter
    # is given (the document marks ``params`` required with no fields inside:
    # photo lighting sends ``"params": {}``).
    v1_empty_params: bool = False

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.task_path} has no parameter {name!r}")

    def input(self, role: str) -> Input | None:
        for i in self.inputs:
            if i.role == role:
                return i
        return None

    @property
    def units(self) -> str:
        """The documented cost in words: ``"2"``, ``"1 (single item)"``, or the note of a cost table."""
        if self.cost is None or callable(self.cost):
            return self.cost_note
        number = f"{self.cost:g}"
        return f"{number} ({self.cost_note})" if self.cost_note else number

    @property
    def slug(self) -> str:
        """The feature part of the task path (``sod/blur-background``, ``cloth-v3``)."""
        return self.task_path.split("/task/", 1)[1]

    def limits_with(self, params: Mapping[str, object] | None = None) -> Limits:
        """The limits that apply for these params (most endpoints: always ``limits``)."""
        if self.limits_for is not None and params is not None:
            return self.limits_for(params)
        return self.limits


@dataclass(frozen=True)
class FeatureSpec:
    """Everything about one service feature, across generations.

    ``key`` is the service's own slug (``skin-analysis``, ``obj-removal``,
    ``out-paint``...). ``family`` groups features into dock widgets.
    """

    key: str
    title: str
    family: str
    endpoints: tuple[Endpoint, ...]
    summary: str = ""
    notes: tuple[str, ...] = ()

    @property
    def apis(self) -> tuple[Api, ...]:
        seen: list[Api] = []
        for e in self.endpoints:
            if e.api not in seen:
                seen.append(e.api)
        return tuple(seen)

    def endpoint(self, api: str = "v2", variant: str | None = None) -> Endpoint:
        """The endpoint for a generation (its default variant unless one is named); KeyError when none."""
        for e in self.endpoints:
            if e.api == api and (variant is None or e.variant == variant):
                return e
        have = ", ".join(f"{e.api}:{e.variant}" for e in self.endpoints)
        want = f"{api}:{variant}" if variant else api
        raise KeyError(f"{self.key} has no endpoint {want}; it has {have}")

    def variants(self, api: Api) -> tuple[str, ...]:
        return tuple(e.variant for e in self.endpoints if e.api == api)


__all__ = [
    "Api",
    "CostFn",
    "Endpoint",
    "FeatureSpec",
    "Input",
    "InputInfo",
    "InputRole",
    "Limits",
    "LimitsFn",
    "OutputKind",
    "Param",
    "ParamKind",
    "Rule",
    "RuleInputs",
    "Violation",
]
