"""What a dock's Run costs before the task exists: plan at Run, then send (same process).

    PYTHONPATH=src python benchmarks/dock_run.py [MEGAPIXELS] [ROUNDS]

A dock plans the job when Run is clicked (the user sees the cost and any problem),
then its worker sends it. Before `workflow.run_plan`, the worker called
`workflow.run`, which read, fitted and encoded the image a second time. This times
both paths end to end against a local sandbox whose tasks take no time (so what is
left is our own work plus loopback HTTP), interleaved round-robin, and prints the
medians and the ratio new / old. ``again=True`` keeps the store from answering.
Not part of the test suite.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from napari_youcam import workflow
from napari_youcam.connect import sandbox_client
from napari_youcam.sandbox import Sandbox


def photo(megapixels: float) -> np.ndarray:
    """A smooth RGB photo of about ``megapixels`` (4:3), the kind a camera gives."""
    h = int((megapixels * 1e6 * 3 / 4) ** 0.5)
    w = h * 4 // 3
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = [(xx / w) * 255, (yy / h) * 255, (np.sin(xx / 37) * np.cos(yy / 53) + 1) * 127]
    return np.stack(rgb, -1).astype(np.uint8)


def main() -> None:
    mp = float(sys.argv[1]) if len(sys.argv) > 1 else 12.0
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    img = photo(mp)
    with (
        Sandbox(processing_seconds=0.0, units=1e6, rate_limit=(10**6, 300.0)) as sb,
        tempfile.TemporaryDirectory() as d,
    ):
        client = sandbox_client(sb)
        out = Path(d)

        def old() -> None:  # the dock before: plan at Run, then run() plans again on the worker
            workflow.plan("sod", img)
            workflow.run("sod", img, client=client, out_dir=out, again=True)

        def new() -> None:  # now: plan at Run, the worker sends that plan
            p = workflow.plan("sod", img)
            workflow.run_plan(p, client=client, out_dir=out, again=True)

        times: dict[str, list[float]] = {"old": [], "new": []}
        new()  # warm up both paths once (imports, connection pool)
        old()
        for _ in range(rounds):
            for name, fn in (("old", old), ("new", new)):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
        client.close()
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    print(f"{img.shape[1]}x{img.shape[0]} ({mp:g} MP), {rounds} rounds, sandbox task time 0")
    print(f"plan + run (worker plans again): {med['old']:.0f} ms")
    print(f"plan + run_plan:                 {med['new']:.0f} ms")
    print(f"ratio new / old: {med['new'] / med['old']:.2f}")


if __name__ == "__main__":
    main()
