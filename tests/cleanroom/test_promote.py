"""Promotion end to end through the real pipeline, envelope, destination and audit log.

The attestation verdict comes from a test appraiser (the attestation stage has its own corpus
tests); everything else is real. Each denial gate is exercised and explained.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

from petgov.cleanroom import challenges, engines
from petgov.cleanroom.audit_log import verify
from petgov.cleanroom.binding import expected_report_data
from petgov.cleanroom.config import CleanRoom, from_mapping
from petgov.cleanroom.destination import ARTIFACT, Destination
from petgov.cleanroom.envelope import open_envelope, spki_sha256
from petgov.cleanroom.promote import Promotion, promote
from petgov.cleanroom.sweep import sweep
from petgov.demo import harmless_payload_pickle, pii_csv, safetensors_bytes, write_key_pair

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)


REFERENCE = "version: 1\ntype: gcp-cs\ndebug: forbid\n"


def _room(tmp: Path, *, reference: str = REFERENCE, **extra: Any) -> CleanRoom:
    """A room whose reference file says ``reference`` (the test appraiser does not read it)."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "ref.yaml").write_text(reference)
    raw = {
        "destination": "releases",
        "evidence": "gcp-cs",
        "reference": "ref.yaml",
        "require_signature": False,
        "purpose": "unit test",
        "retention": "1d",
        **extra,
    }
    return from_mapping("research", raw, base=tmp)


class _Appraiser:
    """Returns a 'pass' verdict whose report data binds ``bind_key`` (or a given value)."""

    def __init__(self, bind_key: Any, verdict: str = "pass", report_data: bytes | None = None):
        self.bind_key = bind_key
        self.verdict = verdict
        self.report_data = report_data

    def __call__(self, evidence: Path, room: CleanRoom, nonce: str, now: dt.datetime):  # type: ignore[no-untyped-def]
        data = self.report_data
        if data is None:
            data = expected_report_data(nonce, spki_sha256(self.bind_key.public_key()))
        checks = [
            {
                "name": "debug",
                "status": "fail" if self.verdict == "fail" else "pass",
                "detail": "debug enabled" if self.verdict == "fail" else "off",
            }
        ]
        return engines.AppraisalResult(verdict=self.verdict, checks=checks, report_data=data)


def _pem(key: Any) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _model(tmp: Path, *, malicious: bool = False, pii: bool = False) -> Path:
    folder = tmp / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(safetensors_bytes())
    if malicious:
        (folder / "extra.bin").write_bytes(harmless_payload_pickle())
    if pii:
        (folder / "train.csv").write_text(pii_csv())
    return folder


def _run(tmp: Path, room: CleanRoom, artifact: Path, key: Any, **kw: Any) -> Promotion:
    nonce = kw.pop("nonce", None) or challenges.issue(room.state_dir, 600, NOW)["nonce"]
    evidence = tmp / "evidence.jwt"
    evidence.write_text("header.payload.signature")
    return promote(
        artifact,
        room,
        evidence=evidence,
        tee_key_pem=_pem(key),
        nonce=nonce,
        now=NOW,
        scanner=engines.scan_for_room,
        appraiser=kw.pop("appraiser", _Appraiser(key)),
        bom_scorer=kw.pop("bom_scorer", engines.bom_score),
    )


def promote_command(
    tmp: Path, monkeypatch: pytest.MonkeyPatch, tee: Any, **room: Any
) -> tuple[CleanRoom, list[str]]:
    """A room in petgov.toml and the `cleanroom promote` arguments for it, with the test
    appraiser standing in for the attestation stage (run them with the in-process ``cli``)."""
    built = _room(tmp, **room)  # writes ref.yaml (``reference`` is its text)
    settings = {"destination": "releases", "evidence": "gcp-cs", "require_signature": False}
    settings |= {k: v for k, v in room.items() if k != "reference"}
    toml = "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
    cfg = tmp / "petgov.toml"
    cfg.write_text(f'[cleanrooms.research]\nreference = "ref.yaml"\n{toml}')
    (tmp / "tee.pub").write_bytes(_pem(tee))
    (tmp / "evidence.jwt").write_text("header.payload.signature")
    monkeypatch.setattr(engines, "appraise", _Appraiser(tee))
    nonce = challenges.issue(built.state_dir, 600)["nonce"]
    args = ["cleanroom", "promote", str(_model(tmp)), "--to", "research", "--nonce", nonce]
    args += ["--evidence", str(tmp / "evidence.jwt"), "--tee-key", str(tmp / "tee.pub")]
    return built, [*args, "--config", str(cfg)]


def _failed(result: Promotion) -> dict[str, list[str]]:
    return {g.name: g.reasons for g in result.gates if not g.passed}


