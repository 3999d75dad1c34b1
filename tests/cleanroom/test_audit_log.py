"""The audit log detects edits, deletions, reordering and truncation, and says where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from petgov.cleanroom.audit_log import AuditLog, head_path, verify


def _log(tmp: Path, n: int = 5, key: object | None = None) -> Path:
    path = tmp / "audit.jsonl"
    log = AuditLog(path, signing_key=key)
    for i in range(n):
        log.append("promote.denied" if i % 2 else "promote.allowed", {"i": i, "why": ["x"]})
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines))


def test_intact_log_verifies(tmp_path: Path) -> None:
    v = verify(_log(tmp_path))
    assert v.ok and v.records == 5 and not v.problems


def test_edit_is_found_with_its_line(tmp_path: Path) -> None:
    path = _log(tmp_path)
    lines = _lines(path)
    rec = json.loads(lines[1])
    assert rec["event"] == "promote.denied"
    rec["event"] = "promote.allowed"
    lines[1] = json.dumps(rec)
    _write(path, lines)
    v = verify(path)
    assert not v.ok and any("line 2" in p and "edited" in p for p in v.problems)


def test_deletion_is_found(tmp_path: Path) -> None:
    path = _log(tmp_path)
    lines = _lines(path)
    del lines[1]
    _write(path, lines)
    v = verify(path)
    assert not v.ok and any("line 2" in p for p in v.problems)


def test_reordering_is_found(tmp_path: Path) -> None:
    path = _log(tmp_path)
    lines = _lines(path)
    lines[1], lines[2] = lines[2], lines[1]
    _write(path, lines)
    assert not verify(path).ok


def test_truncation_is_found_through_the_head(tmp_path: Path) -> None:
    path = _log(tmp_path)
    _write(path, _lines(path)[:3])
    v = verify(path)
    assert not v.ok and any("truncated" in p for p in v.problems)


def test_rewritten_tail_is_found(tmp_path: Path) -> None:
    from petgov.cleanroom.audit_log import record_hash

    path = _log(tmp_path)
    lines = _lines(path)
    rec = json.loads(lines[-1])
    rec["data"] = {"i": 99}
    rec["hash"] = record_hash(rec)
    lines[-1] = json.dumps(rec)
    _write(path, lines)
    assert not verify(path).ok


def test_missing_head_is_a_problem(tmp_path: Path) -> None:
    path = _log(tmp_path)
    head_path(path).unlink()
    assert not verify(path).ok


def test_signatures_catch_a_rebuilt_chain(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    path = _log(tmp_path, key=key)
    assert verify(path, key.public_key()).ok
    forged = tmp_path / "forged.jsonl"
    forger = AuditLog(forged)  # same events, no operator key
    for line in _lines(path):
        rec = json.loads(line)
        forger.append(rec["event"], rec["data"])
    v = verify(forged, key.public_key())
    assert not v.ok and any("signature" in p for p in v.problems)


def test_torn_final_line_is_tolerated_and_repaired(tmp_path: Path) -> None:
    path = _log(tmp_path, n=3)
    with open(path, "ab") as fh:
        fh.write(b'{"seq": 3, "tim')
    v = verify(path)
    assert v.ok and v.notes
    AuditLog(path).append("promote.allowed", {})
    v2 = verify(path)
    assert v2.ok and v2.records == 4 and not v2.notes


@pytest.mark.parametrize("n", [0, 1])
def test_short_logs(tmp_path: Path, n: int) -> None:
    path = _log(tmp_path, n=n)
    assert verify(path).ok


def test_cli_bad_operator_key_is_a_usage_error(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A private key, junk or a missing file as --key: one line and exit 2, not an internal
    error (audit verify) or a message that does not say which input is wrong (receipt)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    log = _log(tmp_path)
    private = tmp_path / "operator.pem"
    private.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    for key in (private, tmp_path / "missing.pub"):
        for args in (("audit", "verify", str(log)), ("receipt", "verify", str(log))):
            res = cli("cleanroom", *args, "--key", str(key))
            assert res.code == 2, (args, res.stderr)
            assert res.stderr.startswith(f"error: --key {key}"), res.stderr
            assert res.stderr.count("\n") == 1 and "internal error" not in res.stderr
