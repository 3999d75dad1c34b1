"""Evidence as real clients emit it: SNP extended reports, NVIDIA trailing bytes, Nitro base64.

The SNP extended report is assembled from real parts (the virtee Milan report, its VCEK and AMD's
Milan ASK/ARK) in the GHCB certificate-table layout; the NVIDIA report with a trailing byte is
Trustee's real CoCo sample (vectors/SOURCES.md); the Nitro document is the corpus one with its
base64 padding stripped.
"""

from __future__ import annotations

import base64
import datetime as dt
import struct
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from petgov.attestation import pki
from petgov.attestation.api import AttestationResult, verify_evidence
from petgov.attestation.interface import EvidenceFormatError
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus
VECTORS = Path(__file__).parent / "vectors"
JAN = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
GUID = {
    "vcek": "63da758d-e664-4564-adc5-f4b93be8accd",
    "ask": "4ab7b379-bbac-4fe4-a02f-05aef327c782",
    "ark": "c0b406a4-a803-4952-9743-3fb6014cd0ae",
}


def statuses(result: AttestationResult) -> dict[str, str]:
    out: dict[str, str] = {}
    for check in result.checks:
        out.setdefault(check.name, check.status)
    return out


def cert_table(certs: dict[str, bytes], little_endian: bool = False, pad: int = 0) -> bytes:
    """GHCB SNP_GET_EXT_REPORT table: (GUID, offset, length) entries, zero entry, then certs."""
    head = 24 * (len(certs) + 1)
    entries, blobs = b"", b""
    for name, der in certs.items():
        guid = uuid.UUID(GUID[name])
        raw = guid.bytes_le if little_endian else guid.bytes
        entries += raw + struct.pack("<II", head + len(blobs), len(der))
        blobs += der
    return entries + bytes(24) + blobs + bytes(pad)


def milan_parts() -> tuple[bytes, dict[str, bytes]]:
    root = corpus_path("attestation", "sev-snp")
    report = bytes.fromhex((root / "virtee_milan_report.hex").read_text().strip())
    ask, ark = pki.load_certificates((root / "amd_ask_ark_milan.pem").read_bytes())
    return report, {
        "vcek": (root / "virtee_milan_vcek.der").read_bytes(),
        "ask": ask.public_bytes(Encoding.DER),
        "ark": ark.public_bytes(Encoding.DER),
    }


@pytest.mark.parametrize("little_endian", [False, True])
def test_snp_extended_report_uses_its_embedded_vcek(little_endian: bool) -> None:
    report, certs = milan_parts()
    extended = report + cert_table(certs, little_endian, pad=4096 - 96 - 24 * 4)
    result = verify_evidence(extended, "snp", now=JAN)  # no --certs needed
    checks = statuses(result)
    assert result.verdict == "pass", [c.as_dict() for c in result.checks]
    assert checks["signature"] == checks["chain"] == checks["vcek.chip_id"] == "pass"
    assert result.claims.extra["certificate_table"] == ["ark", "ask", "vcek"]


def test_snp_extended_report_with_another_chips_vcek_fails() -> None:
    report, certs = milan_parts()
    other = corpus_path("attestation", "sev-snp", "gosevguest_milan_vcek.der").read_bytes()
    result = verify_evidence(report + cert_table({**certs, "vcek": other}), "snp", now=JAN)
    assert result.verdict == "fail" and statuses(result)["signature"] == "fail"


def test_snp_cert_table_that_does_not_parse_is_unusable() -> None:
    report, certs = milan_parts()
    table = bytearray(cert_table(certs))
    table[16:20] = struct.pack("<I", 1 << 20)  # VCEK offset far outside the table
    with pytest.raises(EvidenceFormatError, match="outside the table"):
        verify_evidence(report + bytes(table), "snp", now=JAN)
    with pytest.raises(EvidenceFormatError, match="not a certificate table"):
        verify_evidence(report + b"\x01" * 10, "snp", now=JAN)


def test_snp_zero_padding_is_accepted_and_unsigned_bytes_are_not() -> None:
    report, certs = milan_parts()
    vcek = [certs["vcek"]]
    assert verify_evidence(report + bytes(3000), "snp", certs=vcek, now=JAN).verdict == "pass"
    tampered = bytearray(report)
    tampered[0x400] = 0x5A  # reserved, after the signature: not covered by it
    result = verify_evidence(bytes(tampered), "snp", certs=vcek, now=JAN)
    assert statuses(result)["layout"] == "fail" and result.verdict == "fail"


