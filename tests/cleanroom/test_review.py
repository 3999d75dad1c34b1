"""`cleanroom review`: execution-stage outputs against the providers' thresholds, and retention
caught by `sweep` and `audit verify --room`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import x25519

from petgov.cleanroom import engines
from petgov.cleanroom.config import CleanRoom
from petgov.cleanroom.destination import Destination
from petgov.cleanroom.review import review
from petgov.cleanroom.room_audit import verify_room
from petgov.cleanroom.sweep import sweep
from petgov.demo import pii_csv
from tests.cleanroom.test_data_policy import (
    policy_room,
    provider_keys,
    room_toml,
    signed_policy,
)
from tests.cleanroom.test_promote import NOW, _model, _run

THRESHOLDS = {"min_rows": 5, "min_cell": 10, "k": 3, "quasi_identifiers": ["age", "zip"]}


@pytest.fixture
def room(tmp_path: Path) -> CleanRoom:
    bank, _ = provider_keys(tmp_path, "bank")
    return policy_room(tmp_path, [signed_policy(tmp_path, bank, review=THRESHOLDS)])


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _review(output: Path, room: CleanRoom, copy_to: Path | None = None) -> Any:
    return review(output, room, now=NOW, pii_scanner=engines.pii_scan, copy_to=copy_to)


def _last(room: CleanRoom) -> dict[str, Any]:
    return json.loads(room.audit_log.read_text().splitlines()[-1])  # type: ignore[no-any-return]


def test_an_output_with_a_small_cell_is_denied_and_not_copied(
    tmp_path: Path, room: CleanRoom
) -> None:
    out = _csv(tmp_path / "counts.csv", "segment,count", ["A,120", "B,4", "C,0", "D,57"])
    copy = tmp_path / "out" / "counts.csv"
    copy.parent.mkdir()
    result = _review(out, room, copy)
    assert not result.approved and not copy.exists()
    assert result.reasons == [
        "policy bank/customers (bank-customers.policy.yaml) clause review.min_cell: "
        "1 count(s) below 10: row 2 count=4"
    ]
    assert _last(room)["event"] == "review.denied"


def test_an_aggregate_above_the_thresholds_is_approved_and_copied(
    tmp_path: Path, room: CleanRoom
) -> None:
    out = _csv(tmp_path / "counts.csv", "segment,count", ["A,120", "B,14", "C,0", "D,57"])
    copy = tmp_path / "approved.csv"
    result = _review(out, room, copy)
    assert result.approved, result.reasons
    assert copy.read_bytes() == out.read_bytes()
    record = _last(room)
    assert record["event"] == "review.approved" and record["data"]["copied_to"] == str(copy)
    assert record["data"]["approval_required_by"] == ["bank"]


def test_k_anonymity_on_the_declared_quasi_identifiers(tmp_path: Path, room: CleanRoom) -> None:
    rows = [f"{30 + i % 2},1000{i % 2},{i}" for i in range(12)]  # two groups of six
    fine = _csv(tmp_path / "fine.csv", "age,zip,score", rows)
    assert _review(fine, room).approved
    outlier = _csv(tmp_path / "outlier.csv", "age,zip,score", [*rows, "91,99999,5"])
    result = _review(outlier, room)
    assert not result.approved
    assert "clause review.k: 1 combination(s) of ['age', 'zip']" in result.reasons[0]
    assert "91" not in result.reasons[0]  # the reason never repeats the singled-out values


def test_too_few_rows_and_personal_data_are_denied(tmp_path: Path, room: CleanRoom) -> None:
    few = _csv(tmp_path / "few.csv", "segment,mean", ["A,1.5", "B,2.0"])
    assert "clause review.min_rows: 2 row(s), at least 5 needed" in _review(few, room).reasons[0]
    leaked = tmp_path / "leaked.csv"
    leaked.write_text(pii_csv())
    reasons = _review(leaked, room).reasons
    assert any("EMAIL_ADDRESS" in r for r in reasons), reasons


def test_review_cli_exit_codes(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    bank, _ = provider_keys(tmp_path, "bank")
    policy = signed_policy(tmp_path, bank, review=THRESHOLDS)
    (tmp_path / "ref.yaml").write_text("version: 1\ntype: gcp-cs\ndebug: forbid\n")
    cfg = room_toml(tmp_path, policy)
    small = _csv(tmp_path / "counts.csv", "segment,count", ["A,120", "B,4"])
    args = ["cleanroom", "review", "--room", "research", "--config", str(cfg)]
    denied = cli(*args, str(small), "-o", str(tmp_path / "x.csv"))
    assert denied.code == 1 and "review.min_cell" in denied.stdout
    assert not (tmp_path / "x.csv").exists()
    assert cli(*args, str(tmp_path / "missing.csv")).code == 2
    assert cli(*args, str(cfg)).code == 2  # not a table


def test_sweep_and_room_audit_catch_an_expired_release(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    bank, _ = provider_keys(tmp_path, "bank")
    room = policy_room(tmp_path, [signed_policy(tmp_path, bank)])
    tee = x25519.X25519PrivateKey.generate()
    result = _run(tmp_path, room, _model(tmp_path), tee)
    assert result.allowed and result.manifest is not None
    assert result.manifest["expires_at"] == "2026-11-02T12:00:00Z"  # the room's 1d retention
    assert verify_room(room, now=NOW).ok
    later = NOW + dt.timedelta(days=2)
    overdue = verify_room(room, now=later)
    assert not overdue.ok
    assert any(f"release {result.release_id} expired" in p for p in overdue.problems)
    done = sweep(room, later)
    assert [e.release.manifest["release_id"] for e in done] == [result.release_id]
    assert Destination(room.destination).releases() == []
    assert verify_room(room, now=later).ok
    assert _last(room)["event"] == "retention.removed"


def test_room_audit_catches_an_unswept_release_in_s3(
    tmp_path: Path, s3: tuple[dict[str, Any], str]
) -> None:
    opts, bucket = s3
    bank, _ = provider_keys(tmp_path, "bank")
    room = policy_room(
        tmp_path,
        [signed_policy(tmp_path, bank)],
        destination=f"s3://{bucket}/bank",
        storage_options=opts,
    )
    result = _run(tmp_path, room, _model(tmp_path), x25519.X25519PrivateKey.generate())
    assert result.allowed
    later = NOW + dt.timedelta(days=3)
    assert any("was not swept" in p for p in verify_room(room, now=later).problems)
    assert len(sweep(room, later)) == 1
    assert verify_room(room, now=later).ok
