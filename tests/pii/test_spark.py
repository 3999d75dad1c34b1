"""`--engine spark` on a real JVM (`local[2]`) gives the local scan's findings, finding for finding.

One SparkSession serves the module (JVM start-up is slow); the xdist group keeps these tests on
one worker. Files are split into several partitions (a small maxPartitionBytes), so the row
keys of a file split across executors are exercised, not just one partition per file.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.pii.datagen import make_csv, make_rows

pytestmark = pytest.mark.xdist_group("spark")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from petgov.pii.spark import session

    s = session("local[2]")
    s.conf.set("spark.sql.files.maxPartitionBytes", "65536")
    s.conf.set("spark.sql.files.openCostInBytes", "0")
    s.conf.set("spark.sql.shuffle.partitions", "3")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spark-data")
    make_csv(root / "people.csv", 1500)
    (root / "few").mkdir()
    make_csv(root / "few" / "few.csv", 120)
    rows = make_rows(1500, seed=3)
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, root / "people.parquet", row_group_size=300)
    part = root / "lake"
    for i, country in enumerate(("DE", "FR", "US")):
        (part / f"country={country}").mkdir(parents=True)
        chunk = table.slice(i * 400, 400)
        pq.write_table(chunk, part / f"country={country}" / "part-0.parquet", row_group_size=200)
    with open(root / "tickets.jsonl", "w") as fh:
        for i in range(1200):
            body = f"Customer {i} asked about the delivery window and the refund policy again"
            if i % 40 == 0:
                body += f" - reach me at user{i}@example.org or 212-555-{i % 10000:04d}"
            fh.write(json.dumps({"ticket": i, "ssn": rows[i % 1500]["ssn"], "body": body}) + "\n")
    (root / "chat.txt").write_text(
        "".join(
            f"line {i} my ssn is 536-22-{1000 + i} ok\n" if i % 7 == 0 else "hi\n"
            for i in range(500)
        )
    )
    return root


def _findings(doc: dict[str, Any]) -> list[str]:
    keep = ("kind", "path", "message", "location", "facts", "evidence", "severity", "confidence")
    return sorted(
        json.dumps({k: f.get(k) for k in keep}, sort_keys=True)
        for f in doc["findings"]
        if f["engine"] == "pii"
    )


def _pii_facts(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        path: {k: v for k, v in facts.items() if k.startswith("pii.")}
        for path, facts in doc["facts"].items()
    }


def _scan(cli: Any, *args: str) -> dict[str, Any]:
    res = cli("scan", *args, "--scanner", "pii", "-f", "json")
    assert res.code in (0, 1), res.stderr
    doc: dict[str, Any] = res.json()
    return doc


@pytest.mark.slow
def test_spark_engine_gives_the_local_findings(spark: Any, datasets: Path, cli: Any) -> None:
    runs = {}
    for args in ([str(datasets)], [str(datasets / "few"), "--exhaustive"]):
        local = runs[args[0]] = _scan(cli, *args)
        distributed = _scan(cli, *args, "--engine", "spark")
        assert _findings(distributed) == _findings(local)
        assert _pii_facts(distributed) == _pii_facts(local)
        assert len(_findings(local)) >= 6
    # what the equality covered: every format, column and text mode, a split partitioned lake
    local = runs[str(datasets)]
    facts = _pii_facts(local)
    modes = {Path(p).name: f.get("pii.mode") for p, f in facts.items() if "pii.mode" in f}
    assert modes == {
        "people.csv": "column",
        "few.csv": "column",
        "people.parquet": "column",
        "part-0.parquet": "column",
        "tickets.jsonl": "column",
        "chat.txt": "text",
    }
    lake = [p for p in facts if "/lake/" in p and "pii.rows" in facts[p]]
    assert len(lake) == 3 and all(facts[p]["pii.rows"] == 400 for p in lake)
    assert (
        _pii_facts(runs[str(datasets / "few")])[str(datasets / "few" / "few.csv")]["pii.mode"]
        == "text"
    )
    assert facts[str(datasets / "people.csv")]["pii.sampled_rows"] == 1000
    kinds = {(Path(f["path"]).name, f["kind"]) for f in local["findings"] if f["engine"] == "pii"}
    assert ("tickets.jsonl", "pii.text") in kinds and ("chat.txt", "pii.text") in kinds
    assert spark.sparkContext.master == "local[2]"
    parts = spark.read.parquet(str(datasets / "people.parquet")).rdd.getNumPartitions()
    assert parts > 1  # the file really was split across partitions


@pytest.mark.slow
def test_corrupt_parquet_is_one_line_on_both_engines(spark: Any, tmp_path: Path, cli: Any) -> None:
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"email": ["a@example.org"] * 10}), good)
    bad = tmp_path / "bad.parquet"
    data = good.read_bytes()
    bad.write_bytes(data[:-12] + b"\x00" * 8 + data[-4:])  # footer length and metadata broken
    good.unlink()
    for engine in ("local", "spark"):
        res = cli("scan", str(bad), "--scanner", "pii", "--engine", engine, "-f", "json")
        cov = [c for c in res.json()["coverage"] if c["engine"] == "pii"]
        assert [c["status"] for c in cov] == ["error"], (engine, cov)
        reason = cov[0]["reason"].strip()
        assert "\n" not in reason and "at org.apache" not in reason
        assert "Parquet" in reason or "parquet" in reason
    # the exit status is the local scan's too (an unreadable dataset is error coverage)
    codes = {e: cli("scan", str(bad), "--engine", e) for e in ("local", "spark")}
    assert codes["spark"].code == codes["local"].code
    assert "Traceback" not in codes["spark"].stderr


def test_no_java_is_one_line_and_exit_2(tmp_path: Path, cli_process: Any) -> None:
    data = tmp_path / "d.csv"
    data.write_text("email\na@example.org\n")
    env = dict(os.environ)
    env["JAVA_HOME"] = str(tmp_path / "nowhere")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + "/nonexistent"
    res = cli_process("scan", str(data), "--engine", "spark", env=env)
    assert res.code == 2
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert lines and "Java runtime" in lines[0] and "Traceback" not in res.stderr, res.stderr
