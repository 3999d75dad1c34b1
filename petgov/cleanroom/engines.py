"""The default scanner, appraiser and BOM scorer `promote` uses, joined from the other stages.

Each is a seam: tests and embedders may pass their own. All fail closed: an engine that is
missing makes its gate fail with the reason, never pass.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov.cleanroom.config import CleanRoom
from petgov.errors import EngineError
from petgov.model import Report


def scan_for_room(artifact: Path, room: CleanRoom, now: dt.datetime) -> Report:
    """All scanners, modelscan cross-check on, the room's threshold and policy."""
    from petgov.pipeline import ScanOptions, scan
    from petgov.policy.evaluate import PolicyOptions

    options = ScanOptions(
        policy=PolicyOptions(mode="enforce", fail_on=room.fail_on, policy_file=room.policy),
        cross_check=True,
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
    """Verify ``evidence`` against the room's reference file with the attestation stage."""
    try:
        api = importlib.import_module("petgov.attestation.api")
    except ImportError as exc:
        raise EngineError("attestation verification is not available in this build") from exc
    result: AppraisalResult = api.appraise_for_cleanroom(evidence, room, nonce, now)
    return result


def bom_score(report: Report) -> tuple[int | None, Mapping[str, Any] | None]:
    """AI-BOM completeness and the BOM itself; (None, None) when no BOM can be built."""
    try:
        api = importlib.import_module("petgov.bom.api")
    except ImportError:
        for facts in report.facts.values():
            if "bom.completeness" in facts:
                return int(facts["bom.completeness"]), None
        return None, None
    scored: tuple[int | None, Mapping[str, Any] | None] = api.score_and_document(report)
    return scored
