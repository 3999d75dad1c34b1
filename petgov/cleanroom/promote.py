"""`cleanroom promote`: every gate, then encrypt to the attested key, release atomically, audit.

Order matters: the nonce is burned first (no replay even when the promotion is denied or the
release fails); all gates are evaluated so a denial lists every reason; only when all pass is
the artifact encrypted and released; every outcome (allowed, denied, or failed while writing the
release) is appended to the audit log, and a release whose record cannot be written is withdrawn.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tarfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from petgov import filetypes as F
from petgov.cleanroom import challenges, data_policy, receipt, trust
from petgov.cleanroom.audit_log import AuditLog
from petgov.cleanroom.binding import report_data_matches
from petgov.cleanroom.config import CleanRoom
from petgov.cleanroom.destination import ARTIFACT, RECEIPT, Destination
from petgov.cleanroom.envelope import EnvelopeWriter, Recipient, encrypt_stream
from petgov.cleanroom.room_audit import operator_key
from petgov.errors import OutputError, PetgovError
from petgov.inventory.hashing import sha256_file
from petgov.model import Action, CoverageStatus, Report, examined_paths
from petgov.scanners.pii_findings import ENGINE as PII_ENGINE
from petgov.util.clock import iso


class Appraisal(Protocol):
    """What the clean room needs from an attestation verdict."""

    verdict: str  # pass | fail
    checks: Sequence[Mapping[str, Any]]
    report_data: bytes | None
    nonce: bytes | None  # evidence types with a separate nonce field (Nitro)
    public_key_spki_sha256: str | None  # evidence types that carry the key itself (Nitro)
    claims: Mapping[str, Any]


Appraiser = Callable[[Path, CleanRoom, str, dt.datetime], Appraisal]
Scanner = Callable[[Path, CleanRoom, dt.datetime], Report]
BomScorer = Callable[[Report], tuple[int | None, Mapping[str, Any] | None]]


@dataclass
class Gate:
    """One gate's outcome; a denial lists every failed gate with its reasons."""

    name: str
    passed: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class Promotion:
    """The whole outcome, as shown to the user and recorded in the audit log."""

    allowed: bool
    cleanroom: str
    artifact: str
    artifact_sha256: str | None
    evidence_sha256: str | None
    gates: list[Gate]
    release_id: str | None = None
    location: str | None = None
    manifest: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)  # what the room's settings relax
    data_policies: list[dict[str, Any]] = field(default_factory=list)  # the providers' terms

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def artifact_digest(report: Report) -> str | None:
    """The artifact's digest: its sha256 for one file, else a digest of sorted file digests."""
    top = [i for i in report.items if i.depth == 0]
    if len(top) == 1 and report.targets and Path(report.targets[0]).is_file():
        return top[0].sha256
    if not top or any(i.sha256 is None for i in top):
        return None
    root = Path(report.targets[0])
    lines = sorted(f"{Path(i.path).relative_to(root).as_posix()}\0{i.sha256}" for i in top)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def policy_gate(report: Report) -> Gate:
    """Blocking decisions under the room's (stricter) threshold."""
    blocking = [d for d in report.decisions if d.action is Action.BLOCK]
    reasons = [
        f"{d.rule_id} {d.severity.value} at {d.finding.path}: {d.finding.title}" for d in blocking
    ]
    return Gate("policy", not blocking, reasons)


def coverage_gate(report: Report) -> Gate:
    """A clean room accepts no code-bearing bytes that no engine examined."""
    scanned = examined_paths(report.coverage)  # a signature check does not examine bytes
    gaps = [
        c
        for c in report.coverage
        if c.status is not CoverageStatus.SCANNED and c.path not in scanned
    ]
    code = {i.path for i in report.items if i.format in F.CODE_BEARING}
    reasons = [f"{c.path}: not scanned by {c.engine}: {c.reason}" for c in gaps if c.path in code]
    return Gate("coverage", not reasons, reasons)


def _facts(report: Report) -> list[Mapping[str, Any]]:
    return list(report.facts.values())


