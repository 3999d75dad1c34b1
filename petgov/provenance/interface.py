"""What every signer and verifier in petgov agrees on.

A verifier either returns a :class:`Verified` (who signed, how, over which digest) or raises
:class:`petgov.errors.VerificationError`; "unsigned" is not an error here, callers decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

Method = Literal["key", "certificate", "sigstore"]


@dataclass(frozen=True)
class TrustMaterial:
    """What the user trusts: one of a public key, a CA chain, or a Sigstore identity."""

    key: Path | None = None
    cert_chain: tuple[Path, ...] = ()
    identity: str | None = None
    issuer: str | None = None
    trust_root: Path | None = None  # trusted_root.json or a client trust config

    @property
    def method(self) -> Method | None:
        if self.key is not None:
            return "key"
        if self.cert_chain:
            return "certificate"
        if self.identity is not None:
            return "sigstore"
        return None


@dataclass(frozen=True)
class Verified:
    """A successful verification: the facts the scanner, the BOM and the clean room read."""

    method: Method
    identity: str
    digest: str  # "sha256:<hex>" of what was signed (the manifest subject for models)
    files: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)

    def facts(self) -> dict[str, Any]:
        """The namespaced facts other stages read (see petgov/cleanroom/promote.py)."""
        return {
            "provenance.verified": True,
            "provenance.identity": self.identity,
            "provenance.method": self.method,
            "provenance.digest": self.digest,
        }


class ArtifactVerifier(Protocol):
    """Checks a signature over an artifact (file or folder) against trust material."""

    def __call__(self, artifact: Path, signature: Path, trust: TrustMaterial) -> Verified: ...
