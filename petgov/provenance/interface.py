"""What every signer and verifier in petgov agrees on.

A verifier either returns a :class:`Verified` (who signed, how, over which digest) or raises
:class:`petgov.errors.VerificationError`; "unsigned" is not an error here, callers decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

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

    def check(self, names: Mapping[str, str] | None = None) -> None:
        """Raise a :class:`petgov.errors.UsageError` naming the option when a file given as
        trust material cannot be read or parsed, or a keyless identity lacks its issuer or
        trust root: input the user got wrong, not a signature that failed.

        ``names`` maps ``key``/``cert_chain``/``identity``/``issuer``/``trust_root`` to what the
        caller calls them (a CLI flag, a config setting); by default the field names.
        """
        from petgov.errors import UsageError

        names = {
            "key": "key",
            "cert_chain": "cert_chain",
            "identity": "identity",
            "issuer": "issuer",
            "trust_root": "trust_root",
            **(names or {}),
        }

        def read(opt: str, path: Path, hint: str) -> bytes:
            try:
                return path.read_bytes()
            except OSError as exc:
                raise UsageError(f"{opt} {path}: {exc.strerror}", hint=hint) from None

        if self.key is not None:
            from cryptography import x509
            from cryptography.hazmat.primitives.serialization import load_pem_public_key

            hint = "pass the signer's public key (or its certificate) in PEM"
            data = read(names["key"], self.key, hint)
            try:
                if b"BEGIN CERTIFICATE" in data:
                    x509.load_pem_x509_certificate(data)
                else:
                    load_pem_public_key(data)
            except (ValueError, TypeError):
                raise UsageError(
                    f"{names['key']} {self.key} is not a PEM public key", hint=hint
                ) from None
        for path in self.cert_chain:
            from cryptography import x509

            hint = "pass the trusted CA certificate(s) in PEM"
            try:
                x509.load_pem_x509_certificates(read(names["cert_chain"], path, hint))
            except ValueError:
                raise UsageError(
                    f"{names['cert_chain']} {path} holds no PEM certificate", hint=hint
                ) from None
        if self.identity is not None and self.key is None and not self.cert_chain:
            if not self.issuer:
                raise UsageError(
                    f"{names['identity']} needs {names['issuer']}",
                    hint="pass the OIDC issuer that vouches for the identity",
                )
            if self.trust_root is None:
                raise UsageError(
                    f"keyless verification needs {names['trust_root']} "
                    "(petgov never fetches trust roots)",
                    hint="pass a trusted_root.json or client trust config file",
                )
        if self.trust_root is not None:
            import json

            hint = "pass a Sigstore trusted_root.json or client trust config file"
            try:
                json.loads(read(names["trust_root"], self.trust_root, hint))
            except ValueError:
                raise UsageError(
                    f"{names['trust_root']} {self.trust_root} is not JSON", hint=hint
                ) from None


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
