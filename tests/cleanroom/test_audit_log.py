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


def test_a_kill_between_the_first_record_and_its_head_is_a_crash_window(tmp_path: Path) -> None:
    """Regression (flaky SIGKILL test): the first append is fsynced before its head marker and
    checkpoint are written; a kill in between is the crash window, not tampering. With a second
    record, or a checkpoint left behind, a missing head stays a problem."""
    for n, keep_checkpoint, ok in ((1, False, True), (2, False, False), (1, True, False)):
        folder = tmp_path / f"{n}-{keep_checkpoint}"
        folder.mkdir()
        path = _log(folder, n=n)
        head_path(path).unlink()
        if not keep_checkpoint:
            Path(f"{path}.checkpoint").unlink()
        v = verify(path)
        assert v.ok is ok, (n, keep_checkpoint, v.problems)
        noted = any("first record was appended before its head marker" in x for x in v.notes)
        assert noted is ok


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


def _ec_key(tmp: Path) -> tuple[object, Path]:
    from cryptography.hazmat.primitives.asymmetric import ec

    from petgov.demo import write_key_pair

    key = ec.generate_private_key(ec.SECP256R1())
    write_key_pair(key, tmp / "operator.pem", tmp / "operator.pub")
    return key, tmp / "operator.pub"


def test_emptied_log_and_head_fail_verify_even_with_the_operator_key(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Issue 24: an audit log emptied together with its head verified 'OK: 0 records', exit 0."""
    key, pub = _ec_key(tmp_path)
    path = _log(tmp_path, key=key)
    assert cli("cleanroom", "audit", "verify", str(path), "--key", str(pub)).code == 0
    path.write_bytes(b"")
    head_path(path).unlink()
    res = cli("cleanroom", "audit", "verify", str(path), "--key", str(pub))
    assert res.code == 1, res.stdout + res.stderr
    assert (
        f"checkpoint {path}.checkpoint says 4" in res.stdout and "TAMPERED: 0 records" in res.stdout
    )


def test_deleted_log_and_head_fail_verify(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Deleting both files is no longer 'no such audit log' (exit 2) but a failed check."""
    path = _log(tmp_path)
    path.unlink()
    head_path(path).unlink()
    v = verify(path)
    assert not v.ok and any("truncated, emptied or rolled back" in p for p in v.problems)
    assert any("head marker is missing" in p for p in v.problems)
    assert cli("cleanroom", "audit", "verify", str(path)).code == 1


def test_truncated_log_with_a_matching_head_fails_against_the_checkpoint(tmp_path: Path) -> None:
    """A log cut back to an older, self-consistent state (head rewritten to match) was OK."""
    path = _log(tmp_path)
    lines = _lines(path)[:3]
    _write(path, lines)
    last = json.loads(lines[-1])
    head_path(path).write_text(json.dumps({"seq": last["seq"], "hash": last["hash"]}))
    v = verify(path)
    assert not v.ok and v.problems == [
        f"log ends at seq 2 but checkpoint {path}.checkpoint says 4: truncated, emptied or "
        "rolled back"
    ]


def test_checkpoint_kept_elsewhere_catches_a_rollback_of_the_whole_state_folder(
    tmp_path: Path,
) -> None:
    """Log, head and the checkpoint beside them restored from an old copy: all consistent,
    so only a checkpoint in a second place can tell."""
    import shutil

    state, elsewhere = tmp_path / "state", tmp_path / "elsewhere" / "audit.checkpoint"
    log = AuditLog(state / "audit.jsonl", checkpoint=elsewhere)
    log.append("promote.allowed", {"i": 0})
    shutil.copytree(state, tmp_path / "old")
    log.append("promote.allowed", {"i": 1})
    log.append("promote.denied", {"i": 2})
    shutil.rmtree(state)
    shutil.copytree(tmp_path / "old", state)
    assert verify(state / "audit.jsonl").ok  # the old copy is consistent in itself
    v = verify(state / "audit.jsonl", checkpoint=elsewhere)
    assert not v.ok and v.problems == [
        f"log ends at seq 0 but checkpoint {elsewhere} says 2: truncated, emptied or rolled back"
    ]


def test_forged_checkpoint_is_refused_with_the_operator_key(tmp_path: Path) -> None:
    """Without the signature check an attacker could write a checkpoint matching a short log."""
    key, _ = _ec_key(tmp_path)
    path = _log(tmp_path, key=key)
    cp = path.with_name(path.name + ".checkpoint")
    doc = json.loads(cp.read_text())
    assert doc["sig"]
    lines = _lines(path)[:2]
    _write(path, lines)
    last = json.loads(lines[-1])
    head_path(path).write_text(json.dumps({"seq": last["seq"], "hash": last["hash"]}))
    cp.write_text(json.dumps({**doc, "seq": last["seq"], "hash": last["hash"]}))
    public = key.public_key()  # type: ignore[attr-defined]
    assert verify(path).ok  # unsigned checks alone cannot tell
    v = verify(path, public)
    assert not v.ok and v.problems == [f"checkpoint {cp}: operator signature missing or invalid"]


def test_checkpoint_lagging_by_one_is_the_crash_window(tmp_path: Path) -> None:
    path = _log(tmp_path, n=3)
    cp = path.with_name(path.name + ".checkpoint")
    old = cp.read_text()
    AuditLog(path).append("promote.allowed", {})
    assert verify(path).ok
    cp.write_text(old)
    v = verify(path)
    assert v.ok and any("after checkpoint" in n for n in v.notes)
    AuditLog(path).append("promote.allowed", {})
    cp.write_text(old)
    assert not verify(path).ok


def test_cli_checks_a_checkpoint_kept_elsewhere(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """The copy beside the log keeps a plain verify green; --checkpoint adds the second place."""
    path, elsewhere = tmp_path / "state" / "audit.jsonl", tmp_path / "anchor" / "cp.json"
    log = AuditLog(path, checkpoint=elsewhere)
    log.append("promote.denied", {"i": 0})
    log.append("promote.denied", {"i": 1})
    assert cli("cleanroom", "audit", "verify", str(path)).code == 0
    lines = _lines(path)[:1]
    _write(path, lines)
    first = json.loads(lines[0])
    head_path(path).write_text(json.dumps({"seq": 0, "hash": first["hash"]}))
    path.with_name(path.name + ".checkpoint").write_text(json.dumps({"seq": 0, **first}))
    assert cli("cleanroom", "audit", "verify", str(path)).code == 0  # consistent in itself
    res = cli("cleanroom", "audit", "verify", str(path), "--checkpoint", str(elsewhere))
    assert res.code == 1 and f"checkpoint {elsewhere} says 1" in res.stdout
