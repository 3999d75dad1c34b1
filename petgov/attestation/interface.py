"""The contract every evidence verifier follows, and the typed errors they raise.

A verifier turns raw evidence into normalized :class:`~petgov.attestation.claims.Claims` plus a
list of explicit :class:`Check` outcomes. It never decides the verdict: appraisal does, so one
policy applies to all six evidence types.
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from petgov.attestation.claims import Claims
from petgov.errors import ConfigError, PetgovError

Status = Literal["pass", "fail", "skipped"]


class EvidenceType(str, enum.Enum):
    """Evidence kinds petgov verifies (``attest verify --type``, a clean room's ``evidence``)."""

    SNP = "snp"
    TDX = "tdx"
    NVGPU = "nvgpu"
    GCP_CS = "gcp-cs"
    AZURE_MAA = "azure-maa"
    NITRO = "nitro"
    AZ_SNP_VTPM = "az-snp-vtpm"
    AZ_TDX_VTPM = "az-tdx-vtpm"


EVIDENCE_TYPES: tuple[str, ...] = tuple(t.value for t in EvidenceType)


class AttestationInputError(PetgovError):
    """Evidence, certificates or collateral cannot be used at all (exit 2, not a verdict)."""

    default_hint = "check the --type and that the file is the raw evidence"


class EvidenceFormatError(AttestationInputError):
    """The evidence bytes do not parse as the declared evidence type."""


class CertificateInputError(AttestationInputError):
    """A --certs file or collateral file is not a certificate/JWKS/CRL petgov can read."""

    default_hint = "pass DER or PEM certificates, a JWKS JSON file, or a DER/PEM CRL"


class ReferenceFileError(ConfigError):
    """The appraisal reference file is invalid (unknown keys are rejected, not ignored)."""

    default_hint = "see docs/attestation.md for the reference file format"


def refuse_azure_hcl(data: bytes, what: str) -> None:
    """Azure CVM evidence handed to a raw-report verifier: say what it is, not a bad version."""
    keys = (b'"hcl_report"', b'"tpm_quote"', b'"quote"')
    if data[:4] == b"HCLA" or (data.lstrip()[:1] == b"{" and any(k in data for k in keys)):
        raise EvidenceFormatError(
            f"this is Azure confidential VM evidence (HCL report), not a raw {what}",
            hint="use --type az-snp-vtpm or --type az-tdx-vtpm",
        )


@dataclass(frozen=True)
class Check:
    """One explicit check: pass, fail, or skipped with the reason it could not be done."""

    name: str
    status: Status
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


@dataclass
class CheckList:
    """An ordered recorder of checks; the first entry for a name wins (later ones add detail)."""

    items: list[Check] = field(default_factory=list)

    def add(self, name: str, ok: bool, passed: str, failed: str) -> bool:
        """Record ``name`` with the detail for its outcome: a FAIL says what did not verify."""
        self.items.append(Check(name, "pass" if ok else "fail", passed if ok else failed))
        return ok

    def passed(self, name: str, detail: str = "") -> None:
        self.items.append(Check(name, "pass", detail))

    def failed(self, name: str, detail: str) -> None:
        self.items.append(Check(name, "fail", detail))

    def skipped(self, name: str, reason: str) -> None:
        self.items.append(Check(name, "skipped", reason))


@dataclass(frozen=True)
class VerifyInputs:
    """Everything a verifier may use; nothing is fetched from the network, ever."""

    evidence: bytes
    certs: tuple[bytes, ...] = ()
    collateral: Path | None = None
    nonce: bytes | None = None
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))


class EvidenceVerifier(abc.ABC):
    """Parse and cryptographically verify one evidence type; appraisal is done elsewhere."""

    type_name: str = ""

    @abc.abstractmethod
    def verify(self, inputs: VerifyInputs, checks: CheckList) -> Claims:
        """Record authenticity/freshness checks in ``checks`` and return the normalized claims.

        Raise :class:`AttestationInputError` only when the input is unusable; a signature that
        does not verify is a failed check, not an exception.
        """
