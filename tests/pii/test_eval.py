"""The maintained evaluation table (tests/pii/evalset.py) through the real scanner.

PII columns of 25+ countries' ids, IBANs in every grouping, phones, e-mails, IPs, names,
addresses and birth dates must be found; decoy columns (ISBN/ISIN/LEI/CUSIP, digests, UUIDs,
timestamps, versions, SKUs, handles, record ids) must stay silent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.pii import evalset


@pytest.fixture(scope="module")
def columns() -> list[evalset.EvalColumn]:
    return evalset.build(seed=0)


def test_eval_set_is_what_it_claims(columns: list[evalset.EvalColumn]) -> None:
    ids = [c for c in columns if c.kind == "id"]
    countries = {c.entity.split("_")[0] for c in ids if c.entity and c.entity != "VAT_NUMBER"}
    assert len(countries) >= 20
    assert all(len(c.values) == evalset.ROWS for c in columns), "a source ran dry"
    assert len([c for c in columns if c.entity is None]) >= 14


def _write_formats(columns: list[evalset.EvalColumn], folder: Path) -> None:
    import json

    import pyarrow.json as pajson
    import pyarrow.parquet as pq

    evalset.write_csv(columns, str(folder / "eval.csv"))
    with open(folder / "eval.jsonl", "w", encoding="utf-8") as fh:
        for i in range(evalset.ROWS):
            fh.write(json.dumps({c.name: c.values[i] for c in columns}) + "\n")
    # pyarrow types the JSONL dates (timestamp) as any reader would; Parquet keeps them
    pq.write_table(pajson.read_json(folder / "eval.jsonl"), folder / "eval.parquet")


def _facts_verdicts(doc: dict[str, Any], path: Path) -> dict[str, set[str]]:
    columns = doc["facts"][str(path)]["pii.columns"]
    return {name: set(found) for name, found in columns.items()}


def test_recall_zero_decoys_and_one_verdict_per_table_whatever_the_format(
    columns: list[evalset.EvalColumn], tmp_path: Path, cli: Any
) -> None:
    _write_formats(columns, tmp_path)
    res = cli("scan", str(tmp_path), "-f", "json")
    assert res.code in (0, 1), res.stderr
    doc = res.json()
    csv_verdicts = _facts_verdicts(doc, tmp_path / "eval.csv")
    got = evalset.score(columns, csv_verdicts)
    assert got.decoys_flagged == {}
    assert got.recall() >= 0.95, got.missed
    ids = {c.entity for c in columns if c.kind == "id" and c.entity}
    assert got.recall(ids) >= 0.95, got.missed
    assert got.recall({"IBAN_CODE"}) >= 0.99, got.missed
    assert got.fp == {}, got.fp  # no column labelled with an entity it does not hold
    # names and addresses under blank headers, organisations only where the column says so
    assert got.recall({"PERSON", "LOCATION", "ORGANIZATION"}) == 1.0, got.missed
    for other in ("eval.jsonl", "eval.parquet"):
        assert _facts_verdicts(doc, tmp_path / other) == csv_verdicts, other


def test_exhaustive_adds_no_entity_from_stray_hits(
    columns: list[evalset.EvalColumn], tmp_path: Path, cli: Any
) -> None:
    """Every cell of the eval table: the same verdicts as column mode, decoys still silent;
    stray hits are reported with low confidence and left out of pii.entities."""
    evalset.write_csv(columns, str(tmp_path / "eval.csv"))
    res = cli("scan", str(tmp_path / "eval.csv"), "--exhaustive", "-f", "json")
    assert res.code in (0, 1), res.stderr
    doc = res.json()
    verdicts = _facts_verdicts(doc, tmp_path / "eval.csv")
    got = evalset.score(columns, verdicts)
    assert got.decoys_flagged == {}
    assert got.fp == {}, got.fp
    assert got.recall() >= 0.95, got.missed
    entities = set(doc["facts"][str(tmp_path / "eval.csv")]["pii.entities"])
    for f in doc["findings"]:
        if f["kind"] == "pii.text" and f["facts"]["stray"]:
            assert f["confidence"] == "low"
            assert f["facts"]["entity"] not in verdicts.get(f["location"]["column"], set())
    assert entities == {e for found in verdicts.values() for e in found}
