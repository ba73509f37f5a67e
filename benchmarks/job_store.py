"""What indexing a job costs: one `JobStore.record` against one atomic sidecar write.

    PYTHONPATH=src python benchmarks/job_store.py      # a few seconds

A job writes its record ~6 times (creating, running, succeeded, saved, done...); each
write now also upserts the store row. Both are timed interleaved, round-robin, in
the same process and folder, and the store write is printed as a ratio to the
sidecar write (the reference), plus a reuse lookup. Not part of the test suite.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from napari_youcam.workflow import SIDECAR_NAME, JobRecord, JobStatus, JobStore
from napari_youcam.workflow.sidecar import Sidecar


def median_ms(fns: dict[str, Callable[[], None]], runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    root = Path(tempfile.mkdtemp())
    store = JobStore.open(root)
    for i in range(500):  # a results folder with some history
        store.record(
            JobRecord(
                feature="sod",
                job_id=f"old{i}",
                reuse_key=f"k{i}",
                status=JobStatus.DONE,
                times={"started": "2026-11-01T00:00:00"},
            )
        )
    job = root / "20261128-000000_sod"
    job.mkdir()
    rec = JobRecord(
        feature="sod",
        job_id=job.name,
        reuse_key="k",
        params={"a": 1},
        files=["sod.png"],
        times={"started": "2026-11-28T00:00:00"},
    )
    side = Sidecar(job / SIDECAR_NAME, rec)
    ms = median_ms(
        {
            "sidecar write (reference)": side.update,
            "store upsert": lambda: store.record(rec),
            "reuse lookup": lambda: store.find_reusable("k250"),
        },
        runs=200,
    )
    ref = ms["sidecar write (reference)"]
    for name, value in ms.items():
        print(f"{name:<28} {value:8.3f} ms   x{value / ref:6.1f}")


if __name__ == "__main__":
    main()
