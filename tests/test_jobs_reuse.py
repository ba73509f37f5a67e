"""Never pay twice: an identical job is answered from the job store (0 requests, 0 charges),
an identical unfinished one is resumed (one create, one charge), `again=True` pays anew —
counted on the sandbox's request log and ledger over real loopback HTTP."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image

from napari_youcam import cli, workflow
from napari_youcam.api import Client, Credentials, DeadlineExceededError
from napari_youcam.connect import sandbox_client
from napari_youcam.sandbox import Sandbox
from napari_youcam.workflow import JobStatus, JobStore

SOD = "/s2s/v2.0/task/sod"


@pytest.fixture
def client(sb_client):  # the sandbox `sb` of conftest, reset after each test
    return sb_client


def photo_array(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (90, 120, 3), dtype=np.uint8)


def creates(sb, since: int) -> list[dict]:
    return [r for r in sb.requests[since:] if r["method"] == "POST" and "/task/" in r["path"]]


def record(job_dir) -> dict:
    return json.loads((job_dir / "youcam-job.json").read_text())


def test_a_second_identical_run_sends_nothing_and_charges_nothing(sb, client, tmp_path):
    src = photo_array(1)
    first = workflow.run("sod", src, client=client, out_dir=tmp_path)
    n0, l0 = len(sb.requests), len(sb.ledger)
    second = workflow.run("sod", src.copy(), client=client, out_dir=tmp_path)
    assert len(sb.requests) == n0 and len(sb.ledger) == l0
    assert second.reused_from == first.sidecar.parent.name and second.task_id == first.task_id
    assert second.sidecar.parent != first.sidecar.parent  # a new job folder...
    for a, b in zip(first.files, second.files, strict=True):  # ...holding the same result (linked or copied)
        assert a.name == b.name and a.read_bytes() == b.read_bytes()
        assert os.path.samestat(a.stat(), b.stat())  # hard-linked: no second copy on disk
    assert np.array_equal(first.arrays[0], second.arrays[0])
    rec = record(second.sidecar.parent)
    assert rec["status"] == "reused" and rec["reused_from"] == first.sidecar.parent.name
    assert rec["units_charged"] == 0 and rec["reuse_key"] == record(first.sidecar.parent)["reuse_key"]
    store = JobStore.open(tmp_path)
    assert store.get(second.sidecar.parent.name).status == JobStatus.REUSED
    assert {c["feature"]: c["units"] for c in store.costs(by="feature")} == {"sod": sb.ledger[-1]["units"]}
    index = b"".join(p.read_bytes() for p in tmp_path.glob("youcam-jobs.sqlite*"))
    assert sb.api_key.encode() not in index and b"authorization" not in index.lower()

    n1, l1 = len(sb.requests), len(sb.ledger)
    third = workflow.run("sod", src, client=client, out_dir=tmp_path, again=True)
    assert len(creates(sb, n1)) == 1 and len(sb.ledger) == l1 + 1 and third.reused_from is None
    assert third.task_id != first.task_id


def test_the_same_photo_as_a_file_or_as_an_array_is_one_job(sb, client, tmp_path):
    path = tmp_path / "face.png"
    Image.fromarray(photo_array(2)).save(path)
    first = workflow.run("sod", path, client=client, out_dir=tmp_path / "out")
    n0 = len(sb.requests)
    again = workflow.run("sod", np.asarray(Image.open(path)), client=client, out_dir=tmp_path / "out")
    assert len(sb.requests) == n0 and again.reused_from == first.sidecar.parent.name
    assert record(first.sidecar.parent)["source_name"] == "face.png"


def test_other_params_inputs_or_hosts_are_other_jobs(sb, client, tmp_path):
    src = photo_array(3)
    workflow.run("bg-blur", src, params={"intensity": 30}, client=client, out_dir=tmp_path)
    n0 = len(sb.requests)
    res = workflow.run("bg-blur", src, params={"intensity": 31}, client=client, out_dir=tmp_path)
    assert len(creates(sb, n0)) == 1 and res.reused_from is None
    n1 = len(sb.requests)
    res = workflow.run("bg-blur", photo_array(4), params={"intensity": 30}, client=client, out_dir=tmp_path)
    assert len(creates(sb, n1)) == 1 and res.reused_from is None
    with Sandbox(processing_seconds=0.05) as other:
        # another service (a client that is not marked as a sandbox): never answered from this one
        real = Client(Credentials(api_key=other.api_key), base_url=other.base_url)
        res = workflow.run("bg-blur", src, params={"intensity": 30}, client=real, out_dir=tmp_path)
        assert res.reused_from is None and len(other.ledger) == 1
        # another sandbox: its results are a pure function of the inputs, so it is the same "host"
        n2 = len(other.requests)
        res = workflow.run("bg-blur", src, params={"intensity": 30}, client=sandbox_client(other), out_dir=tmp_path)
        assert res.reused_from is not None and len(other.requests) == n2


def test_an_identical_unfinished_job_is_resumed_not_created_again(sb, client, tmp_path):
    src = photo_array(5)
    n0, l0 = len(sb.requests), len(sb.ledger)
    sb.processing_seconds = 1.0
    with pytest.raises(DeadlineExceededError) as ei:
        workflow.run("sod", src, client=client, out_dir=tmp_path, deadline=0.3)
    exc = ei.value
    assert exc.job is not None and exc.job.task_id and exc.job.resume_hint.startswith("youcam resume")
    assert isinstance(exc, DeadlineExceededError) and exc.job.job_dir.is_dir()
    assert JobStore.open(tmp_path).get(exc.job.job_dir.name).status == JobStatus.FAILED

    res = workflow.run("sod", src, client=client, out_dir=tmp_path)  # the same job, asked again
    assert len(creates(sb, n0)) == 1 and len(sb.ledger[l0:]) == 1
    assert res.task_id == exc.job.task_id and res.sidecar.parent == exc.job.job_dir
    assert any("resumed" in n for n in res.notes)
    assert record(exc.job.job_dir)["status"] == "done"
    assert JobStore.open(tmp_path).get(exc.job.job_dir.name).status == JobStatus.DONE


def test_cli_run_again_pays_and_the_default_reuses(capsys, monkeypatch, sb, tmp_path):
    monkeypatch.setenv("YOUCAM_API_KEY", sb.api_key)
    monkeypatch.setenv("YOUCAM_BASE_URL", sb.base_url)
    path = tmp_path / "p.png"
    Image.fromarray(photo_array(6)).save(path)
    out = str(tmp_path / "o")
    assert cli.main(["run", "sod", str(path), "--out", out, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    n0, l0 = len(sb.requests), len(sb.ledger)
    assert cli.main(["run", "sod", str(path), "--out", out, "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["reused_from"] and "nothing was sent or charged" in captured.err
    assert len(sb.requests) == n0 and len(sb.ledger) == l0
    assert cli.main(["run", "sod", str(path), "--out", out, "--json", "--again"]) == 0
    third = json.loads(capsys.readouterr().out)
    assert third["reused_from"] is None and third["task_id"] != first["task_id"]
    assert len(creates(sb, n0)) == 1 and len(sb.ledger) == l0 + 1
