"""The job store: an SQLite index of every job in a results folder.

One file, ``youcam-jobs.sqlite``, beside the job folders. The folders and their
``youcam-job.json`` stay the durable truth; the store is an index for history,
costs and "never pay twice", and `JobStore.rebuild` re-creates it from the folders.

Several threads and several processes may write at once: WAL journal, a busy
timeout, one short transaction per call, a fresh connection per call (a
connection is never shared between threads), and a few retries when SQLite still
answers "database is locked". A row read back is as untrusted as a job folder:
it is parsed with `JobRecord.from_json`, and a job id that is not a plain folder
name is dropped.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from napari_youcam.errors import InputError
from napari_youcam.workflow.jobs import HAS_RESULT, UNFINISHED, JobRecord, JobStatus, canonical_json
from napari_youcam.workflow.sidecar import SIDECAR_NAME, load_sidecar, now_iso

log = logging.getLogger("napari_youcam.workflow")

STORE_NAME = "youcam-jobs.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    feature TEXT NOT NULL,
    variant TEXT,
    api TEXT,
    params TEXT,
    source_sha256 TEXT,
    mask_sha256 TEXT,
    ref_sha256 TEXT,
    reuse_key TEXT,
    service_host TEXT,
    sandbox INTEGER NOT NULL DEFAULT 0,
    task_id TEXT,
    status TEXT NOT NULL,
    units REAL NOT NULL DEFAULT 0,
    units_label TEXT,
    started TEXT,
    updated TEXT,
    source_name TEXT,
    files TEXT,
    error TEXT,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_reuse ON jobs(reuse_key);
CREATE INDEX IF NOT EXISTS jobs_feature ON jobs(feature, started);
CREATE INDEX IF NOT EXISTS jobs_started ON jobs(started);
"""
_COLUMNS = (
    "job_id",
    "feature",
    "variant",
    "api",
    "params",
    "source_sha256",
    "mask_sha256",
    "ref_sha256",
    "reuse_key",
    "service_host",
    "sandbox",
    "task_id",
    "status",
    "units",
    "units_label",
    "started",
    "updated",
    "source_name",
    "files",
    "error",
    "record",
)
#: statuses after which the service has charged the task
_CHARGED = frozenset(
    {JobStatus.SUCCEEDED, JobStatus.DOWNLOAD_FAILED, JobStatus.SAVED, JobStatus.SAVED_UNDECODED, JobStatus.DONE}
)
_RETRIES = 12


@dataclass
class RebuildReport:
    """What `JobStore.rebuild` indexed, and each job folder it had to skip (and why)."""

    indexed: int = 0
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def units_of(rec: JobRecord) -> float:
    """Units this job cost: the charge once the task succeeded, 0 before, 0 when reused."""
    if rec.status == JobStatus.REUSED or rec.status not in _CHARGED:
        return 0.0
    value = rec.units_charged if rec.units_charged is not None else rec.unit_cost_estimate
    return float(value or 0.0)


