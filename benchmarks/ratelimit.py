"""Rate limit and polling under load: a batch through `workflow.run` against a binding budget.

    PYTHONPATH=src python benchmarks/ratelimit.py                 # 64 tasks, 8 workers, 60 req / 30 s
    PYTHONPATH=src python benchmarks/ratelimit.py --tasks 96 --processing 3

A local `Sandbox` enforces the budget per key (sliding window, 429 beyond it, no
Retry-After) and drops a running task that is not polled for 10 s. One shared
`Client` (its own limiter set to the same budget) runs every task from a thread
pool. Reported, from the sandbox's request log and ledger:

* 429 replies (goal 0) and expired tasks (goal 0), tasks charged (goal: each once);
* throughput: counted requests per second against the bound (limit / period), over
  the busy span (first to last counted request), and the fullest window seen;
* requests per task, the first poll's delay after create, the longest gap
  between two polls of one task (must stay well under 10 s).

Not part of the test suite (it runs for about two minutes by design).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from napari_youcam import workflow
from napari_youcam.api import Client, Credentials, YouCamError
from napari_youcam.sandbox import Sandbox


def fullest_window(times: list[float], period: float) -> int:
    """The most requests inside any window of ``period`` seconds."""
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - period:
            j += 1
        best = max(best, i - j + 1)
    return best


def poll_figures(sb: Sandbox) -> tuple[list[float], list[float]]:
    """(first-poll delays after create, gaps between polls of one task), from the sandbox's books."""
    polls: dict[str, list[float]] = defaultdict(list)
    for r in sb.requests:
        if r["method"] == "GET" and r["path"].startswith("/s2s/v2.0/task/sod/"):
            polls[r["path"].rsplit("/", 1)[1]].append(r["time"])
    first = [ts[0] - sb.tasks[tid].created_at for tid, ts in polls.items() if tid in sb.tasks]
    gaps = [b - a for ts in polls.values() for a, b in zip(ts, ts[1:], strict=False)]
    return first, gaps


def run(tasks: int, workers: int, limit: int, period: float, processing: float) -> dict[str, Any]:
    img = np.dstack([np.tile(np.arange(160, dtype=np.uint8), (120, 1))] * 3)
    with (
        Sandbox(processing_seconds=processing, rate_limit=(limit, period), polling_interval_ms=1000, units=1e6) as sb,
        tempfile.TemporaryDirectory() as out,
    ):
        client = Client(Credentials(api_key=sb.api_key), base_url=sb.base_url, rate_limit=(limit, period))
        errors: list[str] = []

        def one(i: int) -> str | None:
            try:
                return workflow.run("sod", img, client=client, out_dir=Path(out) / f"job{i}").task_id
            except YouCamError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                return None

        t0 = time.monotonic()
        with ThreadPoolExecutor(workers) as pool:
            ids = [t for t in pool.map(one, range(tasks)) if t]
        wall = time.monotonic() - t0
        counted = sorted(r["time"] for r in sb.requests if r["had_authorization"] and not r["path"].startswith("/_"))
        span = counted[-1] - counted[0]
        first, gaps = poll_figures(sb)
        return {
            "tasks": tasks,
            "ok": len(ids),
            "errors": errors,
            "http_429": sum(1 for r in sb.requests if r["status"] == 429),
            "expired": sum(1 for t in sb.tasks.values() if t.expired),
            "charged": len(sb.ledger),
            "charged_twice": len(sb.ledger) - len({e["task_id"] for e in sb.ledger}),
            "requests": len(counted),
            "wall_s": wall,
            "span_s": span,
            "rate_fraction": (len(counted) - 1) / span / (limit / period) if span > 0 else 0.0,
            "fullest_window": fullest_window(counted, period),
            "requests_per_task": len(counted) / max(1, len(ids)),
            "first_poll_median_s": statistics.median(first) if first else float("nan"),
            "first_poll_min_s": min(first, default=float("nan")),
            "max_poll_gap_s": max(gaps, default=0.0),
            "tasks_per_min": len(ids) / wall * 60,
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--tasks", type=int, default=64)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--period", type=float, default=30.0)
    ap.add_argument("--processing", type=float, default=2.0, help="sandbox seconds per task")
    a = ap.parse_args(argv)
    r = run(a.tasks, a.workers, a.limit, a.period, a.processing)
    print(
        f"{r['ok']}/{r['tasks']} tasks in {r['wall_s']:.1f} s ({r['tasks_per_min']:.1f}/min), "
        f"{a.workers} workers, budget {a.limit} per {a.period:g} s, processing {a.processing:g} s"
    )
    print(
        f"429 replies: {r['http_429']}   expired tasks: {r['expired']}   charged: {r['charged']} "
        f"(twice: {r['charged_twice']})"
    )
    print(
        f"throughput: {r['requests']} counted requests in {r['span_s']:.1f} s = "
        f"{r['rate_fraction'] * 100:.1f} % of the bound; fullest {a.period:g} s window: "
        f"{r['fullest_window']}/{a.limit}"
    )
    print(
        f"requests per task: {r['requests_per_task']:.2f}; first poll after create: median "
        f"{r['first_poll_median_s']:.2f} s (min {r['first_poll_min_s']:.2f} s); longest gap between "
        f"polls: {r['max_poll_gap_s']:.2f} s"
    )
    for e in r["errors"][:5]:
        print("error:", e)
    return 0 if not r["errors"] and not r["http_429"] and not r["expired"] else 1


if __name__ == "__main__":
    sys.exit(main())
