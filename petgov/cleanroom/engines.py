"""The default scanner, appraiser and BOM scorer `promote` uses, joined from the other stages.

Each is a seam: tests and embedders may pass their own. This module is the clean room's one
adapter to the pipeline, attestation and BOM stages (they never import the clean room); the
engines are imported lazily so loading a room's configuration stays cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov.cleanroom.config import CleanRoom
from petgov.model import Report, RunMode


def scan_for_room(artifact: Path, room: CleanRoom, now: dt.datetime) -> Report:
    """All scanners, modelscan cross-check on, the room's threshold, policy and signer."""
    from petgov.pipeline import ScanOptions, scan
    from petgov.policy.evaluate import PolicyOptions
    from petgov.scanners.options import ProvenanceOptions, ScannerOptions

    options = ScanOptions(
        policy=PolicyOptions(mode=RunMode.ENFORCE, fail_on=room.fail_on, policy_file=room.policy),
        cross_check=True,
        scanner_options=ScannerOptions(provenance=ProvenanceOptions(trust=room.signer_trust())),
        now=now,
    )
    return scan([str(artifact)], options)


@dataclass
class AppraisalResult:
    """An attestation verdict reduced to what the clean room checks."""

    verdict: str
    checks: Sequence[Mapping[str, Any]] = ()
    report_data: bytes | None = None
    nonce: bytes | None = None
    public_key_spki_sha256: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)


def appraise(evidence: Path, room: CleanRoom, nonce: str, now: dt.datetime) -> AppraisalResult:
    """Verify ``evidence`` with the room's reference file, pinned JWKS and clock.

    Nonce freshness for report-data evidence is the gate's key-binding check, so it is not
    compared here; for evidence with a nonce field (NVIDIA, Nitro) it is compared here too.
    The gate is strict: a skipped check fails unless the reference file sets ``strict: false``
    or lists it under ``tolerate_skipped``.
    """
    from petgov.attestation.api import verify_evidence

    certs: list[Path] = [room.jwks] if room.jwks is not None else []
    direct = room.evidence in ("nvgpu", "nitro")
    result = verify_evidence(
        evidence,
        room.evidence,
        reference=room.reference,
        nonce=nonce if direct else None,
        now=now,
        certs=certs,
        nonce_checked_by_caller=not direct,
        strict_unless_relaxed=True,  # a gate: skipped checks fail unless the reference relaxes
    )
    return AppraisalResult(
        verdict=result.verdict,
        checks=[c.as_dict() for c in result.checks],
        report_data=result.report_data,
        nonce=result.nonce,
        public_key_spki_sha256=result.public_key_spki_sha256,
        claims=result.claims.as_dict(),
    )


def bom_score(report: Report) -> tuple[int | None, Mapping[str, Any] | None]:
    """AI-BOM completeness and the BOM itself; (None, None) when no BOM can be built."""
    from petgov.bom.api import score_and_document

    return score_and_document(report)


NAME_ONLY = "petgov-column-name-and-shape"  # the PII recognizer that reads column names


@dataclass
class PiiVerdict:
    """What the PII scanner found in one table: entities per column, and what it could not read.

    ``from_values`` leaves out verdicts the column *name* drove (low confidence, no NER): a
    preview keeps the source's column names on purpose, so only its values can be at fault.
    """

    columns: dict[str, list[str]] = field(default_factory=dict)
    entities: list[str] = field(default_factory=list)
    from_values: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)


def pii_scan(path: Path, now: dt.datetime | None = None) -> PiiVerdict:
    """The PII scanner alone over one file (column-sampled, offline), reduced to its verdict."""
    from petgov.model import CoverageStatus
    from petgov.pipeline import ScanOptions, scan

    report = scan([str(path)], ScanOptions(scanners=["pii"], now=now))
    verdict = PiiVerdict()
    entities: set[str] = set()
    from_values: set[str] = set()
    for d in report.decisions:
        f = d.finding
        entity = f.facts.get("entity")
        if not f.kind.startswith("pii.") or not entity:
            continue
        entities.add(str(entity))
        if f.evidence.get("recognizer") != NAME_ONLY:
            from_values.add(str(entity))
        column = f.location.get("column")
        if column is not None:
            verdict.columns.setdefault(str(column), []).append(str(entity))
    for facts in report.facts.values():  # entities the scanner summarised without a finding
        entities.update(str(e) for e in facts.get("pii.entities") or ())
    verdict.entities = sorted(entities)
    verdict.from_values = sorted(from_values)
    verdict.unread = [
        f"{c.path}: {c.reason}"
        for c in report.coverage
        if c.engine == "pii" and c.status is CoverageStatus.ERROR
    ]
    return verdict
