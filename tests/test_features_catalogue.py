"""Cross-check the catalogue against tests/data/FEATURES.tsv, row by row.

The TSV is the digest the catalogue was written from; re-reading it here means a
typo in a path, a parameter name, a size limit or a format list fails CI.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from napari_youcam import features as F
from napari_youcam.errors import InputError

TSV = Path(__file__).parent / "data" / "FEATURES.tsv"

ROW_TO_KEY = {
    "face_lift": "face-lift",
    "face_reshape": "face-reshape",
    "face_analyzer": "face-attr-analysis",
    "skin_simulation": "skin-simulation",
    "skin_analysis": "skin-analysis",
    "object_removal_pro": "generative-fill",
    "object_removal": "obj-removal",
    "replace": "obj-replace",
    "image_extender": "out-paint",
    "photo_enhance": "enhance",
    "background_removal": "sod",
    "background_blur": "bg-blur",
    "background_change": "bg-replace",
    "photo_colorize": "colorize",
    "color_correction": "color-correct",
    "photo_lighting": "lighting",
    "image_generator": "text-to-image",
    "makeup_transfer": "mu-transfer",
    "face_swap": "face-swap",
    "headshot": "headshot",
    "avatar": "ai-avatar",
    "studio": "ai-studio",
    "hair_color": "hair-color",
    "hairstyle": "hair-style",
    "hair_extension": "hair-ext",
    "bangs": "hair-bang",
    "hair_volume": "hair-vol",
    "wavy_hair": "hair-curl",
    "clothes": "cloth",
    "fabric": "fabric",
    "video_enhancer": "video-sr",
    "video_face_swap": "face-swap-vid",
    "video_style_transfer": "video-trans",
    "video_generator": "image-to-video",
}

# Try-on and body features, added from the vendor's per-feature OpenAPI contracts.
TRYON_BODY_ROWS = {
    "ring_vto": "ring",
    "bracelet_vto": "bracelet",
    "watch_vto": "watch",
    "earring_vto": "earring",
    "necklace_vto": "necklace",
    "bag_vto": "bag",
    "hat_vto": "hat",
    "scarf_vto": "scarf",
    "shoes_vto": "shoes",
    "nail_transfer": "ai-nail",
    "nail_vto": "nail-vto",
    "abs_filter": "abs-shape",
    "body_reshape": "body-reshape",
    "breast_augmentation": "breast-shape",
}
ROW_TO_KEY.update(TRYON_BODY_ROWS)

# Analyzers, beauty and video-editing features, added from the vendor's per-feature OpenAPI contracts.
ANALYSIS_BEAUTY_VIDEO_ROWS = {
    "fitzpatrick_skin_type": "fitzpatrick-scale-analyzer",
    "skin_tone_analysis": "skin-tone-analysis",
    "hair_type_detection": "hair-type-detection",
    "hair_length_detection": "hair-length-detection",
    "hair_density_detection": "hair-density-detection",
    "hair_frizziness_detection": "hair-frizziness-detection",
    "aging_simulation": "aging",
    "smile": "ai-smile",
    "teeth_whitening": "teeth-whiten",
    "eye_color_lens": "eye-color-vto",
    "beard_style": "beard-style",
    "makeup_vto": "makeup-vto",
    "look_vto": "look-vto",
    "video_background_replace": "bg-replace-vid",
    "video_object_removal": "obj-rem-vid",
}
ROW_TO_KEY.update(ANALYSIS_BEAUTY_VIDEO_ROWS)

FAMILIES = {
    "face": ["face-lift", "face-reshape", "face-attr-analysis", "skin-simulation", "skin-analysis"],
    "analysis": [
        "fitzpatrick-scale-analyzer",
        "skin-tone-analysis",
        "hair-type-detection",
        "hair-length-detection",
        "hair-density-detection",
        "hair-frizziness-detection",
    ],
    "retouch": [
        "generative-fill",
        "obj-removal",
        "obj-replace",
        "out-paint",
        "enhance",
        "lighting",
        "colorize",
        "color-correct",
    ],
    "background": ["sod", "bg-blur", "bg-replace"],
    "generate": ["text-to-image", "headshot", "ai-avatar", "ai-studio"],
    "style": ["mu-transfer", "face-swap"],
    "hair": ["hair-color", "hair-style", "hair-ext", "hair-bang", "hair-vol", "hair-curl"],
    "fashion": ["cloth", "fabric"],
    "beauty": ["aging", "ai-smile", "teeth-whiten", "eye-color-vto", "beard-style", "makeup-vto", "look-vto"],
    "try-on": [
        "ring",
        "bracelet",
        "watch",
        "earring",
        "necklace",
        "bag",
        "hat",
        "scarf",
        "shoes",
        "ai-nail",
        "nail-vto",
    ],
    "body": ["abs-shape", "body-reshape", "breast-shape"],
    "video": ["video-sr", "face-swap-vid", "video-trans", "image-to-video", "bg-replace-vid", "obj-rem-vid"],
}


def _rows() -> list[dict[str, str]]:
    with TSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


ROWS = _rows()


def _ids(rows):
    return [r["key"] for r in rows]


def test_tsv_has_a_row_per_feature_and_catalogue_matches_them():
    assert len(ROWS) == len(ROW_TO_KEY)
    assert sorted(ROW_TO_KEY[r["key"]] for r in ROWS) == sorted(F.FEATURES)


def test_menu_order_and_families_follow_interfaces():
    assert list(F.FEATURES) == [k for keys in FAMILIES.values() for k in keys]
    for family, keys in FAMILIES.items():
        for k in keys:
            assert F.FEATURES[k].family == family, k


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_task_paths(row):
    spec = F.FEATURES[ROW_TO_KEY[row["key"]]]
    v1 = [e.task_path for e in spec.endpoints if e.api == "v1"]
    v2 = sorted(e.task_path for e in spec.endpoints if e.api == "v2")
    assert v1 == ([] if row["v1_task_path"] == "-" else [row["v1_task_path"]])
    assert v2 == ([] if row["v2_task_path"] == "-" else sorted(row["v2_task_path"].split(";")))


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_preprocess_presence(row):
    spec = F.FEATURES[ROW_TO_KEY[row["key"]]]
    has = any(e.preprocess_path for e in spec.endpoints)
    assert has == (row["has_preprocess"] == "y")
    for e in spec.endpoints:
        if e.preprocess_path:
            assert e.preprocess_path == e.task_path + "/pre-process"


def _param_names(spec) -> set[str]:
    names: set[str] = set()
    for e in spec.endpoints:
        names |= {p.name for p in e.params}
        for i in e.inputs:
            names |= set(i.v2_fields)
    return names


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_listed_params_exist(row):
    spec = F.FEATURES[ROW_TO_KEY[row["key"]]]
    if row["params"] == "-":
        assert all(not e.params for e in spec.endpoints)
        return
    names = _param_names(spec)
    for raw in row["params"].split(","):
        name = re.sub(r"\(.*\)$", "", raw.strip())  # pf_camera_kit(v2.1)
        name = name.split("[]")[0]  # palettes[].color -> palettes (a json param)
        assert name in names, f"{spec.key}: {name!r} not in any endpoint"
    if "(v2.1)" in row["params"]:
        assert "pf_camera_kit" in {p.name for p in spec.endpoint("v2", "v2.1").params}
        assert "pf_camera_kit" not in {p.name for p in spec.endpoint("v2", "v2.0").params}


def _leading_int(text: str) -> int | None:
    m = re.match(r"\s*<?\s*(\d+)(K)?", text)
    if not m:
        return None
    return int(m.group(1)) * (1024 if m.group(2) else 1)


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_input_long_max(row):
    spec = F.FEATURES[ROW_TO_KEY[row["key"]]]
    cell = row["input_long_max"]
    main_api = "v2" if "v2" in spec.apis else "v1"
    lead = _leading_int(cell)
    if lead is not None:
        values = {e.limits.long_max for e in spec.endpoints if e.api == main_api}
        assert lead in values, f"{spec.key}: {lead} not in {values}"
        if cell.lstrip().startswith("<"):
            assert all(e.limits.long_strict for e in spec.endpoints)
    m = re.search(r"\bv1:\s*(?:SD\s*)?(\d+)", cell)
    if m:
        assert spec.endpoint("v1").limits.long_max == int(m.group(1))


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_input_short_min(row):
    spec = F.FEATURES[ROW_TO_KEY[row["key"]]]
    lead = _leading_int(row["input_short_min"])
    if lead is None:
        return
    values = {x for e in spec.endpoints for x in (e.limits.short_min, e.limits.side_min)}
    assert lead in values
    m = re.search(r"v1(?: doc)?:\s*(\d+)", row["input_short_min"])
    if m:
        v1 = spec.endpoint("v1").limits
        assert int(m.group(1)) in (v1.short_min, v1.side_min)


def _fmt_set(text: str) -> frozenset[str]:
    return frozenset(x.strip().lower() for x in text.split("/"))


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_formats(row):
    spec = F.FEATURES[ROW_TO_KEY[row["key"]]]
    cell = row["formats"]
    per_api = re.findall(r"([A-Za-z/]+) \((v[12])\)", cell)
    if per_api:
        for fmts, api in per_api:
            assert frozenset(spec.endpoint(api).limits.formats) == _fmt_set(fmts)
        return
    main = cell.split(";")[0].split(" (")[0].replace("i2i:", "").strip()
    if main != "unclear":
        api = "v2" if "v2" in spec.apis else "v1"
        sets = {frozenset(e.limits.formats) for e in spec.endpoints if e.api == api}
        assert _fmt_set(main) in sets, f"{spec.key}: {main} not in {sets}"
    m = re.search(r"\(v1: ([a-z/]+)\)", cell)
    if m:
        # v2-only rows quote v1 values as the guess used (generative fill, D18)
        api = "v1" if "v1" in spec.apis else "v2"
        assert frozenset(spec.endpoint(api).limits.formats) == _fmt_set(m.group(1))


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_output_kind_and_max_bytes(row):
    spec = F.FEATURES[ROW_TO_KEY[row["key"]]]
    allowed = {"image": {"image", "images"}}.get(row["output_kind"], {row["output_kind"]})
    for e in spec.endpoints:
        assert e.output in allowed, f"{spec.key} {e.api} {e.variant}: {e.output}"
    mb = int(re.match(r"(\d+)MB", row["max_bytes"]).group(1))
    for e in spec.endpoints:
        if e.inputs:
            assert e.limits.max_bytes == mb * 1024 * 1024


def test_v2_template_and_v1_style_group_paths():
    with_templates_v2 = {
        "bg-replace",
        "text-to-image",
        "headshot",
        "ai-avatar",
        "ai-studio",
        "hair-style",
        "hair-ext",
        "hair-bang",
        "hair-vol",
        "hair-curl",
        "cloth",
        "fabric",
        "video-trans",
        "image-to-video",
        "beard-style",
        "look-vto",
    }
    with_groups_v1 = {
        "hair-style",
        "hair-ext",
        "hair-bang",
        "hair-vol",
        "hair-curl",
        "cloth",
        "fabric",
        "text-to-image",
        "headshot",
        "ai-avatar",
        "ai-studio",
        "image-to-video",
        "video-trans",
    }
    for key, spec in F.FEATURES.items():
        v2 = {e.template_path for e in spec.endpoints if e.api == "v2" and e.template_path}
        v1 = {e.template_path for e in spec.endpoints if e.api == "v1" and e.template_path}
        assert bool(v2) == (key in with_templates_v2), key
        assert bool(v1) == (key in with_groups_v1), key
        assert all(p.startswith("/s2s/v2.0/task/template/") or p == "/s2s/v2.1/task/template/hair-transfer" for p in v2)
        assert v1 <= {f"/s2s/v1.0/task/style-group/{key}"}


def test_every_v1_endpoint_with_files_has_a_v11_file_path():
    for spec in F.FEATURES.values():
        for e in spec.endpoints:
            if e.api == "v1" and e.inputs:
                assert F.v1_file_path(e) == "/s2s/v1.1/file/" + e.slug
    assert F.v1_file_path(F.get("bg-blur").endpoint("v1")) == "/s2s/v1.1/file/sod/blur-background"
    with pytest.raises(InputError):
        F.v1_file_path(F.get("text-to-image").endpoint("v1"))
    with pytest.raises(InputError):
        F.v1_file_path(F.get("sod").endpoint("v2"))


def test_generation_coverage():
    v2_only = {k for k, s in F.FEATURES.items() if s.apis == ("v2",)}
    v1_only = {k for k, s in F.FEATURES.items() if s.apis == ("v1",)}
    assert v2_only == (
        {"generative-fill", "skin-simulation", "face-lift", "face-reshape"}
        | set(ANALYSIS_BEAUTY_VIDEO_ROWS.values())
        | set(TRYON_BODY_ROWS.values())
    )
    assert v1_only == {"obj-removal"}


def test_get_unknown_key_names_close_matches():
    with pytest.raises(InputError) as exc:
        F.get("skin-analisys")
    assert "skin-analysis" in str(exc.value)
    assert F.get(F.FEATURES["sod"]) is F.FEATURES["sod"]


def test_variants_and_endpoint_errors():
    assert F.get("cloth").variants("v2") == ("v2", "v3", "v4")
    assert F.get("skin-analysis").endpoint("v2", "v2.1").task_path == "/s2s/v2.1/task/skin-analysis"
    with pytest.raises(InputError, match="face-lift has no endpoint v1"):
        F.validate("face-lift", {}, api="v1")


def test_params_are_well_formed():
    for spec in F.FEATURES.values():
        for e in spec.endpoints:
            names = [p.name for p in e.params]
            assert len(names) == len(set(names)), (spec.key, e.task_path)
            for p in e.params:
                if p.kind in ("enum", "enum_list"):
                    assert p.choices, p.name
                if p.default is not None and p.kind not in ("json",):
                    assert F.validation.check_param(p, p.default, spec.key) == [], (spec.key, p.name)
                assert p.help, (spec.key, p.name)


def _endpoints():
    return [(f"{s.key} {e.api} {e.variant}", e) for s in F.FEATURES.values() for e in s.endpoints]


def test_every_endpoint_states_its_cost_in_one_place():
    """`cost` (a number or a table function) is the source; `cost_note` only says what it cannot."""
    numbers = tables = 0
    for where, e in _endpoints():
        if callable(e.cost):
            tables += 1
            assert e.cost_note, f"{where}: a cost table needs its documented wording"
            assert e.units == e.cost_note, where
        elif e.cost is not None:
            numbers += 1
            number = f"{e.cost:g}"
            assert e.cost_note != number and not e.cost_note.startswith(f"{number} "), f"{where}: cost restated"
            assert e.units == (f"{number} ({e.cost_note})" if e.cost_note else number), where
        else:
            assert e.units == e.cost_note, where
    assert numbers >= 50 and tables >= 10  # the catalogue's v2 endpoints, not an empty loop


def test_units_put_a_numeric_cost_and_its_qualifier_together():
    watch = F.get("watch").endpoint("v2")
    assert (watch.cost, watch.cost_note, watch.units) == (1, "single item", "1 (single item)")
    assert F.get("sod").endpoint("v2").units == "1"
    skin = F.get("skin-analysis").endpoint("v2")
    assert callable(skin.cost) and skin.units.startswith("1-4 concerns 9 SD/12 HD")
    assert F.get("sod").endpoint("v1").units == ""  # v1 costs are not documented


_ID = re.compile(r"\b([A-F])(\d{1,2})(?:-\1(\d{1,2}))?\b")  # "C4", and ranges such as "D12-D15"


def _ids(text: str) -> set[str]:
    found: set[str] = set()
    for letter, first, last in _ID.findall(text):
        found.update(f"{letter}{n}" for n in range(int(first), int(last or first) + 1))
    return found


def test_every_discrepancy_id_cited_in_features_and_imaging_is_defined_in_sources_md():
    src = Path(F.__file__).parents[1]
    cited = set().union(
        *(_ids(p.read_text(encoding="utf-8")) for d in ("features", "imaging") for p in (src / d).glob("*.py"))
    )
    sources = (Path(__file__).parents[1] / "docs" / "SOURCES.md").read_text(encoding="utf-8")
    defined = set().union(*(_ids(m) for m in re.findall(r"\*\*([A-F][\d/A-F-]*)\*\*", sources)))
    assert {"C1", "D3", "D13", "F1"} <= cited  # the scan reads the catalogue's notes and ranges
    assert cited - defined == set()