def provenance_gate(report: Report, room: CleanRoom) -> Gate:
    """A verified signature, by the configured signer when one is configured."""
    if not room.require_signature:
        return Gate("provenance", True, ["signature not required by this clean room"])
    verified = [f for f in _facts(report) if f.get("provenance.verified") is True]
    if not verified:
        return Gate("provenance", False, ["no verified signature covers the artifact"])
    if room.signer_identity:
        ids = {str(f.get("provenance.identity")) for f in verified}
        if room.signer_identity not in ids:
            return Gate(
                "provenance",
                False,
                [f"signed by {sorted(ids)}, not by the required {room.signer_identity!r}"],
            )
    return Gate("provenance", True)


def pii_gate(report: Report, room: CleanRoom) -> Gate:
    """Only the personal-data entity types the room allows."""
    found: set[str] = set()
    for d in report.decisions:
        if d.finding.kind.startswith("pii.") and not d.finding.facts.get("stray"):
            entity = d.finding.facts.get("entity") or d.finding.evidence.get("entity")
            if entity:
                found.add(str(entity))
    for f in _facts(report):
        found.update(str(e) for e in f.get("pii.entities", ()) or ())
    extra = sorted(found - set(room.allowed_pii))
    reasons = [f"personal data not allowed in this clean room: {e}" for e in extra]
    # A dataset the PII engine could not read has no verdict; a clean room fails closed on it.
    unread = sorted(
        {
            f"{c.path}: not checked for personal data: {c.reason}"
            for c in report.coverage
            if c.engine == PII_ENGINE and c.status is CoverageStatus.ERROR
        }
    )
    reasons += unread
    return Gate("pii", not reasons, reasons)


def bom_gate(score: int | None, room: CleanRoom) -> Gate:
    """AI-BOM completeness at or above the room's minimum."""
    if room.min_bom_completeness <= 0:
        return Gate("bom", True)
    if score is None:
        return Gate("bom", False, ["no AI-BOM completeness score could be computed"])
    if score < room.min_bom_completeness:
        return Gate(
            "bom",
            False,
            [f"AI-BOM completeness {score} is below the minimum {room.min_bom_completeness}"],
        )
    return Gate("bom", True)


def attestation_gate(
    appraisal: Appraisal | None, room: CleanRoom, nonce: str, spki: str, error: str | None
) -> Gate:
    """The appraisal verdict, then the nonce-and-key binding."""
    if appraisal is None:
        return Gate("attestation", False, [error or "evidence could not be appraised"])
    reasons = [
        f"{c.get('name')}: {c.get('detail')}" for c in appraisal.checks if c.get("status") == "fail"
    ]
    if appraisal.verdict != "pass":
        return Gate("attestation", False, reasons or [f"verdict {appraisal.verdict}"])
    if room.binding == "unbound":
        return Gate("attestation", True, ["binding not checked: clean room set binding=unbound"])
    if appraisal.public_key_spki_sha256 is not None:  # evidence that carries key and nonce
        if appraisal.public_key_spki_sha256 != spki:
            reasons.append("the attested public key is not the key given with --tee-key")
        if (appraisal.nonce or b"").hex() != nonce:
            reasons.append("the evidence nonce is not this clean room's challenge")
    elif not report_data_matches(appraisal.report_data, nonce, spki):
        reasons.append(
            "report data does not bind the challenge nonce and the TEE key "
            "(expected SHA-512('petgov-cleanroom-v1' || nonce || SHA-256(SPKI)))"
        )
    return Gate("attestation", not reasons, reasons)


def data_policy_gate(
    policies: Sequence[data_policy.DataPolicy | data_policy.Unusable],
    room: CleanRoom,
    appraisal: Appraisal | None,
) -> Gate:
    """Every data provider's policy allows this room's purpose, TEE, measurements, retention."""
    if not policies:
        return Gate("data-policy", True, ["no data provider policy configured for this room"])
    measurements = None
    if appraisal is not None and isinstance(appraisal.claims.get("measurements"), Mapping):
        measurements = {str(k): str(v) for k, v in appraisal.claims["measurements"].items()}
    reasons = data_policy.release_reasons(policies, room, measurements)
    return Gate("data-policy", not reasons, reasons)


def _release_id(room: CleanRoom, digest: str | None, now: dt.datetime) -> str:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{(digest or os.urandom(8).hex())[:16]}-{os.urandom(3).hex()}"