class JobStore:
    """The index of the jobs in one results folder (see the module docstring)."""

    def __init__(self, results_dir: Path):
        self.results_dir = Path(results_dir)
        self.path = self.results_dir / STORE_NAME

    @classmethod
    def open(cls, results_dir: str | Path) -> JobStore:
        """Open (creating when needed) the store of ``results_dir``; `OSError`/`sqlite3.Error` on failure."""
        store = cls(Path(results_dir).expanduser())
        store.results_dir.mkdir(parents=True, exist_ok=True)
        with store._tx() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
        return store

    # ------------------------------------------------------------------ connections
    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction on a fresh connection (the write lock taken up front)."""
        db = self._connect_for_write()
        try:
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def _connect_for_write(self) -> sqlite3.Connection:
        for attempt in range(_RETRIES):
            db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                # an index rebuilt from the folders: safe against a crash of the app, and a
                # power cut may only lose its last rows (no fsync per row)
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("BEGIN IMMEDIATE")
                return db
            except sqlite3.OperationalError as exc:
                db.close()
                if not _locked(exc) or attempt + 1 == _RETRIES:
                    raise
                _backoff(attempt)
        raise AssertionError("unreachable")

    def _query(self, sql: str, args: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        for attempt in range(_RETRIES):
            db = sqlite3.connect(self.path, timeout=10.0)
            db.row_factory = sqlite3.Row
            try:
                return list(db.execute(sql, args))
            except sqlite3.OperationalError as exc:
                if not _locked(exc) or attempt + 1 == _RETRIES:
                    raise
                _backoff(attempt)
            finally:
                db.close()
        return []

    # ------------------------------------------------------------------ writing
    def record(self, rec: JobRecord) -> None:
        """Insert or update the row of ``rec`` (keyed by its job id, the job folder's name)."""
        if not _plain_name(rec.job_id):
            raise InputError(f"job store: {rec.job_id!r} is not a job folder name")
        with self._tx() as db:
            db.execute(
                f"INSERT OR REPLACE INTO jobs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                _row(rec),
            )

    def rebuild(self, results_dir: str | Path | None = None) -> RebuildReport:
        """Re-create the index from the job folders (a broken record is reported and skipped)."""
        base = Path(results_dir).expanduser() if results_dir is not None else self.results_dir
        report = RebuildReport()
        rows = []
        for side in sorted(base.glob(f"*/{SIDECAR_NAME}")):
            try:
                rows.append(_row(load_sidecar(side.parent).record))
            except (InputError, OSError) as exc:
                report.skipped.append((side.parent, str(exc)))
        with self._tx() as db:
            db.execute("DELETE FROM jobs")
            db.executemany(
                f"INSERT OR REPLACE INTO jobs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})", rows
            )
        report.indexed = len(rows)
        return report

    # ------------------------------------------------------------------ reading
    def job_dir(self, rec: JobRecord | str) -> Path:
        """The folder of a job of this store (its id is checked to be a plain folder name)."""
        job_id = rec if isinstance(rec, str) else rec.job_id
        if not _plain_name(job_id):
            raise InputError(f"job store: {job_id!r} is not a job folder name")
        return self.results_dir / job_id

    def get(self, job_id: str) -> JobRecord | None:
        return next(iter(self._records("SELECT record FROM jobs WHERE job_id = ?", (job_id,))), None)

    def find(
        self,
        feature: str | None = None,
        since: str | _dt.date | _dt.datetime | None = None,
        status: str | JobStatus | None = None,
        source: str | None = None,
        limit: int | None = None,
    ) -> list[JobRecord]:
        """Jobs, newest first. ``since``: ISO date/time (UTC); ``source``: a file name part or a sha256."""
        where, args = [], []
        if feature:
            where.append("feature = ?")
            args.append(feature)
        if since is not None:
            where.append("started >= ?")
            args.append(since.isoformat() if isinstance(since, (_dt.date, _dt.datetime)) else str(since))
        if status is not None:
            where.append("status = ?")
            args.append(JobStatus(status).value)
        if source:
            where.append("(source_name LIKE ? ESCAPE '\\' OR source_sha256 = ?)")
            args += ["%" + source.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", source]
        sql = "SELECT record FROM jobs" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY started DESC, job_id DESC"
        if limit is not None:
            sql += f" LIMIT {max(0, int(limit))}"
        return self._records(sql, tuple(args))

    def costs(self, by: str = "day") -> list[dict[str, object]]:
        """Units per day (UTC) or per feature, sandbox units apart: ``{key, units, jobs, units_label}``."""
        if by not in ("day", "feature"):
            raise InputError(f"costs by {by!r}: choose 'day' or 'feature'")
        key = "substr(started, 1, 10)" if by == "day" else "feature"
        rows = self._query(
            f"SELECT {key} AS k, units_label, SUM(units) AS units, COUNT(*) AS jobs "
            f"FROM jobs GROUP BY k, units_label ORDER BY k, units_label"
        )
        return [
            {by: r["k"], "units": float(r["units"] or 0.0), "jobs": int(r["jobs"]), "units_label": r["units_label"]}
            for r in rows
        ]

    def find_reusable(self, reuse_key: str) -> JobRecord | None:
        """The newest job with this key whose result files are all in its folder."""
        for rec in self._by_key(reuse_key, HAS_RESULT):
            folder = self.job_dir(rec)
            if rec.files and all((folder / n).is_file() for n in rec.files):
                return rec
        return None

    def find_unfinished(self, reuse_key: str) -> JobRecord | None:
        """The newest job with this key whose task was created but whose result was never saved."""
        for rec in self._by_key(reuse_key, UNFINISHED):
            if rec.task_id and rec.resumable is not False:
                return rec
        return None

    def _by_key(self, reuse_key: str, statuses: frozenset[JobStatus]) -> list[JobRecord]:
        marks = ", ".join("?" * len(statuses))
        return self._records(
            f"SELECT record FROM jobs WHERE reuse_key = ? AND status IN ({marks}) ORDER BY started DESC, job_id DESC",
            (reuse_key, *(s.value for s in statuses)),
        )

    def _records(self, sql: str, args: tuple[object, ...]) -> list[JobRecord]:
        out = []
        for row in self._query(sql, args):
            try:
                rec = JobRecord.from_json(json.loads(row["record"]), where=f"{self.path} row")
            except (InputError, ValueError, TypeError) as exc:
                log.warning("job store %s: skipped an unreadable row (%s)", self.path, exc)
                continue
            if _plain_name(rec.job_id):
                out.append(rec)
        return out


def _backoff(attempt: int) -> None:
    time.sleep(min(1.0, 0.02 * 2**attempt) * random.uniform(0.5, 1.0))


def _locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and bool(name) and Path(name).name == name and name not in (".", "..")


def _row(rec: JobRecord) -> tuple[object, ...]:
    hashes = rec.input_hashes or {}
    src = next(iter(hashes.get("src") or hashes.get("srcs") or ()), None) or rec.source_sha256
    mask = next(iter(hashes.get("mask") or ()), None)
    refs = hashes.get("ref") or hashes.get("refs")
    return (
        rec.job_id,
        rec.feature,
        rec.variant,
        rec.api,
        canonical_json(rec.params),
        src,
        mask,
        canonical_json(refs) if refs else None,
        rec.reuse_key,
        rec.service_host,
        int(bool(rec.sandbox)),
        rec.task_id,
        rec.status.value,
        units_of(rec),
        rec.units_label,
        rec.times.get("started"),
        now_iso(),
        rec.source_name,
        canonical_json(rec.files),
        rec.error,
        json.dumps(rec.to_json(), default=str),
    )
