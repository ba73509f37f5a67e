"""The analyzers added from the vendor contracts: their rules, their sandbox results and `analysis_rows`."""

from __future__ import annotations

import json
import math

import pytest
from PIL import Image

from contract_helpers import photo_array as _photo
from contract_helpers import sandbox_v2
from napari_youcam import cli, workflow
from napari_youcam import features as F
from napari_youcam.errors import InputError
from napari_youcam.features.analysis import RESULT_FIELDS, analysis_columns, analysis_rows
from napari_youcam.features.spec import InputInfo

ANALYZERS = list(RESULT_FIELDS)


@pytest.fixture(scope="module")
def client():
    with sandbox_v2() as pair:
        yield pair


def _run(client, key: str, tmp_path, seed: int = 0):
    sb, c = client
    source = (
        [_photo(seed=seed + i) for i in range(3)]
        if key in ("hair-type-detection", "hair-frizziness-detection")
        else _photo(seed=seed)
    )
    return workflow.run(key, source, client=c, out_dir=tmp_path / key)


# ---------------------------------------------------------------- specs


def test_analyzers_form_the_analysis_family_right_after_face():
    families = list(F.catalogue.FAMILIES)
    assert families[:2] == ["face", "analysis"]
    assert [s.key for s in F.catalogue.FAMILIES["analysis"]] == ANALYZERS
    for key in ANALYZERS:
        ep = F.get(key).endpoint("v2")
        assert ep.output == "json" and ep.task_path == f"/s2s/v2.0/task/{key}"
    costs = {k: F.unit_cost(F.get(k).endpoint("v2"), {}) for k in ANALYZERS}
    assert costs == {
        "fitzpatrick-scale-analyzer": 10,
        "skin-tone-analysis": 20,
        "hair-type-detection": 2,
        "hair-length-detection": 2,
        "hair-density-detection": 1,
        "hair-frizziness-detection": 2,
    }


def test_fitzpatrick_sends_version_and_takes_a_face_index():
    ep = F.get("fitzpatrick-scale-analyzer").endpoint("v2")
    assert ep.preprocess_path == "/s2s/v2.0/task/fitzpatrick-scale-analyzer/pre-process"
    body = F.build_body(ep, {"src": "fid"}, {"index": 1})
    assert body == {"src_file_id": "fid", "version": "1.0", "index": 1}
    assert [v.field for v in F.validate("fitzpatrick-scale-analyzer", {"version": "2.0", "index": -1})] == [
        "version",
        "index",
    ]
    small = F.validate("fitzpatrick-scale-analyzer", {}, {"src": InputInfo(600, 300, format="jpg")})
    assert small and "300" in str(small[0])  # short side >= 320
    png = F.validate("fitzpatrick-scale-analyzer", {}, {"src": InputInfo(600, 400, format="png")})
    assert png and "png" in str(png[0]).lower()  # jpg/jpeg only


def test_skin_tone_strictness_enum_and_min_size():
    assert F.validate("skin-tone-analysis", {"face_angle_strictness_level": "flexible"}) == []
    bad = F.validate("skin-tone-analysis", {"face_angle_strictness_level": "loose"})
    assert bad and "strict" in str(bad[0])
    assert F.validate("skin-tone-analysis", {}, {"src": InputInfo(319, 600, format="jpg")})


def test_three_angle_analyzers_need_three_photos_of_one_size():
    key = "hair-type-detection"
    ep = F.get(key).endpoint("v2")
    assert F.build_body(ep, {"srcs": ["a", "b", "c"]}, {}) == {"src_file_ids": ["a", "b", "c"]}
    two = F.validate(key, {}, {"srcs": [InputInfo(400, 400)] * 2})
    assert len(two) == 1 and "exactly 3" in str(two[0])
    mixed = F.validate(
        "hair-frizziness-detection", {}, {"srcs": [InputInfo(400, 400), InputInfo(400, 400), InputInfo(500, 400)]}
    )
    assert len(mixed) == 1 and "differ in size" in str(mixed[0])
    assert F.validate(key, {}, {"srcs": [InputInfo(400, 400, format="png")] * 3}) == []


def test_hair_density_accepts_small_photos_the_others_refuse():
    small = {"src": InputInfo(150, 150, format="jpg")}
    assert F.validate("hair-density-detection", {}, small) == []
    assert F.validate("hair-length-detection", {}, small)


def test_three_photo_analyzer_refused_before_spending_when_two_are_given(client, tmp_path):
    sb, c = client
    before = len(sb.ledger)
    with pytest.raises(InputError, match="exactly 3"):
        workflow.run("hair-type-detection", [_photo(), _photo(seed=1)], client=c, out_dir=tmp_path)
    assert len(sb.ledger) == before


# ---------------------------------------------------------------- sandbox results -> rows


@pytest.mark.parametrize("key", ANALYZERS)
def test_sandbox_results_read_as_rows_in_contract_order(key, client, tmp_path):
    sb, _ = client
    before = len(sb.ledger)
    res = _run(client, key, tmp_path)
    assert res.kind == "json" and res.data["sandbox"] is True
    assert len(sb.ledger) == before + 1 and sb.ledger[-1]["units"] == F.unit_cost(F.get(key).endpoint("v2"), {})
    rows = analysis_rows(key, res.data)
    assert [label for label, _ in rows] == analysis_columns(key) == [f.label for f in RESULT_FIELDS[key]]
    assert all(value for _, value in rows), rows  # the sandbox fills every documented field
    again = _run(client, key, tmp_path / "again")
    assert analysis_rows(key, again.data) == rows  # same photo, same answer