def _encrypt(artifact: Path, out: Path, recipient: Recipient, meta: Mapping[str, Any]) -> None:
    with open(out, "wb") as fh:
        if artifact.is_file():
            with open(artifact, "rb") as src:
                encrypt_stream(src, fh, recipient, meta)
        else:
            writer = EnvelopeWriter(fh, recipient, meta)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tf:  # type: ignore[call-overload]
                for path in sorted(p for p in artifact.rglob("*") if p.is_file()):
                    info = tf.gettarinfo(str(path), arcname=path.relative_to(artifact).as_posix())
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    info.mtime = 0
                    with open(path, "rb") as src:
                        tf.addfile(info, src)
            writer.close()
        fh.flush()
        os.fsync(fh.fileno())


def promote(
    artifact: Path,
    room: CleanRoom,
    *,
    evidence: Path,
    tee_key_pem: bytes,
    nonce: str,
    now: dt.datetime,
    scanner: Scanner,
    appraiser: Appraiser,
    bom_scorer: BomScorer,
    audit: AuditLog | None = None,
) -> Promotion:
    """Run every gate; release only when all pass; audit the decision either way."""
    operator = operator_key(room)
    room.check_signer()
    audit = audit or AuditLog(
        room.audit_log, signing_key=operator, checkpoint=room.audit_checkpoint
    )
    recipient = Recipient.from_pem(tee_key_pem)  # bad key: a usage error, nothing consumed
    weakened = trust.weakenings(room)  # an empty reference: a config error, nothing consumed
    policies = data_policy.load_room_policies(room)  # a missing file: exit 2, nothing consumed
    gates: list[Gate] = []
    try:
        challenges.consume(room.state_dir, nonce, now)
        gates.append(Gate("freshness", True))
    except challenges.ReplayError as exc:
        gates.append(Gate("freshness", False, [exc.message]))
    report = scanner(artifact, room, now)
    digest = artifact_digest(report)
    score, bom = bom_scorer(report)
    gates += [
        policy_gate(report),
        coverage_gate(report),
        provenance_gate(report, room),
        pii_gate(report, room),
        bom_gate(score, room),
    ]
    evidence_sha = sha256_file(evidence)
    appraisal: Appraisal | None = None
    error: str | None = None
    try:
        appraisal = appraiser(evidence, room, nonce, now)
    except PetgovError as exc:
        error = f"evidence unusable: {exc.one_line()}"
    gates.append(attestation_gate(appraisal, room, nonce, recipient.spki_sha256, error))
    gates.append(data_policy_gate(policies, room, appraisal))
    if appraisal is not None:
        weakened.setdefault("attestation", []).extend(trust.skipped_checks(appraisal.checks))
    for gate in gates:
        gate.reasons += weakened.get(gate.name, [])
    result = Promotion(
        allowed=all(g.passed for g in gates),
        cleanroom=room.name,
        artifact=str(artifact),
        artifact_sha256=digest,
        evidence_sha256=evidence_sha,
        gates=gates,
        warnings=trust.flatten(weakened),
        data_policies=[p.summary() for p in policies if isinstance(p, data_policy.DataPolicy)],
    )
    if not result.allowed:
        _record(audit, "promote.denied", _audit_data(result, room))
        return result
    dest = Destination(room.destination, room.storage_options)
    release_id = _release_id(room, digest, now)
    expires = now + dt.timedelta(seconds=room.retention_seconds)
    try:
        last_seq, last_hash = audit.last()  # signed into the receipt: the log had at least this
    except (OSError, ValueError, KeyError) as exc:
        raise _release_failed(audit, result, room, release_id, exc) from None
    manifest: dict[str, Any] = {
        "schema": "petgov-release-v1",
        "release_id": release_id,
        "cleanroom": room.name,
        "created_at": iso(now),
        "expires_at": iso(expires),
        "purpose": room.purpose,
        "data_policies": result.data_policies,
        "artifact": {
            "name": artifact.name,
            "kind": "file" if artifact.is_file() else "folder",
            "sha256": digest,
        },
        "evidence": {
            "type": room.evidence,
            "sha256": evidence_sha,
            "verdict": appraisal.verdict if appraisal else None,
            "checks": [dict(c) for c in appraisal.checks] if appraisal else [],
        },
        "tee_key_spki_sha256": recipient.spki_sha256,
        "policy": {
            "fail_on": room.fail_on.value,
            "decisions": [
                {
                    "rule_id": d.rule_id,
                    "severity": d.severity.value,
                    "action": d.action.value,
                    "path": d.finding.path,
                }
                for d in report.decisions
            ],
        },
        "bom": bom,
        "bom_completeness": score,
        "audit": {"seq": last_seq, "hash": last_hash},
        "warnings": result.warnings,
    }
    try:  # everything is written under a hidden temp name; the commit is one rename
        with dest.staging() as staged:
            meta = {"release_id": release_id, "artifact_sha256": digest, "cleanroom": room.name}
            _encrypt(artifact, staged / ARTIFACT, recipient, meta)
            manifest["envelope_sha256"] = sha256_file(staged / ARTIFACT)
            if operator is not None:
                bundle = receipt.sign(manifest, operator, key_hint=room.name)
                (staged / RECEIPT).write_text(json.dumps(bundle, indent=2))
            release = dest.commit(staged, release_id, manifest)
    except (OSError, PetgovError) as exc:
        raise _release_failed(audit, result, room, release_id, exc) from None
    result.release_id = release_id
    result.location = release.location
    result.manifest = manifest
    try:
        audit.append("promote.allowed", _audit_data(result, room))
    except OSError as exc:  # an unaudited release must not stay visible
        try:
            dest.remove(release)
            outcome = "the release was withdrawn"
        except OSError as stuck:
            outcome = f"withdrawing {release.location} failed too ({_why(stuck)}): remove it"
        result.release_id = result.location = result.manifest = None
        raise _release_failed(audit, result, room, release_id, exc, withdrawn=outcome) from None
    return result


