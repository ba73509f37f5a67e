"""How much `--jobs N` buys: one batch run with 1, 2, 4 and 8 tasks in flight, same process.

    PYTHONPATH=src python benchmarks/batch_inflight.py [N_IMAGES] [TASK_SECONDS]

Against a local sandbox whose tasks take TASK_SECONDS (default 1.0) each (rate
limit lifted: the rate-limit benchmark of issue 8 §5 measures that), the batch's
wall time with N in flight is reported as a ratio of the 1-in-flight
time measured in the same run (ideal: 1/N), plus the time spent checking every
input before the first task (the up-front validation). Not part of the test suite.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from napari_youcam.connect import sandbox_client
from napari_youcam.sandbox import Sandbox
from napari_youcam.workflow import batch as B


def _images(folder: Path, n: int) -> list[Path]:
    yy, xx = np.mgrid[0:768, 0:1024]
    out = []
    for i in range(n):
        p = folder / f"img{i:03d}.jpg"
        Image.fromarray(np.stack([(xx + i) % 256, yy % 256, (xx ^ yy) % 256], -1).astype(np.uint8)).save(p)
        out.append(p)
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    task_s = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    sandbox = Sandbox(processing_seconds=task_s, units=1e6, rate_limit=(10**6, 300.0))
    with tempfile.TemporaryDirectory() as tmp, sandbox as sb:
        imgs = _images(Path(tmp), n)
        t = time.perf_counter()
        plan = B.check_inputs("sod", [B.BatchItem(p) for p in imgs], face_check=True)
        check_s = time.perf_counter() - t
        print(
            f"checking {n} 1024x768 inputs (face check where the feature has a rule): {check_s:.2f} s "
            f"({check_s / n * 1000:.0f} ms each)"
        )
        base = None
        for jobs in (1, 2, 4, 8):
            client = sandbox_client(sb)
            t = time.perf_counter()
            report = B.Batch(plan, client=client, out_dir=Path(tmp) / f"out{jobs}", jobs=jobs).run()
            wall = time.perf_counter() - t
            assert report.count("done") == n, [o.error for o in report.outcomes if o.error]
            base = base or wall
            print(f"--jobs {jobs}: {wall:6.2f} s  ratio to --jobs 1: {wall / base:.2f} (ideal {1 / jobs:.2f})")


if __name__ == "__main__":
    main()
