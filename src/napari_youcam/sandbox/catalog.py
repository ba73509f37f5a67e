"""The sandbox's route table, derived from the feature catalogue.

The sandbox must serve exactly the paths the client will call, so it never keeps
its own list: every task path, pre-process path, template path and v1 file path
comes from `napari_youcam.features`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from napari_youcam import features as F
from napari_youcam.features.spec import Api, Endpoint, FeatureSpec


@dataclass(frozen=True)
class Route:
    """One POST path that creates a task (or a pre-process task)."""

    feature: str  # catalogue key
    spec: FeatureSpec
    endpoint: Endpoint
    kind: Literal["task", "preprocess"]
    path: str

    @property
    def api(self) -> Api:
        return self.endpoint.api


@dataclass
class Catalog:
    routes: dict[str, Route]  # POST path -> route
    file_slugs: dict[str, Route]  # v1 file slug -> first route with that slug
    template_slugs: dict[str, Route]  # slug after /task/ -> route (templates/styles)
    features: dict[str, FeatureSpec]

    def match_poll(self, path: str) -> tuple[Route, str] | None:
        """Find the v2 route whose task path prefixes `path`; return it and the id part."""
        best: Route | None = None
        for p, r in self.routes.items():
            if r.api == "v2" and path.startswith(p + "/") and (best is None or len(p) > len(best.path)):
                best = r
        if best is None:
            return None
        return best, path[len(best.path) + 1 :]


def load() -> Catalog:
    """Build the route table from `napari_youcam.features`."""
    feats = dict(F.FEATURES)
    routes: dict[str, Route] = {}
    files: dict[str, Route] = {}
    templates: dict[str, Route] = {}
    for key, spec in feats.items():
        for ep in spec.endpoints:
            r = Route(key, spec, ep, "task", ep.task_path)
            routes.setdefault(ep.task_path, r)
            # template lists (/s2s/v2.0/task/template/<slug>, /s2s/v1.0/task/style-group/<slug>)
            # and v1 file registrations (/s2s/v1.1/file/<slug>) end in the task path's slug
            templates.setdefault(ep.slug, r)
            if ep.preprocess_path:
                routes.setdefault(ep.preprocess_path, Route(key, spec, ep, "preprocess", ep.preprocess_path))
            if ep.api == "v1" and ep.file_path:
                files.setdefault(ep.slug, r)
    return Catalog(routes, files, templates, feats)


def unit_cost(endpoint: Endpoint, params: Mapping[str, object]) -> float:
    """The documented cost of one successful task (1 unit when undocumented)."""
    cost = F.unit_cost(endpoint, params)
    return float(cost) if cost is not None else 1.0


def validate(route: Route, params: Mapping[str, object]) -> list[str]:
    """Parameter violations from the catalogue, as strings (empty = fine)."""
    out = F.validate(route.spec, params, None, api=route.endpoint.api, variant=route.endpoint.variant)
    return [str(v) for v in out]