def _why(exc: BaseException) -> str:
    """One line for an I/O or petgov error: what failed and on which file."""
    if isinstance(exc, PetgovError):
        return exc.message
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror or exc}{where}"
    return str(exc)


def _record(audit: AuditLog, event: str, data: Mapping[str, Any]) -> None:
    """Append a decision, or stop with a typed error: a decision must not go unrecorded."""
    try:
        audit.append(event, data)
    except OSError as exc:
        raise OutputError(
            f"cannot record the {event} decision in the audit log {audit.path}: {_why(exc)}",
            hint="make the clean room's state folder writable; nothing was released",
        ) from None


def _release_failed(
    audit: AuditLog,
    result: Promotion,
    room: CleanRoom,
    release_id: str,
    exc: BaseException,
    *,
    withdrawn: str | None = None,
) -> OutputError:
    """Record a release that failed after its gates passed, and the error to raise for it.

    The nonce stays burned (as for a denial): evidence is never accepted twice, and a retry
    asks for a fresh challenge.
    """
    step = "recording the release" if withdrawn else "releasing"
    message = f"{step} into clean room {room.name!r} failed: {_why(exc)}"
    if withdrawn:
        message += f"; {withdrawn}"
    data = {**_audit_data(result, room), "release_id": release_id, "error": message}
    try:
        audit.append("promote.failed", data)
    except OSError as again:
        message += f"; the audit log could not record it either: {_why(again)}"
    return OutputError(
        message,
        hint="nothing was released and the nonce is used: fix the destination, then ask for "
        "a fresh challenge and promote again",
    )


def _audit_data(result: Promotion, room: CleanRoom) -> dict[str, Any]:
    return {
        "cleanroom": room.name,
        "artifact": result.artifact,
        "artifact_sha256": result.artifact_sha256,
        "evidence_sha256": result.evidence_sha256,
        "release_id": result.release_id,
        "location": result.location,
        "purpose": room.purpose,
        "data_policies": result.data_policies,
        "gates": [asdict(g) for g in result.gates],
        "warnings": result.warnings,
        "manifest_sha256": hashlib.sha256(
            json.dumps(result.manifest, sort_keys=True).encode()
        ).hexdigest()
        if result.manifest
        else None,
    }
