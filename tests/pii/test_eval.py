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


def _column_verdicts(doc: dict[str, Any]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in doc["findings"]:
        if f["kind"].startswith("pii."):
            out.setdefault(f["location"].get("column", ""), set()).add(f["facts"]["entity"])
    return out


def test_eval_set_is_what_it_claims(columns: list[evalset.EvalColumn]) -> None:
    ids = [c for c in columns if c.kind == "id"]
    countries = {c.entity.split("_")[0] for c in ids if c.entity and c.entity != "VAT_NUMBER"}
    assert len(countries) >= 20
    assert all(len(c.values) == evalset.ROWS for c in columns), "a source ran dry"
    assert len([c for c in columns if c.entity is None]) >= 14


def test_recall_and_zero_decoys_on_the_eval_set(
    columns: list[evalset.EvalColumn], tmp_path: Path, cli: Any
) -> None:
    evalset.write_csv(columns, str(tmp_path / "eval.csv"))
    res = cli("scan", str(tmp_path / "eval.csv"), "-f", "json")
    assert res.code in (0, 1), res.stderr
    got = evalset.score(columns, _column_verdicts(res.json()))
    assert got.decoys_flagged == {}
    assert got.recall() >= 0.95, got.missed
    ids = {c.entity for c in columns if c.kind == "id" and c.entity}
    assert got.recall(ids) >= 0.95, got.missed
    assert got.recall({"IBAN_CODE"}) >= 0.99, got.missed
    assert got.fp == {}, got.fp  # no column labelled with an entity it does not hold
