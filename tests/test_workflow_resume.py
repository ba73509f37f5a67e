"""workflow.resume and `youcam resume`: a job that stopped after its task was created
is finished from its folder, against the sandbox over loopback, without a second
create request and without a second charge."""

from __future__ import annotations

import json
import re
import shlex
import time
from pathlib import Path

import numpy as np
import pytest

from napari_youcam import cli, workflow
from napari_youcam.api import (
    DeadlineExceededError,
    RetryPolicy,
    ServerError,
    TaskExpiredError,
)
from napari_youcam.connect import sandbox_client
from napari_youcam.errors import InputError
from napari_youcam.sandbox import FakeClock, Sandbox

FAST = RetryPolicy(attempts=3, base=0.01, ceiling=0.05, jitter=0.0)
# Wider than sod's 4096 px limit: the upload is scaled down, so the transform matters.
WIDE = np.dstack([np.tile(np.arange(4400, dtype=np.uint16) % 256, (90, 1)).astype(np.uint8)] * 3)
SMALL = np.full((64, 80, 3), 120, np.uint8)
SOD = "/s2s/v2.0/task/sod"


@pytest.fixture(scope="module")
def sb():
    with Sandbox(processing_seconds=0.05, units=1e5) as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(sb):
    sb.clear_faults()
    sb.processing_seconds = 0.05
    yield
    sb.clear_faults()
    sb.processing_seconds = 0.05


@pytest.fixture
def client(sb):
    with sandbox_client(sb, retry=FAST, timeout=5.0) as c:
        yield c


def creates(sb, since, path=SOD):
    return [r for r in sb.requests[since:] if r["method"] == "POST" and r["path"] == path]


def stopped_by_deadline(sb, client, out, src=WIDE, feature="sod", **kw):
    """A run whose deadline passes while the (slow) task still runs."""
    sb.processing_seconds = 1.0
    with pytest.raises(DeadlineExceededError) as ei:
        workflow.run(feature, src, client=client, out_dir=out, deadline=0.3, **kw)
    return ei.value


def record(job_dir) -> dict:
    return json.loads((Path(job_dir) / "youcam-job.json").read_text())


def assert_no_secrets(text: str, *secrets: str) -> None:
    low = text.lower()
    for s in secrets:
        assert s and s.lower() not in low
    assert "authorization" not in low and "bearer" not in low


# ---------------------------------------------------------------------- deadline → resume
def test_deadline_then_resume_charges_once(sb, client, tmp_path):
    n0, l0 = len(sb.requests), len(sb.ledger)
    exc = stopped_by_deadline(sb, client, tmp_path)
    job_dir = exc.job.job_dir
    assert f"youcam resume {shlex.quote(str(job_dir))}" in str(exc)
    rec = record(job_dir)
    assert rec["status"] == "failed" and rec["task_id"] == exc.task_id and rec["resumable"] is True
    assert rec["service_host"] == sb.base_url.split("//", 1)[1]
    assert not sb.ledger[l0:]  # not finished yet, so not charged yet

    n1 = len(sb.requests)
    res = workflow.resume(job_dir, client=client)
    # resume only polls and downloads: no upload, no create
    assert all(r["method"] == "GET" for r in sb.requests[n1:])
    assert len(creates(sb, n0)) == 1
    charged = sb.ledger[l0:]
    assert len(charged) == 1 and charged[0]["task_id"] == res.task_id == exc.task_id
    assert res.sidecar.parent == job_dir and all(f.parent == job_dir and f.is_file() for f in res.files)
    assert res.arrays and res.arrays[0].shape[:2] == WIDE.shape[:2]  # mapped back to the source frame
    assert res.feature == "sod" and res.sandbox is True and any("resumed" in n for n in res.notes)
    rec = record(job_dir)
    assert rec["status"] == "done" and rec["resumed_at"] and "error" not in rec
    assert rec["resumes"][0]["from_status"] == "failed"
    assert {"created", "resumed", "finished", "downloaded", "done"} <= set(rec["times"])
    assert_no_secrets((job_dir / "youcam-job.json").read_text(), sb.api_key)


def test_resume_of_a_done_job_makes_no_request(sb, client, tmp_path, monkeypatch):
    res = workflow.run("sod", SMALL, client=client, out_dir=tmp_path)
    before = res.sidecar.read_bytes()

    def no_client(**kw):
        raise AssertionError("a done job must not need a client")

    monkeypatch.setattr("napari_youcam.connect.default_client", no_client)
    n0 = len(sb.requests)
    again = workflow.resume(res.sidecar.parent)
    assert len(sb.requests) == n0
    assert again.files == res.files and again.task_id == res.task_id
    assert np.array_equal(again.arrays[0], res.arrays[0])
    assert res.sidecar.read_bytes() == before  # the record of a finished job is left alone


