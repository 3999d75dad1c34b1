"""DP-synthetic previews on a 50,000-row, six-column table: utility against ε, and time.

For each ε, PETGOV_BENCH_RUNS (default 5) previews are made (OpenDP draws fresh noise each
time); the worst and median of the per-preview maximum one-way total variation distance are
printed, with the mean time. Goal: at ε = 1 every one-way distance stays at or below 0.05 (the
bound tests/cleanroom/test_preview.py asserts).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from petgov.privacy import synthetic_table, tables
from tests.cleanroom.test_preview import BIG_TERMS, big_table


def main() -> None:
    runs = int(os.environ.get("PETGOV_BENCH_RUNS", "5"))
    bounds = {k: (float(v[0]), float(v[1])) for k, v in BIG_TERMS["bounds"].items()}
    with tempfile.TemporaryDirectory() as scratch:
        source = tables.read(big_table(Path(scratch)))
    domains, skipped = synthetic_table.domains_for(
        source.schema, bounds, BIG_TERMS["categories"], 16, {}
    )
    worst_at_one = 0.0
    for epsilon in (0.1, 0.5, 1.0, 4.0):
        worst, seconds = [], []
        for seed in range(runs):
            start = time.perf_counter()
            made = synthetic_table.make(source, domains, skipped, epsilon, seed)
            seconds.append(time.perf_counter() - start)
            assert made.epsilon == epsilon, made.epsilon
            worst.append(max(made.utility.values()))
        if epsilon == 1.0:
            worst_at_one = max(worst)
        print(
            f"ε={epsilon:<4g} max one-way TVD: worst {max(worst):.4f}, "
            f"median {statistics.median(worst):.4f}; {statistics.mean(seconds):.1f} s per preview"
        )
    verdict = "PASS" if worst_at_one <= 0.05 else "FAIL"
    print(f"{verdict}: worst one-way TVD at ε=1 is {worst_at_one:.4f} (goal ≤ 0.05)")
    if verdict == "FAIL":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
