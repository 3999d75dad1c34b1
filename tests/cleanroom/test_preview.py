"""`cleanroom preview` on the demo dataset, the shared PII corpus and a 50k-row table.

Real engines throughout: OpenDP's noise and compositor, the PII scanner, the signed policies,
the ledger and the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from petgov.cleanroom import engines, ledger
from petgov.cleanroom.config import CleanRoom
from petgov.cleanroom.preview import PreviewResult, preview
from petgov.demo import pii_csv
from petgov.privacy import tables
from tests.cleanroom.test_data_policy import (
    policy_room,
    provider_keys,
    room_toml,
    signed_policy,
)
from tests.conftest import corpus_path

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)


def _records(room: CleanRoom) -> list[dict[str, Any]]:
    return [json.loads(line) for line in room.audit_log.read_text().splitlines()]


def _strings(table: Any) -> set[str]:
    """Every string cell of a table (nested values flattened to their JSON text)."""
    out: set[str] = set()
    for row in table.to_pylist():
        for value in row.values():
            if isinstance(value, str):
                out.add(value)
            elif isinstance(value, (dict, list)):
                out.add(json.dumps(value, sort_keys=True))
    return out


def corpus_jsonl(tmp: Path) -> Path:
    """presidio-research's labelled synthetic corpus (read in place) as a JSON Lines table."""
    records = json.loads(corpus_path("pii", "synth_dataset_v2.json").read_text())
    out = tmp / "corpus.jsonl"
    with out.open("w") as fh:
        for r in records:
            spans = r.get("spans") or [{}]
            row = {
                "full_text": r["full_text"],
                "masked": r["masked"],
                "template_id": r["template_id"],
                "entity": spans[0].get("entity_type", "NONE"),
            }
            fh.write(json.dumps(row) + "\n")
    return out


def big_table(tmp: Path, rows: int = 50_000) -> Path:
    """A 50k-row table with correlated columns (seeded), as Parquet."""
    rng = np.random.default_rng(7)
    age = rng.normal(45, 12, rows).clip(18, 90).round().astype(int)
    income = age * 1000 + rng.normal(0, 8000, rows)
    region = rng.choice(["north", "south", "east", "west"], rows, p=[0.4, 0.3, 0.2, 0.1])
    smoker = np.where(age > 50, rng.random(rows) < 0.4, rng.random(rows) < 0.1)
    score = rng.integers(0, 10, rows)
    plan = np.where(region == "north", "gold", rng.choice(["silver", "bronze"], rows))
    table = pa.table(
        {
            "age": age,
            "income": income,
            "region": region,
            "smoker": smoker,
            "score": score,
            "plan": plan,
        }
    )
    out = tmp / "members.parquet"
    pq.write_table(table, out)
    return out


BIG_TERMS = {
    "bounds": {"age": [18, 90], "income": [0, 150000], "score": [0, 10]},
    "categories": {
        "region": ["north", "south", "east", "west"],
        "smoker": ["true", "false"],
        "plan": ["gold", "silver", "bronze"],
    },
}


def _preview(dataset: Path, room: CleanRoom, out: Path, **kw: Any) -> PreviewResult:
    return preview(dataset, room, out, now=NOW, pii_scanner=engines.pii_scan, **kw)


@pytest.mark.parametrize("source", ["demo", "corpus", "parquet"])
def test_schema_previews_hold_no_value_of_the_source(tmp_path: Path, source: str) -> None:
    if source == "demo":
        dataset = tmp_path / "customers.csv"
        dataset.write_text(pii_csv())
    elif source == "corpus":
        dataset = corpus_jsonl(tmp_path)
    else:
        dataset = big_table(tmp_path, rows=2000)
    room = policy_room(tmp_path, [])
    out = tmp_path / f"preview{dataset.suffix}"
    result = _preview(dataset, room, out, mechanism="schema", seed=3)
    assert result.allowed, result.reasons
    original, made = tables.read(dataset), tables.read(out)
    assert made.schema.names == original.schema.names
    assert made.num_rows == 1000 and result.epsilon == 0
    assert not (_strings(original) & _strings(made))
    record = _records(room)[-1]
    assert record["event"] == "preview.made"
    assert record["data"]["mechanism"] == "schema" and record["data"]["seed"] == 3
    assert record["data"]["source_sha256"] == result.source_sha256


