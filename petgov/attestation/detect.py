"""``--type auto``: recognize the evidence type from its bytes, and say which one was found.

Only structural markers are used (magic values, version fields, token issuers); a file that
matches none, or more than one, is refused (exit 2) rather than guessed.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct

from petgov.attestation.interface import EvidenceFormatError

SNP_REPORT_SIZE = 0x4A0


def _hex_or_raw(data: bytes) -> bytes:
    text = b"".join(data.split())
    if text and len(text) % 2 == 0:
        try:
            return bytes.fromhex(text.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            pass
    return data


def _azure(data: bytes) -> str | None:
    from petgov.attestation.azure_vtpm import HCL_DATA, REPORT_TYPES, SIGNATURE, load_evidence

    if data[:4] != SIGNATURE and data.lstrip()[:1] != b"{":
        return None
    try:
        hcl = load_evidence(data).hcl
    except EvidenceFormatError:
        return None
    if hcl[:4] != SIGNATURE or len(hcl) < HCL_DATA + 12:
        return None
    kind = REPORT_TYPES.get(struct.unpack_from("<I", hcl, HCL_DATA + 8)[0])
    return f"az-{kind}-vtpm" if kind else None


def _token(data: bytes) -> str | None:
    parts = data.strip().split(b".")
    if len(parts) != 3 or not all(parts):
        return None
    try:
        segment = parts[1].decode("ascii")
        payload = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (UnicodeDecodeError, ValueError, binascii.Error):
        return None
    issuer = str(payload.get("iss", "")) if isinstance(payload, dict) else ""
    if issuer.startswith("https://confidentialcomputing.googleapis.com"):
        return "gcp-cs"
    if ".attest.azure.net" in issuer:
        return "azure-maa"
    return None


def _nitro(data: bytes) -> str | None:
    raw = data
    if data[:1] not in (b"\x84", b"\xd2"):
        text = b"".join(data.split()).rstrip(b"=").replace(b"-", b"+").replace(b"_", b"/")
        try:
            raw = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            return None
    # COSE_Sign1 (optionally tag 18) whose protected header is {1: -35} (ES384)
    body = raw[1:] if raw[:1] == b"\xd2" else raw
    return "nitro" if body[:1] == b"\x84" and b"\xa1\x01\x38\x22" in body[:8] else None


def _tdx(raw: bytes) -> str | None:
    if len(raw) < 48:
        return None
    version, key_type, tee = struct.unpack_from("<HHI", raw, 0)
    return "tdx" if version in (4, 5) and key_type == 2 and tee == 0x81 else None


def _snp(raw: bytes) -> str | None:
    if len(raw) < SNP_REPORT_SIZE:
        return None
    version = struct.unpack_from("<I", raw, 0)[0]
    algo = struct.unpack_from("<I", raw, 0x34)[0]
    return "snp" if version in (2, 3, 4, 5) and algo == 1 else None


def _nvgpu(raw: bytes) -> str | None:
    # SPDM GET_MEASUREMENTS request (37 bytes, code 0xE0) followed by its response (0x60)
    return "nvgpu" if len(raw) > 37 and raw[1] == 0xE0 and raw[38] == 0x60 else None


def detect_type(data: bytes) -> str:
    """The evidence type ``data`` is, or an EvidenceFormatError naming what was tried."""
    found = {t for t in (_azure(data), _token(data), _nitro(data)) if t}
    if not found:
        raw = _hex_or_raw(data)
        found = {t for t in (_tdx(raw), _snp(raw), _nvgpu(raw)) if t}
    if len(found) != 1:
        what = "matches " + " and ".join(sorted(found)) if found else "is not recognized"
        raise EvidenceFormatError(
            f"--type auto: the evidence {what}",
            hint="name the type: snp, tdx, nvgpu, gcp-cs, azure-maa, nitro, az-snp-vtpm, "
            "az-tdx-vtpm",
        )
    return found.pop()
