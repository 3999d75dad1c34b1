"""Attestation tokens: Google Confidential Space and Azure Attestation (MAA) JWTs.

RS256 only. Keys come from a pinned JWKS file the user passes (never fetched) or, for
Confidential Space PKI tokens, from the token's x5c chain to the pinned Confidential Space Root
CA. Times are checked against the injected clock.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from petgov.attestation import pki
from petgov.attestation.claims import Claims
from petgov.attestation.interface import (
    CertificateInputError,
    CheckList,
    EvidenceFormatError,
    EvidenceVerifier,
    VerifyInputs,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

GCP_ISSUER = "https://confidentialcomputing.googleapis.com"
MAX_TOKEN = 1 << 20


def b64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise EvidenceFormatError("token segment is not base64url") from None


def split(data: bytes) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, payload, signing input, signature) of a compact JWS."""
    if len(data) > MAX_TOKEN:
        raise EvidenceFormatError("token larger than 1 MiB")
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise EvidenceFormatError("token is not ASCII text") from None
    parts = text.split(".")
    if len(parts) != 3:
        raise EvidenceFormatError("not a compact JWT (three dot-separated parts)")
    try:
        header = json.loads(b64url(parts[0]))
        payload = json.loads(b64url(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise EvidenceFormatError("JWT header or payload is not JSON") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise EvidenceFormatError("JWT header or payload is not an object")
    return header, payload, f"{parts[0]}.{parts[1]}".encode(), b64url(parts[2])


def jwks_keys(blobs: tuple[bytes, ...]) -> dict[str, RSAPublicKey]:
    """kid -> RSA key from every JWKS file in --certs (x5c[0] preferred, else n/e)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    keys: dict[str, RSAPublicKey] = {}
    for blob in blobs:
        if not blob.lstrip().startswith(b"{"):
            continue
        try:
            doc = json.loads(blob)
        except (ValueError, UnicodeDecodeError):
            raise CertificateInputError("JWKS file is not JSON") from None
        entries = doc.get("keys") if isinstance(doc, dict) else None
        if not isinstance(entries, list):
            raise CertificateInputError("JWKS file has no 'keys' list")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            key: Any = None
            x5c = entry.get("x5c")
            if isinstance(x5c, list) and x5c and isinstance(x5c[0], str):
                try:
                    der = base64.b64decode(x5c[0])
                except (binascii.Error, ValueError):
                    raise CertificateInputError("JWKS x5c is not base64") from None
                cert = pki.load_certificates(der, "JWKS x5c")[0]
                issuer = cert
                if len(x5c) > 1 and isinstance(x5c[1], str):
                    try:
                        parent = base64.b64decode(x5c[1])
                    except (binascii.Error, ValueError):
                        raise CertificateInputError("JWKS x5c is not base64") from None
                    issuer = pki.load_certificates(parent, "JWKS x5c")[0]
                if (issuer is not cert or cert.issuer == cert.subject) and not pki.signed_by(
                    cert, issuer
                ):  # the pinned file is the trust, but a damaged certificate is not used
                    raise CertificateInputError(
                        f"JWKS key {entry['kid']}: x5c certificate signature does not verify",
                        hint="re-copy the JWKS file; it has been altered",
                    )
                key = cert.public_key()
            elif entry.get("kty") == "RSA" and isinstance(entry.get("n"), str):
                n = int.from_bytes(b64url(entry["n"]), "big")
                e = int.from_bytes(b64url(str(entry.get("e", "AQAB"))), "big")
                key = rsa.RSAPublicNumbers(e, n).public_key()
            if isinstance(key, rsa.RSAPublicKey):
                keys[entry["kid"]] = key
    return keys


def _rs256(key: RSAPublicKey, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def _time(payload: dict[str, Any], name: str) -> dt.datetime | None:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None


class _TokenVerifier(EvidenceVerifier):
    """Shared JWS signature and time checks; subclasses normalize claims."""

    def verify(self, inputs: VerifyInputs, checks: CheckList) -> Claims:
        header, payload, signing_input, signature = split(inputs.evidence)
        claims = self.normalize(payload)
        claims.issuer = payload.get("iss") if isinstance(payload.get("iss"), str) else None
        aud = payload.get("aud")
        claims.audience = (
            [aud] if isinstance(aud, str) else [a for a in aud or [] if isinstance(a, str)]
        )
        claims.issued_at = _time(payload, "iat")
        claims.expires_at = _time(payload, "exp")
        if header.get("alg") != "RS256":
            checks.failed("signature", f"token alg {header.get('alg')!r} refused: RS256 only")
        else:
            self._signature(header, signing_input, signature, inputs, checks)
        self._times(payload, inputs.now, checks)
        self.check_issuer(claims, checks)
        return claims

    def _signature(
        self,
        header: dict[str, Any],
        signing_input: bytes,
        signature: bytes,
        inputs: VerifyInputs,
        checks: CheckList,
    ) -> None:
        x5c = header.get("x5c")
        if isinstance(x5c, list) and x5c and self.x5c_root:
            try:
                chain = [pki.load_certificates(base64.b64decode(c), "x5c")[0] for c in x5c]
            except (binascii.Error, ValueError, TypeError):
                raise EvidenceFormatError("token x5c is not base64 DER") from None
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = chain[0].public_key()
            ok = isinstance(key, rsa.RSAPublicKey) and _rs256(key, signature, signing_input)
            checks.add(
                "signature",
                ok,
                "RS256 signature by the x5c leaf",
                "RS256 signature does not verify with the x5c leaf key",
            )
            pki.check_chain(chain, self.x5c_root, inputs.now, checks)
            return
        kid = header.get("kid")
        keys = jwks_keys(inputs.certs)
        if not keys:
            checks.failed("signature", "unverifiable signature: no pinned JWKS given (--certs)")
            return
        pinned = keys.get(kid) if isinstance(kid, str) else None
        if pinned is None:
            checks.failed("signature", f"unverifiable signature: kid {kid!r} not in pinned JWKS")
            return
        checks.add(
            "signature",
            _rs256(pinned, signature, signing_input),
            f"RS256 signature by pinned JWKS key {kid}",
            f"RS256 signature does not verify with pinned JWKS key {kid}",
        )
        checks.passed("chain", "key pinned by the JWKS file")

    def _times(self, payload: dict[str, Any], now: dt.datetime, checks: CheckList) -> None:
        exp, nbf, iat = (_time(payload, n) for n in ("exp", "nbf", "iat"))
        if exp is None:
            checks.failed("token.validity", "token has no exp")
        elif now >= exp:
            checks.failed("token.validity", f"token expired {exp:%Y-%m-%dT%H:%M:%SZ}")
        elif nbf is not None and now < nbf:
            checks.failed("token.validity", f"token not valid before {nbf:%Y-%m-%dT%H:%M:%SZ}")
        elif iat is not None and now < iat:
            checks.failed("token.validity", f"token issued in the future {iat:%Y-%m-%dT%H:%M:%SZ}")
        else:
            checks.passed("token.validity", f"valid until {exp:%Y-%m-%dT%H:%M:%SZ}")

    x5c_root: str = ""

    def normalize(self, payload: dict[str, Any]) -> Claims:
        raise NotImplementedError

    def check_issuer(self, claims: Claims, checks: CheckList) -> None:
        raise NotImplementedError


class ConfidentialSpaceVerifier(_TokenVerifier):
    """Google Confidential Space attestation tokens (PKI x5c or OIDC with a pinned JWKS)."""

    type_name = "gcp-cs"
    x5c_root = "gcp-confidential-space-root"

    def normalize(self, payload: dict[str, Any]) -> Claims:
        submods = payload.get("submods") if isinstance(payload.get("submods"), dict) else {}
        assert isinstance(submods, dict)
        container = submods.get("container") if isinstance(submods.get("container"), dict) else {}
        cs = submods.get("confidential_space")
        cs = cs if isinstance(cs, dict) else {}
        assert isinstance(container, dict)
        hwmodel = payload.get("hwmodel")
        dbgstat = payload.get("dbgstat")
        nonces = payload.get("eat_nonce")
        nonce_list = [nonces] if isinstance(nonces, str) else list(nonces or [])
        swversion = payload.get("swversion")
        tee = {
            "GCP_AMD_SEV": "sev",
            "GCP_AMD_SEV_ES": "sev-es",
            "GCP_AMD_SEV_SNP": "sev-snp",
            "GCP_INTEL_TDX": "tdx",
        }.get(str(hwmodel), str(hwmodel).lower())
        tdx = payload.get("tdx") if isinstance(payload.get("tdx"), dict) else {}
        assert isinstance(tdx, dict)
        return Claims(
            evidence_type="gcp-cs",
            report_data=_hex(nonce_list[0]) if nonce_list else None,
            tee_type=f"gcp-cs/{tee}",
            evidence_version=str(payload.get("swname", "")),
            debug=None if dbgstat is None else dbgstat != "disabled-since-boot",
            image_digest=container.get("image_digest")
            if isinstance(container.get("image_digest"), str)
            else None,
            tcb_status=tdx.get("gcp_attester_tcb_status"),
            hardware_model=str(hwmodel) if hwmodel else None,
            secure_boot=_bool(payload.get("secboot")),
            extra={
                "swname": payload.get("swname"),
                "swversion": swversion,
                "dbgstat": dbgstat,
                "support_attributes": cs.get("support_attributes", []),
                "google_service_accounts": payload.get("google_service_accounts", []),
                "eat_nonce": [str(n) for n in nonce_list],
                "image_reference": container.get("image_reference"),
            },
        )

    def check_issuer(self, claims: Claims, checks: CheckList) -> None:
        checks.add(
            "token.issuer",
            claims.issuer == GCP_ISSUER,
            f"iss {claims.issuer!r}",
            f"iss {claims.issuer!r} is not {GCP_ISSUER}",
        )
        swname = claims.extra.get("swname")
        checks.add(
            "swname",
            swname == "CONFIDENTIAL_SPACE",
            f"swname {swname!r}",
            f"swname {swname!r} is not CONFIDENTIAL_SPACE",
        )


class AzureMaaVerifier(_TokenVerifier):
    """Azure Attestation tokens (SEV-SNP CVM and SGX), keys from the instance's pinned JWKS."""

    type_name = "azure-maa"

    def normalize(self, payload: dict[str, Any]) -> Claims:
        tee = payload.get("x-ms-isolation-tee")
        if isinstance(tee, dict):  # Azure CVM: the hardware claims live in the isolation TEE
            return self._snp(payload, tee)
        return self._sgx(payload)

    def _snp(self, payload: dict[str, Any], tee: dict[str, Any]) -> Claims:
        p = "x-ms-sevsnpvm-"
        rd = tee.get(p + "reportdata")
        runtime = payload.get("x-ms-runtime")
        nonce = None
        if isinstance(runtime, dict) and isinstance(runtime.get("client-payload"), dict):
            raw = runtime["client-payload"].get("nonce")
            nonce = _maybe_b64(raw) if isinstance(raw, str) else None
        return Claims(
            evidence_type="azure-maa",
            tee_type=str(tee.get("x-ms-attestation-type", "")),
            evidence_version=str(payload.get("x-ms-ver", "")),
            public_key=runtime_key(runtime),
            debug=_bool(tee.get(p + "is-debuggable")),
            measurements={
                "launch_measurement": str(tee.get(p + "launchmeasurement", "")).lower(),
                "host_data": str(tee.get(p + "hostdata", "")).lower(),
                "id_key_digest": str(tee.get(p + "idkeydigest", "")).lower(),
            },
            tcb={k: tee.get(p + k + "-svn") for k in ("bootloader", "tee", "snpfw", "microcode")},
            report_data=_hex(rd),
            nonce=nonce,
            hardware_model="sevsnpvm",
            secure_boot=_bool(payload.get("secureboot")),
            extra={
                "attestation_type": payload.get("x-ms-attestation-type"),
                "compliance_status": tee.get("x-ms-compliance-status"),
                "idkeydigest": tee.get(p + "idkeydigest"),
                "guestsvn": tee.get(p + "guestsvn"),
                "vmpl": tee.get(p + "vmpl"),
                "smt_allowed": tee.get(p + "smt-allowed"),
                "migration_allowed": tee.get(p + "migration-allowed"),
            },
        )

    def _sgx(self, payload: dict[str, Any]) -> Claims:
        p = "x-ms-sgx-"
        ehd = payload.get(p + "ehd")
        return Claims(
            evidence_type="azure-maa",
            tee_type=str(payload.get("x-ms-attestation-type", "")),
            evidence_version=str(payload.get("x-ms-ver", "")),
            debug=_bool(payload.get(p + "is-debuggable")),
            measurements={
                "mrenclave": str(payload.get(p + "mrenclave", "")).lower(),
                "mrsigner": str(payload.get(p + "mrsigner", "")).lower(),
            },
            tcb={"svn": payload.get(p + "svn"), "product_id": payload.get(p + "product-id")},
            report_data=_hex(payload.get(p + "report-data")),
            hardware_model="sgx",
            extra={"ehd": ehd, "tcbidentifier": payload.get("tcbidentifier")},
        )

    def check_issuer(self, claims: Claims, checks: CheckList) -> None:
        ehd = claims.extra.get("ehd")
        if isinstance(ehd, str):  # SGX: report data must be SHA-256 of the enclave held data
            import hashlib

            digest = hashlib.sha256(b64url(ehd)).digest()
            rd = claims.report_data or b""
            checks.add(
                "runtime_data",
                rd == digest + bytes(32),
                "report data = SHA-256(enclave held data), zero-padded",
                "report data is not SHA-256(enclave held data) followed by zeros",
            )
        if claims.hardware_model == "sevsnpvm":
            status = claims.extra.get("compliance_status")
            checks.add(
                "compliance",
                status == "azure-compliant-cvm",
                f"MAA compliance {status}",
                f"MAA compliance {status}, not azure-compliant-cvm",
            )
        iss = claims.issuer or ""
        ok = iss.startswith("https://") and iss.split("/")[2].endswith(".attest.azure.net")
        checks.add(
            "token.issuer", ok, f"iss {iss!r}", f"iss {iss!r} is not an *.attest.azure.net URL"
        )


def runtime_key(runtime: Any) -> bytes | None:
    """DER SPKI of the key the Azure CVM bound into its runtime data (for key release).

    Prefers ``TpmEphemeralEncryptionKey`` (the vTPM key meant for secure key release).
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    keys = runtime.get("keys") if isinstance(runtime, dict) else None
    if not isinstance(keys, list):
        return None
    rsa_keys = [k for k in keys if isinstance(k, dict) and k.get("kty") == "RSA"]
    rsa_keys.sort(key=lambda k: k.get("kid") != "TpmEphemeralEncryptionKey")
    for jwk in rsa_keys:
        try:
            n = int.from_bytes(b64url(str(jwk["n"])), "big")
            e = int.from_bytes(b64url(str(jwk.get("e", "AQAB"))), "big")
            key = rsa.RSAPublicNumbers(e, n).public_key()
        except (KeyError, ValueError, EvidenceFormatError):
            continue
        return key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _hex(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def _maybe_b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode()