def test_dp_previews_spend_exactly_epsilon_and_the_ledger_refuses_past_the_total(
    tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    bank, _ = provider_keys(tmp_path, "bank")
    dataset = big_table(tmp_path, rows=5000)
    policy = signed_policy(
        tmp_path,
        bank,
        sha256=__import__("hashlib").sha256(dataset.read_bytes()).hexdigest(),
        preview={
            "mechanisms": ["dp-synthetic", "schema"],
            "epsilon_total": 1.5,
            "epsilon_max": 1,
            "pii": ["region"],  # north/south/east/west: the provider says it is not personal
            **BIG_TERMS,
        },
    )
    room = policy_room(tmp_path, [policy])
    first = _preview(dataset, room, tmp_path / "a.parquet", epsilon=1.0, seed=1)
    assert first.allowed, first.reasons
    assert first.epsilon == 1.0 and first.budget == {"spent": 1.0, "total": 1.5}
    second = _preview(dataset, room, tmp_path / "b.parquet", epsilon=0.5, seed=2)
    assert second.allowed and second.epsilon == 0.5
    assert ledger.spent(room.state_dir, "bank/customers") == pytest.approx(1.5, abs=1e-12)
    third = _preview(dataset, room, tmp_path / "c.parquet", epsilon=0.1, seed=3)
    assert not third.allowed and not (tmp_path / "c.parquet").exists()
    assert "clause preview.epsilon_total" in third.reasons[0], third.reasons
    events = [(r["event"], r["data"]["epsilon"]) for r in _records(room)]
    assert events == [("preview.made", 1.0), ("preview.made", 0.5), ("preview.denied", 0.1)]
    # the same refusal through the command line: a failed check, exit 1
    cfg = room_toml(tmp_path, policy)
    args = ["cleanroom", "preview", str(dataset), "--room", "research", "--config", str(cfg)]
    refused = cli(*args, "-o", str(tmp_path / "d.parquet"), "-m", "dp-synthetic")
    assert refused.code == 1 and "preview.epsilon_total" in refused.stdout
    ok = cli(*args, "-o", str(tmp_path / "e.parquet"), "-m", "schema")
    assert ok.code == 0 and (tmp_path / "e.parquet").exists()
    bad = cli(*args, "-o", str(tmp_path / "f.csv"))
    assert bad.code == 2


def test_flags_may_only_ask_for_less_than_the_policy(tmp_path: Path) -> None:
    bank, _ = provider_keys(tmp_path, "bank")
    dataset = big_table(tmp_path, rows=500)
    policy = signed_policy(
        tmp_path,
        bank,
        dataset="members",
        preview={"mechanisms": ["dp-synthetic"], "epsilon_max": 0.5, **BIG_TERMS},
    )
    room = policy_room(tmp_path, [policy])
    schema = _preview(dataset, room, tmp_path / "a.parquet", mechanism="schema")
    assert "clause preview.mechanisms" in schema.reasons[0], schema.reasons
    greedy = _preview(dataset, room, tmp_path / "b.parquet", epsilon=2.0)
    assert "clause preview.epsilon_max" in greedy.reasons[0], greedy.reasons
    assert ledger.spent(room.state_dir, "bank/members") == 0


def test_dp_marginals_stay_close_on_50k_rows(tmp_path: Path) -> None:
    """ε = 1 on 50,000 rows: every one-way marginal within 0.05 total variation distance."""
    dataset = big_table(tmp_path)
    bank, _ = provider_keys(tmp_path, "bank")
    policy = signed_policy(
        tmp_path,
        bank,
        dataset="members",
        preview={"epsilon_total": 1, "pii": ["region"], **BIG_TERMS},
    )
    room = policy_room(tmp_path, [policy])
    out = tmp_path / "preview.parquet"
    result = _preview(dataset, room, out, mechanism="dp-synthetic", epsilon=1.0, seed=11)
    assert result.allowed, result.reasons
    assert result.epsilon == 1.0
    assert set(result.utility) == {"age", "income", "region", "smoker", "score", "plan"}
    assert max(result.utility.values()) <= 0.05, result.utility
    made = tables.read(out)
    assert made.schema == tables.read(dataset).schema
    assert abs(made.num_rows - 50_000) < 500
    assert len(result.tree) == 5  # a spanning tree over the six modelled columns


def test_personal_data_columns_are_replaced_in_dp_previews(tmp_path: Path) -> None:
    """The demo's email column is declared but holds personal data: it stays schema-random."""
    bank, _ = provider_keys(tmp_path, "bank")
    dataset = tmp_path / "customers.csv"
    dataset.write_text(pii_csv())
    source = tables.read(dataset)
    emails = [str(e) for e in source.column("email").to_pylist()]
    policy = signed_policy(
        tmp_path,
        bank,
        preview={"bounds": {"id": [0, 100]}, "categories": {"email": emails}, "bins": 4},
    )
    room = policy_room(tmp_path, [policy])
    out = tmp_path / "preview.csv"
    result = _preview(dataset, room, out, mechanism="dp-synthetic", epsilon=1.0, rows=50)
    assert result.allowed, result.reasons
    assert result.modelled == ["id"]
    assert result.random_columns["email"].startswith("personal data: EMAIL_ADDRESS")
    assert not set(emails) & set(tables.read(out).column("email").to_pylist())


def test_without_provider_policies_nothing_can_be_modelled(tmp_path: Path) -> None:
    """Default terms declare no domain: a DP preview is bad input (exit 2), nothing is spent."""
    from petgov.errors import UsageError

    dataset = tmp_path / "customers.csv"
    dataset.write_text(pii_csv())
    room = policy_room(tmp_path, [])
    with pytest.raises(UsageError, match="no column can be modelled"):
        _preview(dataset, room, tmp_path / "p.csv", mechanism="dp-synthetic")
    assert ledger.spent(room.state_dir, "default/customers.csv") == 0


def test_an_unsigned_policy_refuses_previews(tmp_path: Path) -> None:
    provider_keys(tmp_path, "bank")
    dataset = tmp_path / "customers.csv"
    dataset.write_text(pii_csv())
    policy = signed_policy(tmp_path, None)
    room = policy_room(tmp_path, [policy])
    result = _preview(dataset, room, tmp_path / "p.csv", mechanism="schema")
    assert not result.allowed and "not trusted" in result.reasons[0]
    assert not (tmp_path / "p.csv").exists()
    assert _records(room)[-1]["event"] == "preview.denied"


def test_dp_preview_of_the_corpus_replaces_its_free_text(tmp_path: Path) -> None:
    """presidio-research's corpus: full_text carries names and addresses; it is not modelled."""
    dataset = corpus_jsonl(tmp_path)
    bank, _ = provider_keys(tmp_path, "bank")
    entities = sorted({json.loads(x)["entity"] for x in dataset.read_text().splitlines()})
    policy = signed_policy(
        tmp_path,
        bank,
        dataset="corpus",
        preview={
            "mechanisms": ["dp-synthetic"],
            "bounds": {"template_id": [0, 250]},
            "categories": {"entity": entities},
        },
    )
    room = policy_room(tmp_path, [policy])
    out = tmp_path / "preview.jsonl"
    result = _preview(dataset, room, out, epsilon=1.0, seed=5)
    assert result.allowed, result.reasons
    assert result.modelled == ["template_id", "entity"]
    assert "personal data" in result.random_columns["full_text"]
    source, made = tables.read(dataset), tables.read(out)
    assert made.schema.names == source.schema.names
    assert not set(source.column("full_text").to_pylist()) & set(
        made.column("full_text").to_pylist()
    )
    assert set(made.column("entity").to_pylist()) <= {*entities, None}


def test_a_public_dataset_stands_in(tmp_path: Path) -> None:
    bank, _ = provider_keys(tmp_path, "bank")
    dataset = tmp_path / "customers.csv"
    dataset.write_text(pii_csv())
    public = tmp_path / "public" / "census.csv"
    public.parent.mkdir()
    public.write_text("region,households\nnorth,120\nsouth,80\n")
    policy = signed_policy(
        tmp_path, bank, preview={"mechanisms": ["public"], "public": "public/census.csv"}
    )
    room = policy_room(tmp_path, [policy])
    out = tmp_path / "preview.csv"
    result = _preview(dataset, room, out)
    assert result.allowed and result.mechanism == "public" and result.epsilon == 0
    assert tables.read(out).to_pylist() == tables.read(public).to_pylist()
    assert ledger.spent(room.state_dir, "bank/customers") == 0


def test_room_audit_catches_a_ledger_rolled_back_to_win_budget(tmp_path: Path) -> None:
    from petgov.cleanroom.room_audit import verify_room

    bank, _ = provider_keys(tmp_path, "bank")
    dataset = big_table(tmp_path, rows=1000)
    policy = signed_policy(
        tmp_path,
        bank,
        dataset="members",
        preview={"epsilon_total": 1, "pii": ["region"], **BIG_TERMS},
    )
    room = policy_room(tmp_path, [policy])
    assert _preview(dataset, room, tmp_path / "a.parquet", mechanism="dp-synthetic").allowed
    assert verify_room(room).ok
    ledger.path(room.state_dir).write_text("{}")  # the budget "given back"
    again = _preview(dataset, room, tmp_path / "b.parquet", mechanism="dp-synthetic")
    assert again.allowed  # the ledger alone cannot tell; the audit log can
    verdict = verify_room(room)
    assert not verdict.ok
    assert verdict.problems == [
        "privacy ledger: bank/members shows ε 1 spent, the audit log records 2 of DP previews"
    ]