def test_resume_after_a_failed_download_saves_the_file(sb, client, tmp_path):
    n0, l0 = len(sb.requests), len(sb.ledger)
    sb.inject("status", path="/_download/*", method="GET", status=503, times=None)
    with pytest.raises(ServerError) as ei:
        workflow.run("sod", SMALL, client=client, out_dir=tmp_path)
    job_dir = ei.value.job.job_dir
    assert "youcam resume" in str(ei.value)
    rec = record(job_dir)
    assert rec["status"] == "download_failed" and not list(job_dir.glob("sod.*"))
    sb.clear_faults()
    res = workflow.resume(job_dir, client=client)
    assert [f.name for f in res.files] == ["sod.png"] and res.files[0].stat().st_size > 0
    assert res.arrays[0].shape[:2] == SMALL.shape[:2]
    assert len(creates(sb, n0)) == 1 and len(sb.ledger[l0:]) == 1
    assert record(job_dir)["status"] == "done"


def test_v1_job_resumes_on_v1_and_keeps_no_secrets(sb, tmp_path):
    c1 = sandbox_client(sb, api="v1", retry=FAST, timeout=5.0)
    path = "/s2s/v1.0/task/colorize"
    n0, l0 = len(sb.requests), len(sb.ledger)
    exc = stopped_by_deadline(sb, c1, tmp_path, src=SMALL, feature="colorize", api="v1")
    assert record(exc.job.job_dir)["api"] == "v1"
    with pytest.raises(InputError, match="v1 API"):
        workflow.resume(exc.job.job_dir, client=sandbox_client(sb, retry=FAST))  # a v2 client
    res = workflow.resume(exc.job.job_dir, client=c1)
    assert res.api == "v1" and res.files[0].is_file()
    assert len(creates(sb, n0, path)) == 1 and len(sb.ledger[l0:]) == 1
    token = c1._token_auth.token if c1._token_auth else None
    assert_no_secrets((exc.job.job_dir / "youcam-job.json").read_text(), sb.client_secret, *([token] if token else []))


# ---------------------------------------------------------------------- refusals
def test_client_for_another_host_is_refused(sb, client, tmp_path):
    exc = stopped_by_deadline(sb, client, tmp_path, src=SMALL)
    with Sandbox(processing_seconds=0.05) as other:
        n_other = len(other.requests)
        with pytest.raises(InputError, match="lives on 127.0.0.1:") as ei:
            workflow.resume(exc.job.job_dir, client=sandbox_client(other, retry=FAST))
        assert "sandbox" in str(ei.value) and len(other.requests) == n_other
    workflow.resume(exc.job.job_dir, client=client)  # still resumable on the right host
    assert record(exc.job.job_dir)["status"] == "done"


def test_missing_record_and_missing_task_id(sb, client, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="youcam-job.json"):
        workflow.resume(empty, client=client)
    with pytest.raises(InputError, match="no such job folder"):
        workflow.resume(tmp_path / "nope", client=client)
    sb.inject("reset", path=SOD, method="POST")
    with pytest.raises(Exception, match="may have received"):
        workflow.run("sod", SMALL, client=client, out_dir=tmp_path / "out")
    (job_dir,) = [d for d in (tmp_path / "out").iterdir() if d.is_dir()]
    assert record(job_dir)["status"] == "create_uncertain"
    n0 = len(sb.requests)
    with pytest.raises(InputError, match="may or may not exist") as ei:
        workflow.resume(job_dir, client=client)
    assert "youcam credits" in str(ei.value) and len(sb.requests) == n0


def test_expired_task_gives_task_expired_error(tmp_path):
    clock = FakeClock()
    with Sandbox(processing_seconds=5.0, poll_window_seconds=0.4, clock=clock) as s:
        c = sandbox_client(s, retry=FAST, timeout=5.0)
        with pytest.raises(DeadlineExceededError) as ei:
            workflow.run("sod", SMALL, client=c, out_dir=tmp_path, deadline=0.2)
        clock.advance(0.7)  # longer than the polling window: the service drops the task
        with pytest.raises(TaskExpiredError, match="cannot resume task") as ex:
            workflow.resume(ei.value.job.job_dir, client=c)
        assert ex.value.exit_code == 1 and not s.ledger
        rec = record(ei.value.job.job_dir)
        assert rec["status"] == "failed" and rec["error_type"] == "TaskExpiredError" and rec["resumable"] is False


# ---------------------------------------------------------------------- CLI
@pytest.fixture
def env(monkeypatch, tmp_path, sb):
    monkeypatch.setenv("YOUCAM_API_KEY", sb.api_key)
    monkeypatch.setenv("YOUCAM_BASE_URL", sb.base_url)
    monkeypatch.setenv("YOUCAM_RESULTS_DIR", str(tmp_path / "results"))
    return monkeypatch


