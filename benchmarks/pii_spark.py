"""Text-mode PII on Spark: one local process vs Spark local[1] vs local[2] on free-text Parquet.

A Parquet file of ROWS unique free-text comments (default 5,000,000; about 1 in 8 carries an
e-mail, a phone number or an SSN, and every comment has digits, so the prefilter passes them
all to presidio). Each run is text mode over every cell (``--exhaustive``): the local run is
``scan_cells`` with one worker, the Spark runs are ``petgov.pii.spark.scan_file`` on a fresh
session. Prints rows/s, CPU-normalised rates and the local[2]/local[1] speed-up, and checks
that all three count the same cells and entities.

Run: .venv/bin/python benchmarks/pii_spark.py [--rows N]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_WORDS = [
    "order",
    "delivery",
    "refund",
    "window",
    "policy",
    "account",
    "invoice",
    "parcel",
    "courier",
    "weekend",
]


def make_parquet(path: Path, rows: int, seed: int = 5) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    writer = None
    step = 200_000
    for start in range(0, rows, step):
        comments = []
        for i in range(start, min(rows, start + step)):
            words = " ".join(rng.choice(_WORDS) for _ in range(8))
            text = f"ticket {i}: customer asked about the {words}"
            kind = i % 8
            if kind == 0:
                text += f" - mail me at user{i}@example.org"
            elif kind == 1:
                text += f" - call 212-555-{i % 10000:04d}"
            elif kind == 2:
                text += f" - my ssn is 536-{10 + i % 89}-{1000 + i % 8999}"
            comments.append(text)
        table = pa.table({"id": pa.array(range(start, start + len(comments))), "comment": comments})
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=50_000)
    if writer is not None:
        writer.close()


def run_local(path: Path) -> tuple[float, dict[str, int], int]:
    import pyarrow.parquet as pq

    from petgov.pii.column import name_words
    from petgov.pii.engine import get_engine
    from petgov.pii.text import scan_cells

    engine = get_engine(None)
    start = time.perf_counter()
    cells = (
        v
        for batch in pq.ParquetFile(path).iter_batches(columns=["comment"])
        for v in batch.column(0).to_pylist()
    )
    scan = scan_cells(cells, engine.entities(), context=name_words("comment"), workers=1)
    return time.perf_counter() - start, {e: t.cells for e, t in scan.tallies.items()}, scan.cells


def run_spark(path: Path, master: str) -> tuple[float, dict[str, int], int, dict[int, Any]]:
    from petgov.pii.engine import get_engine
    from petgov.pii.spark import SparkSettings, scan_file, session

    spark = session(master)
    try:
        spark.range(4).count()  # JVM and Python workers up before the clock starts
        start = time.perf_counter()
        res = scan_file(
            spark, f"file://{path}", "parquet", SparkSettings(exhaustive=True), get_engine(None)
        )
        took = time.perf_counter() - start
    finally:
        spark.stop()
    scan = res.texts["comment"]
    return took, {e: t.cells for e, t in scan.tallies.items()}, scan.cells, res.workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "comments.parquet"
        make_parquet(path, args.rows)
        size = path.stat().st_size / 1e6
        print(f"data: {args.rows:,} unique free-text comments, {size:.1f} MB Parquet")
        results: dict[str, tuple[float, dict[str, int], int]] = {}
        for name, run in (
            ("local process", lambda: run_local(path)),
            ("spark local[1]", lambda: run_spark(path, "local[1]")),
            ("spark local[2]", lambda: run_spark(path, "local[2]")),
        ):
            load = os.getloadavg()[0]
            took, entities, cells, *rest = run()
            results[name] = (took, entities, cells)
            print(f"{name:15s} {took:8.1f} s  {args.rows / took:9,.0f} rows/s  (load {load:.2f})")
            for pid, w in (rest[0] if rest else {}).items():
                print(
                    f"    worker {pid}: {w.tasks} tasks, engine built {w.engines_built}x, "
                    f"{w.cpu_seconds:.1f} CPU s"
                )
    base = results["local process"]
    for name, (_, entities, cells) in results.items():
        same = "same counts" if (entities, cells) == base[1:] else f"DIFFERENT: {entities}"
        print(f"{name:15s} {same}")
    one, two = results["spark local[1]"][0], results["spark local[2]"][0]
    print(f"speed-up local[2] / local[1]: {one / two:.2f}x")
    per_core = args.rows / one
    print(
        f"per-core rate (local[1]): {per_core:,.0f} rows/s -> 5M rows on 64 cores ~ "
        f"{5_000_000 / (per_core * 64):.0f} s if it scales linearly"
    )


if __name__ == "__main__":
    main()
