"""The job store: a real SQLite file written by threads and processes at once, and rebuilt
from job folders (which stay the truth; a broken one is reported and skipped)."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from napari_youcam.errors import InputError
from napari_youcam.workflow import SIDECAR_NAME, STORE_NAME, JobRecord, JobStatus, JobStore
from napari_youcam.workflow.sidecar import Sidecar

PER_WRITER = 12


def _record(
    job_id: str,
    *,
    status: JobStatus = JobStatus.DONE,
    feature: str = "sod",
    day: str = "2026-11-27",
    sandbox: bool = True,
    cost: float | None = 1.0,
    key: str | None = None,
) -> JobRecord:
    return JobRecord(
        feature=feature,
        status=status,
        job_id=job_id,
        task_id=f"task-{job_id}",
        sandbox=sandbox,
        unit_cost_estimate=cost,
        reuse_key=key or f"key-{job_id}",
        service_host="127.0.0.1:1",
        params={"b": 2, "a": [1, "x"]},
        input_hashes={"src": [f"h-{job_id}"]},
        times={"started": f"{day}T10:00:00.000+00:00"},
        source_name=f"{job_id}.png",
        files=["sod.png"] if status == JobStatus.DONE else [],
    )


def _write_many(results_dir: str, prefix: str) -> None:
    store = JobStore.open(results_dir)
    for i in range(PER_WRITER):
        rec = _record(f"{prefix}-{i:02d}")
        store.record(rec)
        rec.update(status=JobStatus.RUNNING)  # a second write of the same row (status change)
        store.record(rec)
        rec.update(status=JobStatus.DONE, units_charged=1.0)
        store.record(rec)


def test_threads_and_processes_write_at_once_and_nothing_is_lost(tmp_path):
    JobStore.open(tmp_path)
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write_many, args=(str(tmp_path), f"p{n}")) for n in range(3)]
    threads = [threading.Thread(target=_write_many, args=(str(tmp_path), f"t{n}")) for n in range(8)]
    for w in [*procs, *threads]:
        w.start()
    for t in threads:
        t.join(120)
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = JobStore.open(tmp_path)
    rows = store.find()
    assert len(rows) == 11 * PER_WRITER
    assert {r.job_id for r in rows} == {
        f"{w}{n}-{i:02d}" for w, k in (("p", 3), ("t", 8)) for n in range(k) for i in range(PER_WRITER)
    }
    assert all(r.status == JobStatus.DONE for r in rows)
    assert store.costs(by="feature") == [
        {"feature": "sod", "units": 11.0 * PER_WRITER, "jobs": 11 * PER_WRITER, "units_label": "sandbox units"}
    ]
    with sqlite3.connect(tmp_path / STORE_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _job_folder(root: Path, rec: JobRecord) -> Path:
    d = root / rec.job_id
    d.mkdir()
    (d / "sod.png").write_bytes(b"\x89PNG result")
    Sidecar(d / SIDECAR_NAME, rec).update()
    return d


def test_rebuild_equals_the_live_index_and_skips_a_broken_record(tmp_path):
    live = JobStore.open(tmp_path)
    for i, day in enumerate(["2026-11-01", "2026-11-01", "2026-11-02"]):
        rec = _record(f"20261101-00000{i}_sod", day=day, cost=2.0)
        d = _job_folder(tmp_path, rec)
        Sidecar(d / SIDECAR_NAME, rec, on_write=live.record).update()
    before = [r.to_json() for r in live.find()]
    assert len(before) == 3

    broken = tmp_path / "20261101-000009_sod"
    broken.mkdir()
    (broken / SIDECAR_NAME).write_text('{"feature": "sod", "status": "done", "files": ["../../etc/passwd"]}')
    wrong_type = tmp_path / "20261101-000010_sod"
    wrong_type.mkdir()
    (wrong_type / SIDECAR_NAME).write_text(json.dumps({"feature": "sod", "params": "not a dict"}))

    (tmp_path / STORE_NAME).unlink()
    for extra in ("-wal", "-shm"):
        (tmp_path / (STORE_NAME + extra)).unlink(missing_ok=True)
    fresh = JobStore.open(tmp_path)
    report = fresh.rebuild(tmp_path)
    assert report.indexed == 3
    assert sorted(p.name for p, _ in report.skipped) == [broken.name, wrong_type.name]
    assert any("outside the job folder" in why for _, why in report.skipped)
    assert any("'params'" in why for _, why in report.skipped)
    assert [r.to_json() for r in fresh.find()] == before
    assert fresh.costs(by="day") == [
        {"day": "2026-11-01", "units": 4.0, "jobs": 2, "units_label": "sandbox units"},
        {"day": "2026-11-02", "units": 2.0, "jobs": 1, "units_label": "sandbox units"},
    ]


def test_queries_filter_and_reuse_lookups(tmp_path):
    store = JobStore.open(tmp_path)
    done = _record("a_sod", key="K", day="2026-11-01")
    _job_folder(tmp_path, done)
    store.record(done)
    store.record(_record("b_sod", key="K", status=JobStatus.RUNNING, day="2026-11-02"))
    store.record(_record("c_enhance", feature="enhance", status=JobStatus.FAILED, day="2026-11-03", sandbox=False))
    store.record(_record("d_sod", key="gone", day="2026-11-04"))  # done, but its folder has no files

    assert [r.job_id for r in store.find()] == ["d_sod", "c_enhance", "b_sod", "a_sod"]
    assert [r.job_id for r in store.find(feature="sod", since="2026-11-02")] == ["d_sod", "b_sod"]
    assert [r.job_id for r in store.find(status="failed")] == ["c_enhance"]
    assert [r.job_id for r in store.find(source="c_enh")] == ["c_enhance"]
    assert [r.job_id for r in store.find(source="%")] == []  # LIKE wildcards are literal
    assert [r.job_id for r in store.find(limit=1)] == ["d_sod"]
    assert store.get("a_sod").params == {"b": 2, "a": [1, "x"]} and store.get("nope") is None
    assert store.find_reusable("K").job_id == "a_sod"
    assert store.find_reusable("gone") is None
    assert store.find_unfinished("K").job_id == "b_sod"
    # a failed task counts no units; a real (non-sandbox) job is labelled apart
    costs = store.costs(by="feature")
    assert {"feature": "enhance", "units": 0.0, "jobs": 1, "units_label": "units"} in costs
    with pytest.raises(InputError, match="choose 'day' or 'feature'"):
        store.costs(by="week")


def test_rows_are_untrusted(tmp_path):
    store = JobStore.open(tmp_path)
    with pytest.raises(InputError, match="not a job folder name"):
        store.record(_record("../escape"))
    store.record(_record("ok_sod"))
    with sqlite3.connect(tmp_path / STORE_NAME) as db:  # someone edits the index by hand
        db.execute("INSERT INTO jobs (job_id, feature, status, record) VALUES ('x', 'sod', 'done', '{oops')")
        bad = json.dumps({"feature": "sod", "job_id": "/etc", "status": "done"})
        db.execute("INSERT INTO jobs (job_id, feature, status, record) VALUES ('y', 'sod', 'done', ?)", (bad,))
    assert [r.job_id for r in store.find()] == ["ok_sod"]
    with pytest.raises(InputError, match="not a job folder name"):
        store.job_dir("../../home")
