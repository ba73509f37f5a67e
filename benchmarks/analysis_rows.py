"""What reading analyzer results as table rows costs, for a cohort collected into one CSV.

    PYTHONPATH=src python benchmarks/analysis_rows.py

For every analyzer, 5000 synthetic results (the sandbox's own `analyzer_result`, one
per distinct fake photo) are turned into rows with `analysis_rows`. Reference, measured
in the same run: `json.loads` of the same results as text, the least any reader of a
stored result pays. The ratio is what the checks in `analysis_rows` add on top.
Not part of the test suite (timings do not belong in pass/fail tests).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from napari_youcam.features.analysis import RESULT_FIELDS, analysis_rows
from napari_youcam.sandbox.results import Inputs
from napari_youcam.sandbox.results_analysis import analyzer_result

N = 5000


def _best_of(runs: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    print(f"{'analyzer':<28}{'rows µs/result':>16}{'json.loads µs':>15}{'ratio':>8}")
    for key in RESULT_FIELDS:
        results = [analyzer_result(key, Inputs(src_bytes=i.to_bytes(4, "big"))) for i in range(N)]
        texts = [json.dumps(r) for r in results]
        rows = _best_of(3, lambda key=key, results=results: [analysis_rows(key, r) for r in results])
        ref = _best_of(3, lambda texts=texts: [json.loads(t) for t in texts])
        print(f"{key:<28}{rows / N * 1e6:>16.2f}{ref / N * 1e6:>15.2f}{rows / ref:>8.2f}")


if __name__ == "__main__":
    main()
