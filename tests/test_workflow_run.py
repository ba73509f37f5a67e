"""workflow.run details: sidecar content and timing, mapping back, napari dtypes."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from napari_youcam import workflow
from napari_youcam.api import Client, Credentials, RetryPolicy
from napari_youcam.connect import sandbox_client
from napari_youcam.errors import InputError
from napari_youcam.sandbox import Sandbox
from napari_youcam.workflow.plan import validate

FAST = RetryPolicy(attempts=3, base=0.01, ceiling=0.05)


@pytest.fixture(scope="module")
def sb():
    with Sandbox(processing_seconds=0.02, units=1e5) as s:
        yield s


@pytest.fixture
def client(sb):
    with sandbox_client(sb, retry=FAST) as c:
        yield c


def test_files_and_sidecar_are_on_disk_before_decoding(sb, client, tmp_path):
    seen = {}

    def progress(stage, frac):
        if stage == "writing" and frac == 0.0:
            side = next(tmp_path.rglob("youcam-job.json"))
            rec = json.loads(side.read_text())
            seen["status"] = rec["status"]
            seen["files_exist"] = all((side.parent / f).is_file() for f in rec["files"]) and rec["files"]

    src = np.random.default_rng(1).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    res = workflow.run("bg-blur", src, params={"intensity": 30}, client=client, out_dir=tmp_path, progress=progress)
    assert seen == {"status": "saved", "files_exist": seen["files_exist"]} and seen["files_exist"]
    rec = json.loads(res.sidecar.read_text())
    digest = hashlib.sha256(f"{src.shape}|{src.dtype}|".encode() + src.tobytes()).hexdigest()
    assert rec["source_sha256"] == digest
    assert rec["params"] == {"intensity": 30} and rec["sandbox"] is True and rec["api"] == "v2"
    assert {"started", "created", "finished", "downloaded", "done"} <= set(rec["times"])
    assert rec["transform"]["src_size"] == [300, 200]
    text = res.sidecar.read_text().lower()
    assert sb.api_key.lower() not in text and "authorization" not in text and "bearer" not in text


def test_large_source_is_fitted_and_result_mapped_back(client, tmp_path):
    src = np.zeros((1500, 2600, 3), np.uint8)  # hair-color: w < 1920 and h < 1080
    src[..., 0] = 200
    res = workflow.run("hair-color", src, params={"preset": "Jet Black"}, client=client, out_dir=tmp_path)
    rec = json.loads(res.sidecar.read_text())
    ow, oh = rec["transform"]["out_size"]
    assert ow < 1920 and oh < 1080
    assert res.arrays[0].shape[:2] == src.shape[:2]  # back in the source frame


def test_mask_goes_through_the_same_transform(sb, client, tmp_path):
    src = np.full((900, 4400, 3), 90, np.uint8)  # > 4096: downscaled
    labels = np.zeros(src.shape[:2], np.int32)
    labels[300:600, 1000:3000] = 3
    n0 = len(sb.requests)
    res = workflow.run("generative-fill", src, mask=labels, client=client, out_dir=tmp_path)
    ups = [r for r in sb.requests[n0:] if r["method"] == "PUT"]
    assert len(ups) == 2  # image + mask
    rec = json.loads(res.sidecar.read_text())
    assert max(rec["transform"]["out_size"]) <= 4096 and rec["transform"]["scale"] < 1
    assert res.arrays[0].shape[:2] == src.shape[:2]


@pytest.mark.parametrize(
    "arr",
    [
        np.linspace(0, 65535, 240 * 320, dtype=np.float64).reshape(240, 320).astype(np.uint16),
        np.random.default_rng(2).random((240, 320), dtype=np.float32),
        np.random.default_rng(3).integers(0, 255, (240, 320, 4), dtype=np.uint8),
    ],
    ids=["uint16-gray", "float-gray", "rgba"],
)
def test_napari_dtypes(client, tmp_path, arr):
    res = workflow.run("colorize", arr, client=client, out_dir=tmp_path)
    assert len(res.arrays) >= 1 and res.arrays[0].shape[:2] == arr.shape[:2]


def test_input_errors_before_anything_is_sent(sb, client, tmp_path):
    n0 = len(sb.requests)
    with pytest.raises(InputError):
        workflow.run("enhance", np.zeros((50, 50, 3), np.uint8), params={"scale": 3}, client=client, out_dir=tmp_path)
    with pytest.raises(InputError):
        workflow.run("sod", np.zeros((50, 50, 3), np.uint8), mask=np.ones((50, 50)), client=client)
    with pytest.raises(InputError):
        workflow.run("sod", np.zeros((50, 50, 3), np.uint8), api="v1", client=client)  # v2 client
    assert len(sb.requests) == n0


def test_default_results_dir_from_env(monkeypatch, tmp_path, client):
    monkeypatch.setenv("YOUCAM_RESULTS_DIR", str(tmp_path / "r"))
    assert workflow.default_results_dir() == tmp_path / "r"
    res = workflow.run("sod", np.zeros((80, 80, 3), np.uint8), client=client)
    assert res.sidecar.parent.parent == tmp_path / "r"


def test_unit_endpoints_fall_back_to_v1_token(sb):
    """When the API key is refused on /client/credit, the v1 token flow is used."""
    creds = Credentials(api_key="refused-key-000", client_id=sb.client_id, client_secret=sb.client_secret)
    c = Client(creds, base_url=sb.base_url, retry=FAST, rate_limit=False)
    assert c.api == "v2" and c.credits() == pytest.approx(sb.balance)
    assert c.token_renewals == 1


def _ledger_and_requests(sb):
    return len(sb.ledger), len(sb.requests)


def test_a_plan_is_sent_as_it_was_checked(sb, client, tmp_path):
    photo = tmp_path / "portrait.png"
    Image.fromarray(np.full((300, 400, 3), 120, np.uint8)).save(photo)
    p = workflow.plan("sod", photo)
    l0, _ = _ledger_and_requests(sb)
    res = workflow.run_plan(p, client=client, out_dir=tmp_path / "results")
    assert res.files and res.files[0].is_file() and len(sb.ledger) - l0 == 1
    rec = json.loads(res.sidecar.read_text())
    assert rec["source_name"] == "portrait.png" and rec["input_hashes"] == p.input_hashes
    # the same plan again is answered by the store: no request at all
    _, n0 = _ledger_and_requests(sb)
    again = workflow.run_plan(p, client=client, out_dir=tmp_path / "results")
    assert again.reused_from is not None and len(sb.requests) == n0


def test_an_unprepared_plan_is_refused_before_anything_is_sent(sb, client, tmp_path):
    p = validate("sod", np.zeros((64, 64, 3), np.uint8))
    _, n0 = _ledger_and_requests(sb)
    with pytest.raises(InputError, match="make it with workflow.plan"):
        workflow.run_plan(p, client=client, out_dir=tmp_path / "results")
    assert len(sb.requests) == n0 and not (tmp_path / "results").exists()


def test_a_plan_for_another_generation_is_refused_before_anything_is_sent(sb, client, tmp_path):
    p = workflow.plan("sod", np.zeros((64, 64, 3), np.uint8), api="v1")
    _, n0 = _ledger_and_requests(sb)
    with pytest.raises(InputError, match="authenticates the v2 API; v1 was requested"):
        workflow.run_plan(p, client=client, out_dir=tmp_path)
    assert len(sb.requests) == n0
