"""NVIDIA Hopper GPU attestation: an SPDM GET_MEASUREMENTS request and signed response.

The response is read by its length fields: the 96-byte ECDSA P-384 signature (r||s, big-endian)
follows the opaque data and covers the request and the response up to it; bytes after the
signature (some attesters append one) are reported, never verified as part of the evidence.
The signing key is the leaf of a five-certificate chain to the NVIDIA Device Identity CA.
Golden measurements come from NVIDIA's signed RIMs, which petgov does not fetch: that check is
``skipped`` until reference values are given.
"""

from __future__ import annotations

import struct

from petgov.attestation import pki
from petgov.attestation.claims import Claims
from petgov.attestation.interface import (
    CheckList,
    EvidenceFormatError,
    EvidenceVerifier,
    VerifyInputs,
)

REQUEST_SIZE = 37
SIGNATURE_SIZE = 96
OPAQUE_NAMES = {
    3: "driver_version",
    6: "vbios_version",
    5: "sku",
    14: "board_id",
    15: "chip_sku",
    17: "project",
    18: "project_sku",
}


def _bytes(data: bytes) -> bytes:
    text = data.strip()
    try:
        return bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return data


def parse(data: bytes) -> dict[str, object]:
    """Split request, response, measurement blocks, opaque fields and signature."""
    raw = _bytes(data)
    if len(raw) < REQUEST_SIZE + 8 + 32 + 2 + SIGNATURE_SIZE:
        raise EvidenceFormatError(f"NVIDIA report is {len(raw)} bytes: too short")
    req, resp = raw[:REQUEST_SIZE], raw[REQUEST_SIZE:]
    if req[1] != 0xE0 or resp[1] != 0x60:
        raise EvidenceFormatError("not an SPDM GET_MEASUREMENTS request/response pair")
    try:
        count = resp[4]
        rec_len = int.from_bytes(resp[5:8], "little")
        record = resp[8 : 8 + rec_len]
        pos = 8 + rec_len
        resp_nonce = resp[pos : pos + 32]
        opaque_len = struct.unpack_from("<H", resp, pos + 32)[0]
        opaque = resp[pos + 34 : pos + 34 + opaque_len]
        end = pos + 34 + opaque_len
    except (IndexError, struct.error):
        raise EvidenceFormatError("SPDM response truncated") from None
    if len(record) != rec_len or end + SIGNATURE_SIZE > len(resp):
        raise EvidenceFormatError("SPDM response lengths do not add up")
    signed_end = REQUEST_SIZE + end  # the signature follows the opaque data, by length fields
    trailing = raw[signed_end + SIGNATURE_SIZE :]
    blocks: dict[str, str] = {}
    i = 0
    while i + 4 <= len(record):
        index, size = record[i], int.from_bytes(record[i + 2 : i + 4], "little")
        value = record[i + 4 : i + 4 + size]
        if len(value) != size or size < 3:
            raise EvidenceFormatError("SPDM measurement block truncated")
        blocks[f"measurement{index}"] = value[3:].hex()
        i += 4 + size
    if len(blocks) != count:
        raise EvidenceFormatError(f"expected {count} measurement blocks, found {len(blocks)}")
    fields: dict[str, str] = {}
    j = 0
    while j + 4 <= len(opaque):
        kind, size = struct.unpack_from("<HH", opaque, j)
        value = opaque[j + 4 : j + 4 + size]
        if kind in OPAQUE_NAMES:
            text = value.rstrip(b"\0")
            printable = text.isascii() and all(32 <= b < 127 for b in text)
            fields[OPAQUE_NAMES[kind]] = text.decode("ascii") if printable else value.hex()
        j += 4 + size
    return {
        "request_nonce": req[4:36],
        "response_nonce": resp_nonce,
        "blocks": blocks,
        "opaque": fields,
        "signed": raw[:signed_end],
        "signature": raw[signed_end : signed_end + SIGNATURE_SIZE],
        "trailing": trailing,
        "spdm_version": f"{resp[0] >> 4}.{resp[0] & 0xF}",
    }


class NvidiaGpuVerifier(EvidenceVerifier):
    """SPDM measurement signature, device certificate chain, request nonce freshness."""

    type_name = "nvgpu"

    def verify(self, inputs: VerifyInputs, checks: CheckList) -> Claims:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        report = parse(inputs.evidence)
        blocks = report["blocks"]
        opaque = report["opaque"]
        assert isinstance(blocks, dict) and isinstance(opaque, dict)
        nonce = report["request_nonce"]
        assert isinstance(nonce, bytes)
        claims = Claims(
            evidence_type="nvgpu",
            tee_type="nvidia-hopper",
            evidence_version=f"spdm-{report['spdm_version']}",
            measurements=dict(blocks),
            nonce=nonce,
            hardware_model="GH100",
            extra=dict(opaque),
        )
        trailing = report["trailing"]
        assert isinstance(trailing, bytes)
        if trailing:  # e.g. NVIDIA's CC attester appends a byte: never part of what is verified
            claims.extra["trailing_bytes"] = len(trailing)
        certs = []
        for blob in inputs.certs:
            certs.extend(pki.load_certificates(blob, "--certs file"))
        if not certs:
            checks.failed("signature", "no GPU certificate chain given (--certs)")
            return claims
        key = certs[0].public_key()
        sig = report["signature"]
        signed = report["signed"]
        assert isinstance(sig, bytes) and isinstance(signed, bytes)
        der = encode_dss_signature(int.from_bytes(sig[:48], "big"), int.from_bytes(sig[48:], "big"))
        try:
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise InvalidSignature
            key.verify(der, signed, ec.ECDSA(hashes.SHA384()))
            checks.passed("signature", "SPDM measurement response signed by the device key")
        except InvalidSignature:
            checks.failed("signature", "SPDM signature does not verify with the leaf certificate")
        pki.check_chain(certs, "nvidia-device-identity", inputs.now, checks)
        checks.skipped("revocation", "OCSP is online-only: device certificates not checked")
        checks.skipped(
            "reference_manifest",
            "measurements not compared: no NVIDIA RIM reference values given",
        )
        return claims
