"""The small public API: verify one piece of evidence and appraise it.

``verify_evidence`` is what the CLI and the clean-room gate call (the gate's adapter is
``petgov.cleanroom.engines.appraise``; this layer knows nothing of clean rooms). See
docs/attestation.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov.attestation.appraisal import (
    Reference,
    appraise,
    check_nonce_length,
    check_reference_type,
    load_reference,
    report_data_expected,
)
from petgov.attestation.claims import Claims
from petgov.attestation.interface import (
    EVIDENCE_TYPES,
    AttestationInputError,
    Check,
    CheckList,
    EvidenceType,
    EvidenceVerifier,
    VerifyInputs,
)
from petgov.errors import UsageError
from petgov.util.never import assert_never

MAX_EVIDENCE = 8 << 20
REPORT_DATA_TYPES = ("snp", "tdx")  # the nonce can only be bound in report data
# skipped checks that leave a real gap in a pass: check name -> what the verdict line says
TRUST_GAPS: tuple[tuple[str, str], ...] = (
    ("nonce", "unfresh"),
    ("revocation", "revocation unchecked"),
    ("collateral.tcb_info", "TCB level unchecked"),
    ("measurements", "measurements unchecked"),
    ("reference_manifest", "measurements unchecked"),
    ("tpm.quote", "PCRs unattested"),
)


@dataclass
class AttestationResult:
    """Verdict, normalized claims and every check, in the order they ran."""

    verdict: str  # pass | fail
    evidence_type: str
    claims: Claims
    checks: list[Check] = field(default_factory=list)
    detected: bool = False  # the type came from --type auto

    @property
    def warnings(self) -> list[str]:
        """Trust gaps of a pass, named on the verdict line: what was skipped and matters."""
        if self.verdict != "pass":
            return []
        skipped = {c.name for c in self.checks if c.status == "skipped"}
        gaps = [label for name, label in TRUST_GAPS if name in skipped]
        trailing = self.claims.extra.get("trailing_bytes")
        if trailing:
            gaps.append(f"{trailing} unsigned trailing byte(s) ignored")
        return list(dict.fromkeys(gaps))

    @property
    def verdict_line(self) -> str:
        """``PASS``, ``PASS (unfresh, revocation unchecked)`` or ``FAIL``."""
        gaps = self.warnings
        return self.verdict.upper() + (f" ({', '.join(gaps)})" if gaps else "")

    @property
    def report_data(self) -> bytes | None:
        return self.claims.report_data

    @property
    def nonce(self) -> bytes | None:
        return self.claims.nonce

    @property
    def public_key_spki_sha256(self) -> str | None:
        return self.claims.public_key_spki_sha256

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "warnings": self.warnings,
            "type": self.evidence_type,
            "type_detected": self.detected,
            "claims": self.claims.as_dict(),
            "checks": [c.as_dict() for c in self.checks],
        }


def verifier_for(evidence_type: str) -> EvidenceVerifier:
    """The verifier of one evidence type; an unknown type is a usage error."""
    try:
        kind = EvidenceType(evidence_type)
    except ValueError:
        raise UsageError(
            f"unknown evidence type {evidence_type!r}", hint=f"one of {EVIDENCE_TYPES}"
        ) from None
    if kind is EvidenceType.SNP:
        from petgov.attestation.sevsnp import SevSnpVerifier

        return SevSnpVerifier()
    if kind is EvidenceType.TDX:
        from petgov.attestation.tdx import TdxVerifier

        return TdxVerifier()
    if kind is EvidenceType.NVGPU:
        from petgov.attestation.nvgpu import NvidiaGpuVerifier

        return NvidiaGpuVerifier()
    if kind is EvidenceType.GCP_CS:
        from petgov.attestation.tokens import ConfidentialSpaceVerifier

        return ConfidentialSpaceVerifier()
    if kind is EvidenceType.AZURE_MAA:
        from petgov.attestation.tokens import AzureMaaVerifier

        return AzureMaaVerifier()
    if kind is EvidenceType.NITRO:
        from petgov.attestation.nitro import NitroVerifier

        return NitroVerifier()
    if kind is EvidenceType.AZ_SNP_VTPM:
        from petgov.attestation.azure_vtpm import AzureSnpVtpmVerifier

        return AzureSnpVtpmVerifier()
    if kind is EvidenceType.AZ_TDX_VTPM:
        from petgov.attestation.azure_vtpm import AzureTdxVtpmVerifier

        return AzureTdxVtpmVerifier()
    assert_never(kind)


def _read(path: Path, what: str) -> bytes:
    # the default hint is about evidence; a certificate named by --certs or a reference file
    # gets one about where petgov looked for it
    hint = None if what == "evidence" else "check --certs, or the reference file's certs: list"
    try:
        if path.stat().st_size > MAX_EVIDENCE:
            raise AttestationInputError(f"{path}: {what} larger than 8 MiB", hint=hint)
        return path.read_bytes()
    except OSError as exc:
        raise AttestationInputError(
            f"{path}: cannot read {what}: {exc.strerror}"
            + (" (paths in a reference file are relative to it)" if hint else ""),
            hint=hint,
        ) from None


# what each type can use: supplied material it cannot use would be silently ignored otherwise
NO_CERTS = {
    "tdx": "the PCK chain comes inside the quote",
    "az-tdx-vtpm": "the PCK chain comes inside the TD quote",
    "nitro": "the certificate chain comes inside the document",
}
NO_COLLATERAL = ("nvgpu", "gcp-cs", "azure-maa", "nitro")


def _refuse_unused(evidence_type: str, certs: bool, collateral: Path | None) -> None:
    """Material the user supplied that this type never reads is a usage error, not a no-op."""
    if certs and evidence_type in NO_CERTS:
        raise UsageError(
            f"--certs is not used for {evidence_type}: {NO_CERTS[evidence_type]}",
            hint="drop --certs (and certs: in the reference file)",
        )
    if collateral is not None and evidence_type in NO_COLLATERAL:
        raise UsageError(
            f"--collateral is not used for {evidence_type}",
            hint="collateral (TCB Info, QE Identity, CRLs) applies to snp, tdx and Azure CVMs",
        )


def verify_evidence(
    evidence: Path | bytes,
    evidence_type: str,
    *,
    reference: Path | Reference | None = None,
    nonce: bytes | str | None = None,
    now: dt.datetime | None = None,
    certs: Sequence[Path | bytes] = (),
    collateral: Path | None = None,
    strict: bool = False,
    nonce_checked_by_caller: bool = False,
    strict_unless_relaxed: bool = False,
) -> AttestationResult:
    """Verify ``evidence`` of ``evidence_type`` offline and appraise it against ``reference``.

    Raises an :class:`AttestationInputError` (a PetgovError) only for unusable input; every
    cryptographic or policy failure is a ``fail`` check and verdict. ``nonce`` may be bytes or
    hex. ``certs`` and ``collateral`` add to what the reference file lists.
    """
    from petgov.util.clock import system_clock

    ref = load_reference(reference, empty_ok=False) if isinstance(reference, Path) else reference
    data = evidence if isinstance(evidence, bytes) else _read(evidence, "evidence")
    detected = evidence_type == "auto"
    if detected:
        from petgov.attestation.detect import detect_type

        evidence_type = detect_type(data)
    if ref is not None:
        check_reference_type(ref, evidence_type)
    if isinstance(nonce, str):
        try:
            nonce = bytes.fromhex(nonce)
        except ValueError:
            raise UsageError(f"--nonce {nonce!r} is not hex") from None
    if nonce is not None:
        check_nonce_length(nonce)
        if evidence_type in REPORT_DATA_TYPES:
            report_data_expected(nonce, "--nonce")
    blobs = [c if isinstance(c, bytes) else _read(c, "certificate file") for c in certs]
    if ref is not None:
        blobs.extend(_read(p, "certificate file") for p in ref.certs)
        collateral = collateral or ref.collateral
    _refuse_unused(evidence_type, bool(blobs), collateral)
    inputs = VerifyInputs(
        evidence=data,
        certs=tuple(blobs),
        collateral=collateral,
        nonce=nonce,
        now=now or system_clock(),
    )
    checks = CheckList()
    claims = verifier_for(evidence_type).verify(inputs, checks)
    verdict = appraise(
        claims,
        checks,
        ref,
        nonce,
        now=inputs.now,
        strict=strict,
        nonce_checked_by_caller=nonce_checked_by_caller,
        strict_unless_relaxed=strict_unless_relaxed,
    )
    return AttestationResult(verdict, evidence_type, claims, list(checks.items), detected)
