"""No silent trust: an empty reference file is refused; every relaxing setting is a warning in
the gate reasons, the receipt and the audit record (issue 24: `debug: allow` released to a debug
TEE with nothing said, and an empty or `null` reference file meant "no reference values")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, x25519

from petgov.cleanroom import challenges, receipt
from petgov.cleanroom.destination import RECEIPT
from petgov.demo import write_key_pair
from petgov.errors import ConfigError
from tests.cleanroom.test_promote import NOW, _Appraiser, _model, _room, _run, promote_command

EMPTY_REFERENCES = ["", "null\n", "~\n", "{}\n", "version: 1\n", "# only a comment\n"]


@pytest.mark.parametrize("text", EMPTY_REFERENCES)
def test_empty_or_null_reference_file_is_an_error_in_a_clean_room(
    tmp_path: Path, text: str
) -> None:
    room = _room(tmp_path, reference=text)
    nonce = challenges.issue(room.state_dir, 600, NOW)["nonce"]
    tee = x25519.X25519PrivateKey.generate()
    with pytest.raises(ConfigError, match="sets no reference values"):
        _run(tmp_path, room, _model(tmp_path), tee, nonce=nonce)
    store = json.loads(challenges.store_path(room.state_dir).read_text())
    assert store[nonce]["used_at"] is None  # refused before the nonce was used
    assert not room.audit_log.exists()


def test_empty_reference_file_at_the_command_line_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any
) -> None:
    tee = x25519.X25519PrivateKey.generate()  # the test appraiser would pass: the room must not
    room, args = promote_command(tmp_path, monkeypatch, tee, reference="null\n")
    res = cli(*args)
    assert res.code == 2, res.stderr
    assert res.stderr.startswith(f"error: {room.reference}: the clean room's reference file")
    assert res.stderr.count("\n") == 1
    assert not room.audit_log.exists()


WEAKENINGS: list[tuple[dict[str, Any], str, str]] = [
    (
        {"reference": "version: 1\ntype: gcp-cs\ndebug: allow\n"},
        "attestation",
        "allows a debug-mode TEE (debug: allow)",
    ),
    (
        {"reference": "version: 1\ntype: gcp-cs\nmigration_agent: allow\n"},
        "attestation",
        "allows a migration agent (migration_agent: allow)",
    ),
    (
        {"reference": "version: 1\ntype: gcp-cs\nstrict: false\n"},
        "attestation",
        "lets skipped checks pass (strict: false)",
    ),
    (
        {"reference": "version: 1\ntype: gcp-cs\ntolerate_skipped: [revocation, tcb]\n"},
        "attestation",
        "tolerates skipped checks: revocation, tcb",
    ),
    ({"binding": "unbound"}, "attestation", 'not bound to the challenge (binding = "unbound")'),
    ({"require_signature": False}, "provenance", "no signature is required"),
    ({"fail_on": "high"}, "policy", "only high findings block (fail_on = 'high'"),
    ({"allowed_pii": ["EMAIL_ADDRESS"]}, "pii", "personal data is allowed: EMAIL_ADDRESS"),
]


@pytest.mark.parametrize(("setting", "gate", "text"), WEAKENINGS)
def test_weakening_setting_is_a_warning_in_gate_receipt_and_audit_record(
    tmp_path: Path, setting: dict[str, Any], gate: str, text: str
) -> None:
    operator = ec.generate_private_key(ec.SECP256R1())
    write_key_pair(operator, tmp_path / "op.pem", tmp_path / "op.pub")
    room = _room(tmp_path, operator_key="op.pem", **setting)
    tee = x25519.X25519PrivateKey.generate()
    result = _run(tmp_path, room, _model(tmp_path), tee)
    assert result.allowed and result.location
    reasons = next(g.reasons for g in result.gates if g.name == gate)
    assert any(r.startswith("warning: ") and text in r for r in reasons), reasons
    assert any(text in w for w in result.warnings)
    bundle = json.loads((Path(result.location) / RECEIPT).read_text())
    stmt = receipt.verify(bundle, operator.public_key(), result.artifact_sha256)
    assert any(text in w for w in stmt["predicate"]["warnings"])
    record = json.loads(room.audit_log.read_text().splitlines()[-1])
    assert record["event"] == "promote.allowed"
    assert any(text in w for w in record["data"]["warnings"])
    logged = next(g for g in record["data"]["gates"] if g["name"] == gate)
    assert any(text in r for r in logged["reasons"])


def test_only_relaxed_settings_are_warned(tmp_path: Path) -> None:
    """Quiet by default: the room's defaults (debug forbidden, bound key, medium) say nothing."""
    room = _room(tmp_path, require_signature=False)
    tee = x25519.X25519PrivateKey.generate()
    result = _run(tmp_path, room, _model(tmp_path), tee)
    assert result.warnings == ["warning: no signature is required (require_signature = false)"]


class _SkippingAppraiser(_Appraiser):
    """A passing verdict whose evidence did not report a debug state (a skipped check)."""

    def __call__(self, evidence: Path, room: Any, nonce: str, now: Any):  # type: ignore[no-untyped-def]
        result = super().__call__(evidence, room, nonce, now)
        result.checks = [
            {"name": "debug", "status": "skipped", "detail": "no debug state in the evidence"}
        ]
        return result


def test_skipped_attestation_check_is_a_warning_not_a_silent_pass(tmp_path: Path) -> None:
    room = _room(tmp_path)
    tee = x25519.X25519PrivateKey.generate()
    result = _run(tmp_path, room, _model(tmp_path), tee, appraiser=_SkippingAppraiser(tee))
    assert result.allowed
    text = "warning: attestation check debug was skipped: no debug state in the evidence"
    assert text in next(g.reasons for g in result.gates if g.name == "attestation")
    assert text in result.warnings
    record = json.loads(room.audit_log.read_text().splitlines()[-1])
    assert text in record["data"]["warnings"]
