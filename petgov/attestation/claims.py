"""One normalized claims model for every evidence type (RATS 'attestation result' shape).

The clean-room gate and the appraisal policy read only this, so a reference file written for
one TEE reads the same way for another: measurements are named hex strings, TCB values a dict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Claims:
    """What the evidence says, after (not instead of) verification."""

    evidence_type: str
    tee_type: str = ""  # sev-snp, tdx, nvidia-hopper, nitro, sgx, gcp-cs/tdx ...
    evidence_version: str = ""
    debug: bool | None = None  # None: the evidence does not say
    measurements: dict[str, str] = field(default_factory=dict)  # name -> lowercase hex
    tcb: dict[str, Any] = field(default_factory=dict)
    tcb_status: str | None = None
    image_digest: str | None = None
    report_data: bytes | None = None
    nonce: bytes | None = None  # a separate nonce field (NVIDIA request nonce, Nitro, eat_nonce)
    public_key: bytes | None = None  # the key the evidence carries (DER SPKI when parseable)
    hardware_model: str | None = None
    platform_id: str | None = None  # chip id, FMSPC, module id
    secure_boot: bool | None = None
    issuer: str | None = None
    audience: list[str] = field(default_factory=list)
    issued_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def public_key_spki_sha256(self) -> str | None:
        """SHA-256 of the bound public key's DER SPKI, when the evidence carries a real key."""
        if not self.public_key:
            return None
        from cryptography.hazmat.primitives import serialization

        try:
            key = serialization.load_der_public_key(self.public_key)
        except (ValueError, TypeError):
            return None
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(der).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view (bytes as hex, times as ISO 8601)."""
        from petgov.util.clock import iso

        def hx(value: bytes | None) -> str | None:
            return value.hex() if value is not None else None

        return {
            "evidence_type": self.evidence_type,
            "tee_type": self.tee_type,
            "evidence_version": self.evidence_version,
            "debug": self.debug,
            "measurements": dict(self.measurements),
            "tcb": dict(self.tcb),
            "tcb_status": self.tcb_status,
            "image_digest": self.image_digest,
            "report_data": hx(self.report_data),
            "nonce": hx(self.nonce),
            "public_key": hx(self.public_key),
            "public_key_spki_sha256": self.public_key_spki_sha256,
            "hardware_model": self.hardware_model,
            "platform_id": self.platform_id,
            "secure_boot": self.secure_boot,
            "issuer": self.issuer,
            "audience": list(self.audience),
            "issued_at": iso(self.issued_at) if self.issued_at else None,
            "expires_at": iso(self.expires_at) if self.expires_at else None,
            "extra": self.extra,
        }
