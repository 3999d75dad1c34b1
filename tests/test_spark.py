"""`petgov.spark` on a real JVM (`local[2]`): DataFrames, spark-table:// and Hadoop URIs give the
findings `petgov scan` gives for the same data, through the same policy and reporters.

A dataset of at most 100 rows is sampled whole, so a DataFrame's content-keyed sample (a table
has no row order) holds the very rows the local scan's index-keyed sample holds; a file:// URI
is keyed by row index like a local file, so it is compared on a larger file.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pii.datagen import make_csv

pytestmark = pytest.mark.xdist_group("spark")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warehouse")


@pytest.fixture(scope="module")
def spark(warehouse: Path) -> Iterator[Any]:
    from petgov.pii.spark import session

    s = session("local[2]", conf={"spark.sql.warehouse.dir": str(warehouse)})
    s.conf.set("spark.sql.shuffle.partitions", "3")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_csv(tmp_path_factory.mktemp("spark-api") / "people.csv", 90)


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Python-side sockets may reach only this machine (the local JVM's gateway)."""
    attempts: list[str] = []
    connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("/"):
            attempts.append(repr(address))
            raise AssertionError(f"network access attempted: {address!r}")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts


def _findings(doc: dict[str, Any], path: str) -> list[str]:
    """PII findings with the target's name replaced, so two names of one dataset compare."""
    keep = ("kind", "message", "location", "facts", "evidence", "severity", "confidence", "rule_id")
    out = []
    for f in doc["findings"]:
        if f["engine"] == "pii":
            assert f["path"] == path, (f["path"], path)
            out.append(json.dumps({k: f.get(k) for k in keep}, sort_keys=True))
    return sorted(out)


def _scan(cli: Any, *args: str) -> dict[str, Any]:
    res = cli("scan", *args, "--scanner", "pii", "-f", "json", "--no-cache")
    assert res.code in (0, 1), res.stderr
    doc: dict[str, Any] = res.json()
    return doc


def _as_json(report: Any) -> dict[str, Any]:
    from petgov.reporters.formats import OutputFormat

    doc: dict[str, Any] = json.loads(OutputFormat.JSON.reporter().render(report))
    return doc


def _read_csv(spark: Any, path: Path) -> Any:
    return spark.read.options(header=True, multiLine=True, escape='"').csv(str(path))


@pytest.mark.slow
def test_scan_dataframe_gives_the_findings_of_petgov_scan(
    spark: Any, people: Path, cli: Any, loopback_only: list[str]
) -> None:
    from petgov.spark import findings_frame, scan_dataframe

    report = scan_dataframe(_read_csv(spark, people), name="people")
    doc = _as_json(report)
    local = _scan(cli, str(people))
    expected = _findings(local, str(people))
    assert _findings(doc, "people") == expected
    assert len(expected) >= 5
    assert doc["facts"]["people"]["pii.sampled_rows"] == 90
    assert doc["facts"]["people"]["pii.entities"] == local["facts"][str(people)]["pii.entities"]
    # the result DataFrame: one row per column x entity, the findings' numbers and rule ids
    rows = [r.asDict() for r in findings_frame(report, spark).collect()]
    assert len(rows) == len(expected)
    by_key = {(r["column"], r["entity"]): r for r in rows}
    for f in doc["findings"]:
        row = by_key[(f["location"].get("column"), f["facts"]["entity"])]
        assert (row["rule_id"], row["severity"], row["action"]) == (
            f["rule_id"],
            f["severity"],
            f["action"],
        )
        assert row["table"] == row["target"] == "people"
        assert row["confidence"] == f["confidence"]
        if f["kind"] == "pii.column":
            assert (row["sampled"], row["total"], row["score"]) == (90, 90, f["facts"]["score"])
    ssn = by_key[("ssn", "US_SSN")]
    assert ssn["mode"] == "column" and ssn["rate"] > 0.9
    assert loopback_only == []