def test_nvidia_report_with_a_trailing_byte_is_read_by_its_lengths() -> None:
    report = VECTORS / "nvidia" / "trustee_hopper_coco_report1.hex"
    certs = [VECTORS / "nvidia" / "trustee_hopper_coco_certs1.pem"]
    nonce = "87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec"
    result = verify_evidence(report, "nvgpu", certs=certs, nonce=nonce, now=JAN)
    checks = statuses(result)
    assert checks["signature"] == "pass" and checks["chain"] == "pass" and checks["nonce"] == "pass"
    assert result.claims.extra["trailing_bytes"] == 1
    assert len([m for m in result.claims.measurements if m.startswith("measurement")]) == 64
    raw = bytes.fromhex(report.read_text().strip())
    flipped = raw[:-2] + bytes([raw[-2] ^ 1]) + raw[-1:]  # last signature byte
    bad = verify_evidence(flipped.hex().encode(), "nvgpu", certs=certs, now=JAN)
    assert statuses(bad)["signature"] == "fail"


def test_nitro_base64_without_padding_or_urlsafe() -> None:
    path = corpus_path("attestation", "nitro", "eternis_libtest_attestation.b64")
    text = path.read_text().strip()
    assert text.endswith("="), "this corpus copy is padded"
    now = dt.datetime(2024, 9, 17, 20, 48, 11, tzinfo=dt.timezone.utc)
    base = verify_evidence(path, "nitro", now=now)
    variants = [
        text.rstrip("="),
        text.replace("+", "-").replace("/", "_").rstrip("="),
        "\n".join(text[i : i + 76] for i in range(0, len(text), 76)),
    ]
    for variant in variants:
        result = verify_evidence(variant.encode(), "nitro", now=now)
        assert statuses(result)["signature"] == "pass"
        assert result.claims.measurements == base.claims.measurements
    raw = base64.b64decode(text)
    assert statuses(verify_evidence(raw, "nitro", now=now))["signature"] == "pass"
    with pytest.raises(EvidenceFormatError):
        verify_evidence(text[:-7].encode() + b"*!" + text[-5:].encode(), "nitro", now=now)


def test_tdx_bytes_after_the_quote_are_reported_not_verified() -> None:
    quote = corpus_path("attestation", "tdx", "trustee_tdx_quote_5.dat").read_bytes()
    now = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
    padded = verify_evidence(quote + bytes(100), "tdx", now=now)
    assert padded.verdict == "pass" and "trailing_bytes" not in padded.claims.extra
    extra = verify_evidence(quote + b"\x07junk", "tdx", now=now)
    assert extra.claims.extra["trailing_bytes"] == 5
    assert "5 unsigned trailing byte(s) ignored" in extra.warnings


def test_azure_thim_certification_json_is_accepted_as_certs(tmp_path: Path) -> None:
    """The IMDS THIM response (vcekCert + certificateChain PEM), as JSON and as ACI's base64."""
    import json

    report, certs = milan_parts()

    def pem(der: bytes) -> str:  # pki's loader tolerates the VCEKs' non-positive serials
        return pki.load_certificates(der)[0].public_bytes(Encoding.PEM).decode()

    doc = {
        "vcekCert": pem(certs["vcek"]),
        "certificateChain": pem(certs["ask"]) + pem(certs["ark"]),
        "tcbm": "7300000000000803",
    }
    for blob in (json.dumps(doc).encode(), base64.b64encode(json.dumps(doc).encode())):
        result = verify_evidence(report, "snp", certs=[blob], now=JAN)
        assert result.verdict == "pass" and statuses(result)["chain"] == "pass"
    other = {
        **doc,
        "vcekCert": pem(
            corpus_path("attestation", "sev-snp", "gosevguest_milan_vcek.der").read_bytes()
        ),
    }
    bad = verify_evidence(report, "snp", certs=[json.dumps(other).encode()], now=JAN)
    assert statuses(bad)["signature"] == "fail"


@pytest.mark.parametrize(
    ("case", "failed"),
    [(2, {"signature", "chain"}), (3, {"chain"}), (4, {"signature"})],
)
def test_incomplete_nvidia_chains_are_rejected(case: int, failed: set[str]) -> None:
    """Trustee's bad-chain cases: root only, no intermediate, no signing certificate."""
    chain = VECTORS / "nvidia" / f"trustee_hopper_cert_chain_case{case}.pem"
    report = corpus_path("attestation", "nvidia", "nvtrust_hopper_attestation_report.hex")
    result = verify_evidence(report, "nvgpu", certs=[chain], now=JAN)
    assert result.verdict == "fail"
    assert {c.name for c in result.checks if c.status == "fail"} == failed
