"""`workflow.run` keeps a job record for every task that may have been paid: written
before the create request, kept when the create is uncertain, absent when it was refused."""

from __future__ import annotations

import json

import pytest

from cli_helpers import task_creates
from napari_youcam import workflow
from napari_youcam.connect import sandbox_client
from napari_youcam.errors import YouCamError


def test_job_record_exists_before_the_create_request(sb, tmp_path, photo):
    """The sidecar is on disk when the create request is made, then gets the task id."""
    client = sandbox_client(sb)
    seen = {}
    real_create = client.create_task

    def create(endpoint, body, **kw):
        recs = list((tmp_path / "out").glob("*/youcam-job.json"))
        seen["records"] = [json.loads(p.read_text()) for p in recs]
        return real_create(endpoint, body, **kw)

    client.create_task = create  # type: ignore[method-assign]
    res = workflow.run("sod", photo, client=client, out_dir=tmp_path / "out")
    assert len(seen["records"]) == 1 and seen["records"][0]["status"] == "creating"
    side = json.loads(res.sidecar.read_text())
    assert side["task_id"] == res.task_id and side["status"] == "done"


def test_refused_create_leaves_no_job_folder(sb, tmp_path, photo):
    client = sandbox_client(sb)
    sb.inject("status", path="/s2s/v2.0/task/sod", method="POST", status=400)
    with pytest.raises(YouCamError):
        workflow.run("sod", photo, client=client, out_dir=tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_uncertain_create_keeps_the_record(sb, tmp_path, photo):
    client = sandbox_client(sb)
    sb.inject("reset", path="/s2s/v2.0/task/sod", method="POST")
    with pytest.raises(Exception, match="may have received"):
        workflow.run("sod", photo, client=client, out_dir=tmp_path / "out")
    recs = list((tmp_path / "out").glob("*/youcam-job.json"))
    assert len(recs) == 1 and json.loads(recs[0].read_text())["status"] == "create_uncertain"


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_error_on_create_keeps_the_record(sb, tmp_path, photo, status):
    """A proxy can answer 502/504 after the service already took (and will bill) the
    task: the job record must stay, marked uncertain, and the POST is not repeated."""
    client = sandbox_client(sb)
    n = len(sb.requests)
    sb.inject("status", path="/s2s/v2.0/task/sod", method="POST", status=status)
    with pytest.raises(YouCamError):
        workflow.run("sod", photo, client=client, out_dir=tmp_path / "out")
    recs = list((tmp_path / "out").glob("*/youcam-job.json"))
    assert len(recs) == 1 and json.loads(recs[0].read_text())["status"] == "create_uncertain"
    assert len(task_creates(sb, n)) == 1