@pytest.mark.slow
def test_spark_table_gives_the_findings_of_the_file(
    spark: Any, people: Path, warehouse: Path, cli: Any, loopback_only: list[str]
) -> None:
    spark.sql("CREATE DATABASE IF NOT EXISTS crm")
    _read_csv(spark, people).write.mode("overwrite").saveAsTable("crm.people")
    assert any(warehouse.rglob("*.parquet")), "the table was not written to the warehouse dir"
    target = "spark-table://spark_catalog.crm.people"
    table = _scan(cli, target)
    assert _findings(table, target) == _findings(_scan(cli, str(people)), str(people))
    assert table["targets"] == [target]
    assert loopback_only == []
    # a missing table and time travel on a table without versions: one line, exit 2
    for bad, said in (
        ("spark-table://crm.nobody", "spark-table://crm.nobody: "),
        ("spark-table://crm.people@3", "a parquet table has no versions"),
        ("spark-table://crm.people@v3", "not a version number"),
    ):
        res = cli("scan", bad)
        assert res.code == 2, (bad, res.stdout, res.stderr)
        assert said in res.stderr and "Traceback" not in res.stderr, res.stderr
        assert "at org.apache" not in res.stderr


@pytest.mark.slow
def test_file_uri_with_engine_spark_is_read_by_spark(
    spark: Any, tmp_path: Path, cli: Any, loopback_only: list[str]
) -> None:
    data = make_csv(tmp_path / "big.csv", 1500)
    uri = f"file://{data}"
    remote = _scan(cli, uri, "--engine", "spark")
    assert _findings(remote, uri) == _findings(_scan(cli, str(data)), str(data))
    assert remote["facts"][uri]["pii.sampled_rows"] == 1000
    assert remote["facts"][uri]["pii.rows"] == 1500
    assert remote["items"] == []  # petgov listed nothing: Spark's reader opened the URI
    assert loopback_only == []


def test_hadoop_uri_without_engine_spark_is_exit_2(cli: Any) -> None:
    res = cli("scan", "s3a://bucket/people.parquet")
    assert res.code == 2
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert "s3a://" in lines[0] and "--engine spark" in res.stderr, res.stderr


def test_spark_table_without_java_or_pyspark_is_one_line(tmp_path: Path, cli_process: Any) -> None:
    env = dict(os.environ)
    env["JAVA_HOME"] = str(tmp_path / "nowhere")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + "/nonexistent"
    res = cli_process("scan", "spark-table://crm.people", env=env)
    assert res.code == 2 and "Java runtime" in res.stderr.splitlines()[0], res.stderr
    stub = tmp_path / "stub" / "pyspark"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('no pyspark here')\n")
    env = dict(os.environ, PYTHONPATH=str(stub.parent))
    res = cli_process("scan", "spark-table://crm.people", env=env)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert res.code == 2 and "pyspark" in lines[0] and "Traceback" not in res.stderr, res.stderr
    assert "petgov[spark]" in res.stderr


@pytest.mark.slow
def test_text_mode_spreads_cells_and_builds_one_engine_per_worker(
    spark: Any, tmp_path: Path
) -> None:
    from petgov.pii.engine import get_engine
    from petgov.pii.spark import TASKS_PER_CORE, SparkSettings, scan_file

    data = tmp_path / "notes.txt"
    data.write_text("".join(f"note {i}: call 212-555-{i:04d}\n" for i in range(400)))
    settings = SparkSettings(exhaustive=True)
    res = scan_file(spark, f"file://{data}", "text", settings, get_engine(None))
    assert res.texts["text"].cells == 400 and res.texts["text"].distinct == 400
    tasks = sum(w.tasks for w in res.workers.values())
    assert tasks == 2 * TASKS_PER_CORE  # a one-split file still reaches every core
    assert all(w.engines_built <= 1 for w in res.workers.values()), res.workers
    assert spark.conf.get("spark.python.worker.reuse") == "true"