def test_clean_model_is_released_and_opens_in_the_tee(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    room = _room(tmp_path)
    artifact = _model(tmp_path)
    result = _run(tmp_path, room, artifact, key)
    assert result.allowed, _failed(result)
    releases = Destination(room.destination).releases()
    assert [r.manifest["release_id"] for r in releases] == [result.release_id]
    manifest = releases[0].manifest
    assert manifest["artifact"]["sha256"] == result.artifact_sha256
    assert manifest["expires_at"] == "2026-11-02T12:00:00Z"
    out = io.BytesIO()
    with open(Path(releases[0].location) / ARTIFACT, "rb") as fh:
        open_envelope(fh, out, key)
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as tf:
        assert tf.getnames() == ["model.safetensors"]
        member = tf.extractfile("model.safetensors")
        assert member is not None and member.read() == safetensors_bytes()
    log = verify(room.audit_log)
    assert log.ok and log.records == 1


@pytest.mark.parametrize(
    ("setup", "gate"),
    [
        ({"malicious": True}, "policy"),
        ({"pii": True}, "pii"),
    ],
)
def test_content_gates_deny(tmp_path: Path, setup: dict[str, bool], gate: str) -> None:
    key = x25519.X25519PrivateKey.generate()
    room = _room(tmp_path)
    result = _run(tmp_path, room, _model(tmp_path, **setup), key)
    assert not result.allowed and gate in _failed(result)
    assert Destination(room.destination).releases() == []
    records = [json.loads(x) for x in room.audit_log.read_text().splitlines()]
    assert records[-1]["event"] == "promote.denied"
    assert any(g["name"] == gate and not g["passed"] for g in records[-1]["data"]["gates"])


def test_pii_gate_names_each_entity_and_honours_the_allow_list(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    denied = _run(tmp_path / "a", _room(tmp_path / "a"), _model(_mk(tmp_path / "a"), pii=True), key)
    reasons = _failed(denied)["pii"]
    assert "personal data not allowed in this clean room: EMAIL_ADDRESS" in reasons
    found = sorted(r.rsplit(": ", 1)[1] for r in reasons)
    room = _room(tmp_path / "b", allowed_pii=found)
    allowed = _run(tmp_path / "b", room, _model(_mk(tmp_path / "b"), pii=True), key)
    assert "pii" not in _failed(allowed) and allowed.allowed, _failed(allowed)


def test_pii_gate_fails_closed_on_a_dataset_it_could_not_read(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    artifact = _model(tmp_path)
    (artifact / "train.parquet").write_bytes(b"PAR1" + b"not a parquet body" * 4 + b"PAR1")
    result = _run(tmp_path, _room(tmp_path), artifact, key)
    reasons = _failed(result)["pii"]
    assert len(reasons) == 1 and "train.parquet: not checked for personal data" in reasons[0]
    assert not result.allowed


def _mk(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_unsigned_artifact_is_denied_when_a_signature_is_required(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    room = _room(tmp_path, require_signature=True)
    result = _run(tmp_path, room, _model(tmp_path), key)
    assert _failed(result).get("provenance") == ["no verified signature covers the artifact"]


def test_low_bom_completeness_is_denied(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    room = _room(tmp_path, min_bom_completeness=90)
    result = _run(tmp_path, room, _model(tmp_path), key, bom_scorer=lambda r: (40, None))
    assert "below the minimum 90" in _failed(result)["bom"][0]


def test_debug_tee_is_denied(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    room = _room(tmp_path)
    result = _run(tmp_path, room, _model(tmp_path), key, appraiser=_Appraiser(key, "fail"))
    assert _failed(result)["attestation"] == ["debug: debug enabled"]


def test_wrong_key_binding_is_denied(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    other = x25519.X25519PrivateKey.generate()
    room = _room(tmp_path)
    result = _run(tmp_path, room, _model(tmp_path), key, appraiser=_Appraiser(other))
    assert "does not bind" in _failed(result)["attestation"][0]


def test_replayed_and_stale_nonces_are_denied(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    room = _room(tmp_path)
    artifact = _model(tmp_path)
    nonce = challenges.issue(room.state_dir, 600, NOW)["nonce"]
    assert _run(tmp_path, room, artifact, key, nonce=nonce).allowed
    replay = _run(tmp_path, room, artifact, key, nonce=nonce)
    assert "already used" in _failed(replay)["freshness"][0]
    stale = challenges.issue(room.state_dir, 600, NOW - dt.timedelta(hours=1))["nonce"]
    assert "expired" in _failed(_run(tmp_path, room, artifact, key, nonce=stale))["freshness"][0]
    assert verify(room.audit_log).ok


def test_denial_lists_every_failed_gate(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    room = _room(tmp_path, require_signature=True)
    result = _run(
        tmp_path,
        room,
        _model(tmp_path, malicious=True, pii=True),
        key,
        appraiser=_Appraiser(key, "fail"),
    )
    assert {"policy", "provenance", "attestation"} <= set(_failed(result))


def test_sweep_removes_expired_releases_and_logs_them(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    room = _room(tmp_path)
    result = _run(tmp_path, room, _model(tmp_path), key)
    later = NOW + dt.timedelta(days=2)
    dry = sweep(room, later, dry_run=True)
    assert [e.removed for e in dry] == [False]
    assert len(Destination(room.destination).releases()) == 1
    done = sweep(room, later)
    assert [e.release.manifest["release_id"] for e in done] == [result.release_id]
    assert Destination(room.destination).releases() == []
    records = [json.loads(x) for x in room.audit_log.read_text().splitlines()]
    assert records[-1]["event"] == "retention.removed"
    assert verify(room.audit_log).ok


def test_operator_key_signs_receipt_and_audit_records(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric import ec

    pub = tmp_path / "operator.pub"
    write_key_pair(ec.generate_private_key(ec.SECP256R1()), tmp_path / "operator.pem", pub)
    key = x25519.X25519PrivateKey.generate()
    room = _room(tmp_path, operator_key="operator.pem")
    result = _run(tmp_path, room, _model(tmp_path), key)
    assert result.allowed and result.location
    bundle = Path(result.location) / "receipt.sigstore.json"
    ok = cli(
        "cleanroom",
        "receipt",
        "verify",
        str(bundle),
        "--key",
        str(pub),
        "--artifact-sha256",
        str(result.artifact_sha256),
    )
    assert ok.code == 0 and result.release_id in ok.stdout
    wrong = cli(
        "cleanroom",
        "receipt",
        "verify",
        str(bundle),
        "--key",
        str(pub),
        "--artifact-sha256",
        "0" * 64,
    )
    assert wrong.code == 1 and "different artifact" in wrong.stdout
    doc = json.loads(bundle.read_text())
    doc["dsseEnvelope"]["payload"] = doc["dsseEnvelope"]["payload"][:-8] + "AAAAAAA="
    bundle.write_text(json.dumps(doc))
    assert cli("cleanroom", "receipt", "verify", str(bundle), "--key", str(pub)).code == 1
    audit = cli("cleanroom", "audit", "verify", str(room.audit_log), "--key", str(pub))
    assert audit.code == 0 and "OK: 1 records" in audit.stdout


def test_promotion_into_s3_on_loopback(tmp_path: Path, s3: tuple[dict[str, Any], str]) -> None:
    import s3fs

    opts, bucket = s3
    key = x25519.X25519PrivateKey.generate()
    room = _room(tmp_path, destination=f"s3://{bucket}/research", storage_options=opts)
    result = _run(tmp_path, room, _model(tmp_path), key)
    assert result.allowed, _failed(result)
    fs = s3fs.S3FileSystem(**opts)
    sealed = fs.cat_file(f"{bucket}/research/{result.release_id}/{ARTIFACT}")
    out = io.BytesIO()
    open_envelope(io.BytesIO(sealed), out, key)
    assert b"model.safetensors" in out.getvalue()
    manifest = json.loads(fs.cat_file(f"{bucket}/research/{result.release_id}/manifest.json"))
    assert manifest["artifact"]["sha256"] == result.artifact_sha256
    done = sweep(room, NOW + dt.timedelta(days=3))
    assert len(done) == 1 and not fs.exists(f"{bucket}/research/{result.release_id}/manifest.json")


def test_a_signature_check_does_not_cover_for_unexamined_bytes() -> None:
    """The provenance engine marks every signed file "scanned"; that hid a pickle no content
    engine examined from the summary's not_scanned and from the clean room's coverage gate."""
    from petgov import filetypes as F
    from petgov.cleanroom.promote import coverage_gate
    from petgov.model import Coverage, CoverageStatus, Item, Report, ToolInfo

    pkl = "m/optimizer.pkl"
    report = Report(
        tool=ToolInfo("petgov", "0"),
        created_at="2026-01-01T00:00:00Z",
        targets=["m"],
        items=[Item(pkl, F.PICKLE, 10, None)],
        decisions=[],
        coverage=[
            Coverage(pkl, "provenance", CoverageStatus.SCANNED),
            Coverage(pkl, "pickle", CoverageStatus.ERROR, "opcode stream damaged"),
        ],
    )
    assert report.summary()["not_scanned"] == [pkl]
    gate = coverage_gate(report)
    assert not gate.passed and "opcode stream damaged" in gate.reasons[0]