@pytest.fixture
def photo(tmp_path):
    from PIL import Image

    p = tmp_path / "photo.png"
    Image.fromarray(np.dstack([np.tile(np.arange(200, dtype=np.uint8), (150, 1))] * 3)).save(p)
    return p


def one_line(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_cli_run_deadline_names_the_resume_command_and_resume_finishes(capsys, env, sb, photo, tmp_path):
    n0, l0 = len(sb.requests), len(sb.ledger)
    sb.processing_seconds = 1.0
    assert cli.main(["run", "sod", str(photo), "--out", str(tmp_path / "o"), "--timeout", "0.3"]) == 1
    line = one_line(capsys.readouterr().err)
    m = re.search(r"youcam resume (\S+)", line)
    assert m, line
    job_dir = shlex.split(m.group(1))[0]
    assert (Path(job_dir) / "youcam-job.json").is_file()

    assert cli.main(["resume", job_dir]) == 0
    out = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    assert out[-1].endswith("youcam-job.json") and all(Path(p).is_file() for p in out)
    assert Path(out[0]).parent == Path(job_dir)
    assert len(creates(sb, n0)) == 1 and len(sb.ledger[l0:]) == 1

    n1 = len(sb.requests)
    assert cli.main(["resume", job_dir, "--json"]) == 0  # done: answered from the folder
    data = json.loads(capsys.readouterr().out)
    assert data["files"] == out[:-1] and data["task_id"] == sb.ledger[-1]["task_id"]
    assert len(sb.requests) == n1


@pytest.mark.parametrize("case", ["empty", "missing", "no-task-id"])
def test_cli_resume_refusals_exit_2_with_one_line(capsys, env, sb, tmp_path, case):
    d = tmp_path / "job"
    if case != "missing":
        d.mkdir()
    if case == "no-task-id":
        (d / "youcam-job.json").write_text(
            json.dumps({"feature": "sod", "api": "v2", "variant": "default", "task_id": None, "status": "creating"})
        )
    n0 = len(sb.requests)
    assert cli.main(["resume", str(d)]) == 2
    line = one_line(capsys.readouterr().err)
    expect = {"empty": "no youcam-job.json", "missing": "no such job folder", "no-task-id": "task may not exist"}
    assert expect[case] in line
    assert len(sb.requests) == n0


@pytest.fixture
def ctrl_c():
    """Deliver Ctrl-C (SIGINT → KeyboardInterrupt on the main thread) at given times.

    The handler raises only while armed, so a late signal can never hit pytest itself.
    """
    import signal
    import threading

    state = {"armed": True}

    def handler(signum, frame):
        if state["armed"]:
            raise KeyboardInterrupt

    old = signal.signal(signal.SIGINT, handler)

    def schedule(*delays):
        def fire():
            t0 = time.monotonic()
            for d in delays:
                time.sleep(max(0.0, t0 + d - time.monotonic()))
                signal.raise_signal(signal.SIGINT)

        threading.Thread(target=fire, daemon=True).start()

    yield schedule
    state["armed"] = False
    signal.signal(signal.SIGINT, old)


def test_cli_one_ctrl_c_after_create_still_saves_the_result(capsys, env, sb, photo, tmp_path, ctrl_c):
    l0 = len(sb.ledger)
    sb.processing_seconds = 1.2
    ctrl_c(0.5)
    assert cli.main(["run", "sod", str(photo), "--out", str(tmp_path / "o")]) == 0
    cap = capsys.readouterr()
    assert "cancelling" in cap.err and "the paid result was saved" in cap.err
    out = [ln for ln in cap.out.splitlines() if ln.strip()]
    assert out and all(Path(p).is_file() for p in out)
    assert len(sb.ledger[l0:]) == 1


def test_cli_second_ctrl_c_names_the_resume_command(capsys, env, sb, photo, tmp_path, ctrl_c):
    import threading

    n0, l0 = len(sb.requests), len(sb.ledger)
    sb.processing_seconds = 1.2
    ctrl_c(0.4, 0.6)
    assert cli.main(["run", "sod", str(photo), "--out", str(tmp_path / "o")]) == 130
    err = capsys.readouterr().err
    m = re.search(r"resume it with: youcam resume (\S+)", err)
    assert m, err
    job_dir = Path(shlex.split(m.group(1))[0])
    assert record(job_dir)["task_id"]
    # resumed while the abandoned worker of this process still polls the same task
    assert cli.main(["resume", str(job_dir)]) == 0
    out = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    assert Path(out[0]).is_file() and Path(out[0]).parent == job_dir
    for t in threading.enumerate():
        if t.name == "youcam-job":
            t.join(5)
    assert record(job_dir)["status"] == "done"
    assert len(creates(sb, n0)) == 1 and len(sb.ledger[l0:]) == 1