def test_rows_carry_the_contract_values(client, tmp_path):
    density = _run(client, "hair-density-detection", tmp_path).data["hair_density"]
    assert 0 <= float(density["mapping"]) <= 3
    assert density["term"] in ("Extremely Low Density", "Low Density", "Medium Density", "High Density")
    skin = dict(analysis_rows("skin-tone-analysis", _run(client, "skin-tone-analysis", tmp_path).data))
    assert skin["Face found"] == "yes" and skin["Skin colour"].startswith("#")
    fitz = _run(client, "fitzpatrick-scale-analyzer", tmp_path).data
    assert analysis_rows("fitzpatrick-scale-analyzer", fitz) == [("Fitzpatrick skin type", fitz["fitzpatrick_scale"])]


def test_sandbox_refuses_three_photos_of_different_sizes(client, tmp_path):
    """The engine's own check (error_mismatch_image_size), reached through the raw API."""
    sb, c = client
    ep = F.get("hair-frizziness-detection").endpoint("v2")
    ids = []
    for i, size in enumerate(((400, 400), (400, 400), (500, 400))):
        path = tmp_path / f"p{i}.jpg"
        Image.fromarray(_photo(*size, seed=i)).save(path)
        ids.append(c.upload(path, content_type="image/jpeg", feature=ep))
    task = c.create_task(ep, F.build_body(ep, {"srcs": ids}, {}))
    with pytest.raises(Exception, match="mismatch"):
        c.wait(ep, task)


def test_youcam_run_prints_the_analyzer_json(capsys, client, tmp_path, monkeypatch):
    sb, _ = client
    monkeypatch.setenv("YOUCAM_API_KEY", sb.api_key)
    monkeypatch.setenv("YOUCAM_BASE_URL", sb.base_url)
    photo = tmp_path / "face.jpg"
    Image.fromarray(_photo()).save(photo)
    assert (
        cli.main(
            ["run", "hair-length-detection", str(photo), "--json", "--no-face-check", "--out", str(tmp_path / "o")]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "json" and data["data"]["hair_length"]["term"]
    assert cli.main(["features"]) == 0
    listing = capsys.readouterr().out
    assert all(k in listing for k in ANALYZERS)


# ---------------------------------------------------------------- malformed replies


def test_missing_fields_give_empty_values_and_extras_are_ignored():
    rows = analysis_rows("skin-tone-analysis", {"color": {"skin_color": "#b9947c"}, "unexpected": [1, 2]})
    assert len(rows) == len(RESULT_FIELDS["skin-tone-analysis"])
    assert dict(rows)["Skin colour"] == "#b9947c" and dict(rows)["Eye colour"] == ""
    assert analysis_rows("hair-length-detection", {}) == [("Hair length", "")]
    assert analysis_rows("hair-density-detection", {"hair_density": {"mapping": 2.5}})[0] == (
        "Hair density (0-3)",
        "2.5",
    )


@pytest.mark.parametrize(
    "key,data,field",
    [
        ("hair-type-detection", {"hair_type": "2a"}, "hair_type"),
        ("hair-type-detection", {"hair_type": {"term": 7}}, "hair_type.term"),
        ("hair-density-detection", {"hair_density": {"mapping": [2]}}, "hair_density.mapping"),
        ("hair-density-detection", {"hair_density": {"mapping": "lots"}}, "hair_density.mapping"),
        ("hair-frizziness-detection", {"hair_frizziness": {"mapping": math.nan}}, "hair_frizziness.mapping"),
        ("hair-frizziness-detection", {"hair_frizziness": {"mapping": True}}, "hair_frizziness.mapping"),
        ("skin-tone-analysis", {"color": {"skin_color": "tan"}}, "color.skin_color"),
        ("skin-tone-analysis", {"face_quality": {"has_face": "yes"}}, "face_quality.has_face"),
        ("skin-tone-analysis", {"color": ["#ffffff"]}, "color"),
        ("fitzpatrick-scale-analyzer", {"fitzpatrick_scale": "I" * 500}, "fitzpatrick_scale"),
        ("fitzpatrick-scale-analyzer", {"fitzpatrick_scale": "III\n=cmd"}, "fitzpatrick_scale"),
    ],
)
def test_wrong_types_are_refused_naming_the_field(key, data, field):
    with pytest.raises(InputError) as exc:
        analysis_rows(key, data)
    message = str(exc.value)
    assert f"field {field}:" in message and "\n" not in message


def test_non_object_results_and_unknown_features_are_refused():
    with pytest.raises(InputError, match="expected a JSON object, got list"):
        analysis_rows("hair-length-detection", [{"hair_length": {}}])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not an analyzer"):
        analysis_rows("enhance", {})
    with pytest.raises(InputError, match="not an analyzer"):
        analysis_columns("face-attr-analysis")


def test_fitzpatrick_pre_process_finds_faces_to_pick_from(client, tmp_path):
    sb, c = client
    ep = F.get("fitzpatrick-scale-analyzer").endpoint("v2")
    path = tmp_path / "group.jpg"
    Image.fromarray(_photo(1200, 400)).save(path)  # wide: the sandbox sees three faces
    boxes = c.preprocess("fitzpatrick-scale-analyzer", ep, c.upload(path, content_type="image/jpeg", feature=ep))
    assert len(boxes["result"]) == 3 and all(b["width"] > 0 for b in boxes["result"])
    res = workflow.run(
        "fitzpatrick-scale-analyzer", _photo(1200, 400), params={"index": 2}, client=c, out_dir=tmp_path / "run"
    )
    assert res.data["fitzpatrick_scale"] in ("I", "II", "III", "IV", "V", "VI")
