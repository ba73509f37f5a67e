"""`workflow.plan` (the free dry run the batch runner checks inputs with) and `JobRecord`
read from untrusted JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from napari_youcam import workflow
from napari_youcam.errors import InputError
from napari_youcam.workflow import JobRecord, JobStatus, content_hash


def test_plan_fits_hashes_and_costs_without_a_service(tmp_path):
    src = np.random.default_rng(0).integers(0, 255, (5000, 300, 3), dtype=np.uint8)
    p = workflow.plan("sod", src)
    assert p.feature == "sod" and p.api == "v2" and p.kind == "image" and p.unit_cost == 1.0
    (size,) = p.sizes
    assert size["role"] == "src" and (size["width"], size["height"]) == (246, 4096) and size["bytes"] > 0
    assert any("resized" in n for n in p.notes)
    assert p.input_hashes == {"src": [content_hash(src)]} and p.source_sha256 == content_hash(src)
    path = tmp_path / "s.png"
    Image.fromarray(src[:200]).save(path)
    assert workflow.plan("sod", path).source_sha256 == workflow.plan("sod", src[:200].copy()).source_sha256


def test_plan_reports_every_violation_at_once():
    with pytest.raises(InputError) as ei:
        workflow.plan(
            "hair-color",
            np.zeros((50, 30, 3), np.uint8),
            params={"preset": "nope"},
            mask=np.ones((50, 30), np.uint8),
            refs=[np.zeros((8, 8, 3), np.uint8)],
        )
    text = str(ei.value)
    assert text.startswith("hair-color: 3 problem(s)")
    assert "takes no mask" in text and "takes no reference image" in text and "preset" in text
    with pytest.raises(InputError, match="needs a source"):
        workflow.plan("sod")


def test_record_round_trip_keeps_unknown_fields():
    data = {
        "feature": "sod",
        "status": "done",
        "task_id": "t",
        "files": ["sod.png"],
        "future_field": [1, 2],
        "params": {"a": 1},
    }
    rec = JobRecord.from_json(data)
    assert rec.status is JobStatus.DONE and rec.extra == {"future_field": [1, 2]}
    out = rec.to_json()
    assert out["future_field"] == [1, 2] and out["status"] == "done" and "error" not in out
    assert JobRecord.from_json(json.loads(json.dumps(out))) == rec


@pytest.mark.parametrize(
    "data,message",
    [
        ([], "JSON object"),
        ({"status": "done"}, "no feature"),
        ({"feature": "sod", "status": "paid-twice"}, "unknown job status"),
        ({"feature": "sod", "sandbox": "yes"}, "'sandbox' has the wrong type"),
        ({"feature": "sod", "request_id": True}, "'request_id' has the wrong type"),
        ({"feature": "sod", "files": ["/etc/passwd"]}, "outside the job folder"),
        ({"feature": "sod", "files": [".."]}, "outside the job folder"),
    ],
)
def test_a_damaged_record_is_refused_with_the_field_named(data, message):
    with pytest.raises(InputError, match=message):
        JobRecord.from_json(data)
