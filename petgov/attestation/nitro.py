"""AWS Nitro Enclaves attestation documents: COSE_Sign1 (ES384) over a CBOR payload.

The payload carries its own certificate and CA bundle; ``cabundle[0]`` must be the pinned AWS
Nitro Enclaves Root-G1, and the chain is certificate <- reversed(cabundle). A debug-mode enclave
reports PCR0-2 as all zeros, which is how debug is detected.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from petgov.attestation import cbor, pki
from petgov.attestation.claims import Claims
from petgov.attestation.interface import (
    CheckList,
    EvidenceFormatError,
    EvidenceVerifier,
    VerifyInputs,
)

ES384 = -35


def _raw(data: bytes) -> bytes:
    text = data.strip()
    if text[:1] in (b"\x84", b"\xd2"):
        return data
    # clients emit standard or URL-safe base64, with or without padding, sometimes wrapped
    compact = b"".join(text.split()).rstrip(b"=")
    if b"-" in compact or b"_" in compact:
        compact = compact.replace(b"-", b"+").replace(b"_", b"/")
    try:
        return base64.b64decode(compact + b"=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise EvidenceFormatError("Nitro document is neither CBOR nor base64") from None


def parse(data: bytes) -> tuple[bytes, dict[Any, Any], bytes, bytes]:
    """(protected header bytes, payload map, payload bytes, signature)."""
    try:
        doc = cbor.loads(_raw(data))
        if isinstance(doc, cbor.Tagged) and doc.tag == 18:
            doc = doc.value
        if not isinstance(doc, list) or len(doc) != 4:
            raise EvidenceFormatError("not a COSE_Sign1 array of four items")
        protected, _unprotected, payload, signature = doc
        if not all(isinstance(x, bytes) for x in (protected, payload, signature)):
            raise EvidenceFormatError("COSE_Sign1 members have the wrong types")
        header = cbor.loads(protected) if protected else {}
        body = cbor.loads(payload)
    except cbor.CborError as exc:
        raise EvidenceFormatError(f"Nitro document is not valid CBOR: {exc}") from None
    if not isinstance(header, dict) or not isinstance(body, dict):
        raise EvidenceFormatError("COSE header or payload is not a map")
    if header.get(1) != ES384:
        raise EvidenceFormatError(f"COSE algorithm {header.get(1)!r} is not ES384 (-35)")
    for key, kind in (
        ("module_id", str),
        ("digest", str),
        ("timestamp", int),
        ("pcrs", dict),
        ("certificate", bytes),
        ("cabundle", list),
    ):
        if not isinstance(body.get(key), kind):
            raise EvidenceFormatError(f"Nitro payload field {key!r} missing or mistyped")
    if not 0 <= body["timestamp"] <= _MAX_TIMESTAMP_MS:
        raise EvidenceFormatError(f"Nitro timestamp {body['timestamp']} ms is out of range")
    return protected, body, payload, signature


# Milliseconds since the epoch up to year 9999: what a datetime can hold (a larger integer is a
# forged document, and converting it would raise OverflowError/ValueError past the parser).
_MAX_TIMESTAMP_MS = 253_402_300_799_999


class NitroVerifier(EvidenceVerifier):
    """COSE ES384 signature, chain to the pinned AWS root, PCRs, nonce and bound key."""

    type_name = "nitro"

    def verify(self, inputs: VerifyInputs, checks: CheckList) -> Claims:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        protected, body, payload, signature = parse(inputs.evidence)
        pcrs = {
            f"pcr{k}": v.hex()
            for k, v in sorted(body["pcrs"].items())
            if isinstance(k, int) and isinstance(v, bytes)
        }
        zero_boot = all(set(bytes.fromhex(pcrs.get(f"pcr{i}", "00"))) <= {0} for i in range(3))
        public_key = body.get("public_key")
        user_data = body.get("user_data")
        nonce = body.get("nonce")
        claims = Claims(
            evidence_type="nitro",
            tee_type="aws-nitro",
            evidence_version="cose-sign1",
            debug=zero_boot,
            measurements=pcrs,
            report_data=user_data if isinstance(user_data, bytes) else None,
            nonce=nonce if isinstance(nonce, bytes) else None,
            public_key=public_key if isinstance(public_key, bytes) else None,
            hardware_model="aws-nitro",
            platform_id=body["module_id"],
            issued_at=dt.datetime.fromtimestamp(body["timestamp"] / 1000, dt.timezone.utc),
            extra={"digest": body["digest"]},
        )
        if body["digest"] != "SHA384":
            checks.failed("signature", f"PCR digest {body['digest']} is not SHA384")
            return claims
        certs = pki.load_certificates(body["certificate"], "Nitro certificate")
        bundle = []
        for blob in body["cabundle"]:
            if not isinstance(blob, bytes):
                raise EvidenceFormatError("cabundle entry is not bytes")
            bundle.extend(pki.load_certificates(blob, "Nitro cabundle entry"))
        leaf = certs[0]
        key = leaf.public_key()
        r_s = signature
        try:
            if not isinstance(key, ec.EllipticCurvePublicKey) or len(r_s) != 96:
                raise InvalidSignature
            der = encode_dss_signature(
                int.from_bytes(r_s[:48], "big"), int.from_bytes(r_s[48:], "big")
            )
            key.verify(der, cbor.dumps_sig_structure(protected, payload), ec.ECDSA(hashes.SHA384()))
            checks.passed("signature", "COSE_Sign1 ES384 signature valid")
        except InvalidSignature:
            checks.failed("signature", "COSE_Sign1 signature does not verify")
        pki.check_chain([leaf, *reversed(bundle)], "aws-nitro-root-g1", inputs.now, checks)
        checks.skipped("revocation", "AWS Nitro certificates carry no revocation information")
        return claims
