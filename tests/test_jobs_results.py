"""No result left behind, and job folders that cannot be turned against the user.

Real loopback HTTP throughout: the sandbox, a small forwarding server in front of it
(to make a `success` reply empty, as a broken service could) and a second server
that must never hear from us."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import numpy as np
import pytest

from napari_youcam import cli, workflow
from napari_youcam.api import Client, Credentials, DeadlineExceededError, RetryPolicy, ServerError, TaskExpiredError
from napari_youcam.errors import InputError, YouCamError
from napari_youcam.sandbox import Sandbox
from napari_youcam.workflow import STORE_NAME, JobStore

SKIN = {"dst_actions": ["wrinkle", "pore", "texture", "acne"], "format": "json"}


@pytest.fixture(scope="module")
def sb():
    # 30 concurrent jobs and then some: a rate limit that never binds here
    with Sandbox(processing_seconds=0.05, units=1e5, rate_limit=(100000, 300.0)) as s:
        yield s


@pytest.fixture
def client(sb_client):
    return sb_client


def image(seed: int, h: int = 90, w: int = 120) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)


def record(job_dir: Path) -> dict:
    return json.loads((job_dir / "youcam-job.json").read_text())


def polls(sb, since: int, task_id: str) -> list[dict]:
    return [r for r in sb.requests[since:] if r["method"] == "GET" and r["path"].endswith(task_id)]


# ---------------------------------------------------------------------- concurrency
def test_thirty_jobs_from_six_threads_into_one_folder_all_succeed(sb, client, tmp_path):
    results: dict[int, object] = {}
    l0 = len(sb.ledger)

    def worker(k: int) -> None:
        for i in range(k, 30, 6):
            try:
                results[i] = workflow.run("sod", image(100 + i, 40, 50), client=client, out_dir=tmp_path)
            except Exception as exc:  # noqa: BLE001 - any failure is recorded and asserted below
                results[i] = exc

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    failures = {i: r for i, r in results.items() if isinstance(r, Exception)}
    assert not failures and len(results) == 30
    folders = {r.sidecar.parent for r in results.values()}
    assert len(folders) == 30 and all(record(d)["status"] == "done" for d in folders)
    assert len(sb.ledger) - l0 == 30
    assert not list(tmp_path.glob(".youcam-write-test*")) and not list(tmp_path.glob("*/*.tmp"))
    assert len(JobStore.open(tmp_path).find(status="done")) == 30


# ---------------------------------------------------------------------- no result left behind
def test_skin_json_masks_are_all_downloaded_and_recorded(sb, client, tmp_path):
    face = image(7, 1024, 768)
    res = workflow.run("skin-analysis", face, params=SKIN, client=client, out_dir=tmp_path)
    job = res.sidecar.parent
    items = [i for i in res.data["output"] if i.get("mask_urls")]
    assert len(items) >= 4
    for item in items:
        assert len(item["mask_files"]) == len(item["mask_urls"])
        for name in item["mask_files"]:
            assert (job / name).is_file() and (job / name).read_bytes().startswith(b"\x89PNG")
    rec = record(job)
    names = {n for item in items for n in item["mask_files"]}
    assert names <= set(rec["files"]) and set(rec["mask_files"].values()) == names
    on_disk = json.loads((job / "skin-analysis.json").read_text())
    assert on_disk["output"][0]["mask_files"] == items[0]["mask_files"]
    assert res.arrays == []  # masks stay files named in the data, like the ZIP's


class _Forwarder:
    """A loopback HTTP server that forwards to the sandbox; ``empty`` blanks successful results."""

    def __init__(self, target: str):
        self.empty = True
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                r = httpx.request(self.command, target + self.path, content=body, headers=headers)
                data = r.content
                if outer.empty and self.command == "GET" and "/task/" in self.path:
                    reply = r.json()
                    if reply.get("data", {}).get("task_status") == "success":
                        reply["data"]["results"] = {}
                        data = json.dumps(reply).encode()
                self.send_response(r.status_code)
                self.send_header("Content-Type", r.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_success_reply_without_a_result_is_a_resumable_error(sb, tmp_path):
    fwd = _Forwarder(sb.base_url)
    try:
        c = Client(
            Credentials(api_key=sb.api_key),
            base_url=fwd.url,
            retry=RetryPolicy(attempts=3, base=0.01, ceiling=0.05),
            rate_limit=False,
            timeout=5.0,
        )
        l0 = len(sb.ledger)
        with pytest.raises(ServerError, match="carried no result") as ei:
            workflow.run("sod", image(8), client=c, out_dir=tmp_path)
        exc = ei.value
        assert exc.job is not None and exc.job.resume_hint and "youcam resume" in str(exc)
        rec = record(exc.job.job_dir)
        assert rec["status"] == "download_failed" and rec["resumable"] is True and rec["files"] == []
        fwd.empty = False  # the service answers properly again
        res = workflow.resume(exc.job.job_dir, client=c)
        assert res.files and all(f.is_file() for f in res.files) and record(exc.job.job_dir)["status"] == "done"
        assert len(sb.ledger) - l0 == 1
    finally:
        fwd.close()


def test_an_expired_result_url_is_renewed_by_polling_the_task_again(sb, client, tmp_path):
    n0, l0 = len(sb.requests), len(sb.ledger)
    sb.inject("status", path="/_download/*", method="GET", status=403, times=1)
    res = workflow.run("sod", image(9), client=client, out_dir=tmp_path)
    assert res.files[0].is_file() and record(res.sidecar.parent)["status"] == "done"
    gets = [r for r in sb.requests[n0:] if r["method"] == "GET"]
    first_download = next(i for i, r in enumerate(gets) if r["path"].startswith("/_download/"))
    assert polls(sb, n0 + 0, res.task_id)  # polled before...
    assert any(r["path"].endswith(res.task_id) for r in gets[first_download:])  # ...and again after the 403
    assert len(sb.ledger) - l0 == 1


def test_a_result_whose_task_is_gone_says_so(sb, client, tmp_path):
    sb.inject("status", path="/_download/*", method="GET", status=404, times=None)
    seen: dict[str, bool] = {}

    def progress(stage: str, fraction: float) -> None:
        if stage == "downloading" and not seen:
            seen["deleted"] = True
            task_id = record(next(tmp_path.glob("*_sod")))["task_id"]
            client.delete_task(task_id)  # the task (and its results) leave the service

    with pytest.raises(TaskExpiredError, match="task itself is gone") as ei:
        workflow.run("sod", image(10), client=client, out_dir=tmp_path, progress=progress)
    assert ei.value.job is not None and ei.value.job.resume_hint is None
    rec = record(ei.value.job.job_dir)
    assert rec["status"] == "download_failed" and rec["resumable"] is False


# ---------------------------------------------------------------------- untrusted job folders
def _stopped_job(sb, client, out: Path, seed: int) -> YouCamError:
    sb.processing_seconds = 1.0
    with pytest.raises(DeadlineExceededError) as ei:
        workflow.run("sod", image(seed), client=client, out_dir=out, deadline=0.3)
    assert ei.value.job is not None
    return ei.value


def _tamper(job_dir: Path, **fields: object) -> None:
    side = job_dir / "youcam-job.json"
    side.write_text(json.dumps({**json.loads(side.read_text()), **fields}))


@pytest.mark.parametrize(
    "edit,message",
    [
        ({"task_path": "http://127.0.0.1:{port}/steal"}, "not the catalogue's path"),
        ({"task_path": "//127.0.0.1:{port}/steal"}, "not the catalogue's path"),
        ({"service_host": "127.0.0.1:{port}"}, "lives on 127.0.0.1:{port}"),
        ({"feature": "no-such-feature"}, "no-such-feature"),
        ({"variant": "evil"}, "evil"),
        ({"api": "v9"}, "unknown API generation"),
        ({"task_id": 12}, "'task_id' has the wrong type"),
        ({"status": "hacked"}, "unknown job status"),
    ],
)
def test_a_tampered_job_folder_is_refused_and_nothing_is_sent(sb, client, tmp_path, edit, message):
    exc = _stopped_job(sb, client, tmp_path, 20)
    with Sandbox(processing_seconds=0.05) as other:
        fields = {k: v.format(port=other.port) if isinstance(v, str) else v for k, v in edit.items()}
        _tamper(exc.job.job_dir, **fields)
        n0 = len(sb.requests)
        with pytest.raises(InputError, match=message.format(port=other.port)) as ei:
            workflow.resume(exc.job.job_dir, client=client)
        assert ei.value.exit_code == 2
        assert other.requests == [] and len(sb.requests) == n0
        assert sb.api_key not in str(ei.value)


def test_cli_resume_of_a_tampered_folder_exits_2_with_one_line(capsys, monkeypatch, sb, client, tmp_path):
    exc = _stopped_job(sb, client, tmp_path, 21)
    monkeypatch.setenv("YOUCAM_API_KEY", sb.api_key)
    monkeypatch.setenv("YOUCAM_BASE_URL", sb.base_url)
    with Sandbox(processing_seconds=0.05) as other:
        _tamper(exc.job.job_dir, task_path=f"{other.base_url}/steal")
        n0 = len(sb.requests)
        assert cli.main(["resume", str(exc.job.job_dir)]) == 2
        err = capsys.readouterr().err
        lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("SANDBOX")]
        assert len(lines) == 1 and "catalogue's path" in lines[0] and "Traceback" not in err
        assert other.requests == [] and len(sb.requests) == n0


def test_a_tampered_store_record_is_refused_too(sb, client, tmp_path):
    import sqlite3

    exc = _stopped_job(sb, client, tmp_path, 22)
    with Sandbox(processing_seconds=0.05) as other:
        with sqlite3.connect(tmp_path / STORE_NAME) as db:
            (text,) = db.execute("SELECT record FROM jobs WHERE job_id = ?", (exc.job.job_dir.name,)).fetchone()
            rec = json.loads(text)
            rec["task_path"] = f"{other.base_url}/steal"
            db.execute("UPDATE jobs SET record = ? WHERE job_id = ?", (json.dumps(rec), exc.job.job_dir.name))
        n0 = len(sb.requests)
        with pytest.raises(InputError, match="catalogue's path"):
            workflow.run("sod", image(22), client=client, out_dir=tmp_path)  # would resume that job
        assert other.requests == [] and len(sb.requests) == n0
