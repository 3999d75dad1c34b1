"""Bit flips derived from the real corpus files are all rejected.

Each baseline passes first (so a rejection is caused by the flip, not by the setup); then every
flip in a signed region, a signature, a certificate or a collateral file must make the verdict
``fail`` or the input unusable (a PetgovError) — never ``pass``.
"""

from __future__ import annotations

import base64
import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from petgov.attestation.api import AttestationResult, verify_evidence
from petgov.attestation.appraisal import Reference
from petgov.attestation.tdx import parse as parse_quote
from petgov.errors import PetgovError
from petgov.util.clock import parse_instant
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus
Run = Callable[[bytes], AttestationResult]


def flip(data: bytes, pos: int) -> bytes:
    out = bytearray(data)
    out[pos] ^= 1 << (pos % 8)
    return bytes(out)


def positions(start: int, end: int, count: int = 24) -> Iterator[int]:
    step = max(1, (end - start) // count)
    yield from range(start, end, step)


def rejected(run: Run, data: bytes) -> bool:
    try:
        return run(data).verdict == "fail"
    except PetgovError:
        return True


def assert_all_rejected(run: Run, base: bytes, spots: list[int], what: str) -> None:
    assert run(base).verdict == "pass", f"{what}: baseline must pass"
    survivors = [p for p in spots if not rejected(run, flip(base, p))]
    assert not survivors, f"{what}: flips at {survivors[:10]} were accepted"


def swap_b64_chars(pem: bytes, count: int = 12) -> Iterator[bytes]:
    """Change one base64 character in the middle of each certificate body (length kept)."""
    lines = pem.split(b"\n")
    body = [i for i, ln in enumerate(lines) if ln and not ln.startswith(b"-----")]
    body = [i for i in body if i + 1 < len(lines) and not lines[i + 1].startswith(b"-----")]
    for i in body[:: max(1, len(body) // count)]:
        line = bytearray(lines[i])
        mid = len(line) // 2
        line[mid] = ord("B") if line[mid] != ord("B") else ord("C")
        yield b"\n".join([*lines[:i], bytes(line), *lines[i + 1 :]])


# --- SEV-SNP -----------------------------------------------------------------------------------


def test_snp_report_flips_rejected() -> None:
    root = corpus_path("attestation", "sev-snp")
    report = bytes.fromhex((root / "virtee_milan_report.hex").read_text().strip())
    vcek = (root / "virtee_milan_vcek.der").read_bytes()

    def run(data: bytes) -> AttestationResult:
        return verify_evidence(data, "snp", certs=[vcek], now=parse_instant("2024-01-01"))

    spots = [*positions(0, 0x2A0, 48), *positions(0x2A0, 0x2D0, 12), *positions(0x2E8, 0x318, 12)]
    assert_all_rejected(run, report, spots, "snp body/signature")


def test_snp_vcek_flips_rejected() -> None:
    root = corpus_path("attestation", "sev-snp")
    report = bytes.fromhex((root / "virtee_milan_report.hex").read_text().strip())
    vcek = (root / "virtee_milan_vcek.der").read_bytes()

    def run(cert: bytes) -> AttestationResult:
        return verify_evidence(report, "snp", certs=[cert], now=parse_instant("2024-01-01"))

    assert_all_rejected(run, vcek, list(positions(4, len(vcek), 40)), "VCEK certificate")


def test_snp_ask_flips_rejected() -> None:
    root = corpus_path("attestation", "sev-snp")
    report = bytes.fromhex((root / "virtee_milan_report.hex").read_text().strip())
    vcek = (root / "virtee_milan_vcek.der").read_bytes()
    bundle = (root / "amd_ask_ark_milan.pem").read_bytes()
    now = parse_instant("2024-01-01")
    assert verify_evidence(report, "snp", certs=[vcek, bundle], now=now).verdict == "pass"
    for mutated in swap_b64_chars(bundle):
        assert rejected(lambda b: verify_evidence(report, "snp", certs=[vcek, b], now=now), mutated)


# --- TDX ---------------------------------------------------------------------------------------


def test_tdx_quote_flips_rejected() -> None:
    data = corpus_path("attestation", "tdx", "trustee_tdx_quote_5.dat").read_bytes()
    quote = parse_quote(data)
    signed_end = len(quote.signed)
    sig_start = signed_end + 4
    qe_start = sig_start + 64 + 64 + 6
    auth_end = qe_start + 384 + 64 + 2 + len(quote.qe_auth_data)

    def run(raw: bytes) -> AttestationResult:
        return verify_evidence(raw, "tdx", now=parse_instant("2025-06-01"))

    spots = [
        *positions(0, signed_end, 48),  # header + TD report
        *positions(sig_start, sig_start + 128, 24),  # quote signature + attestation key
        *positions(qe_start, auth_end, 48),  # QE report, its signature, QE auth data
    ]
    assert_all_rejected(run, data, spots, "tdx quote")


def test_tdx_pck_chain_flips_rejected() -> None:
    data = corpus_path("attestation", "tdx", "trustee_tdx_quote_5.dat").read_bytes()
    pem = parse_quote(data).pck_chain_pem
    start = data.index(pem)
    now = parse_instant("2025-06-01")
    for mutated in swap_b64_chars(pem, 24):
        raw = data[:start] + mutated + data[start + len(pem) :]
        assert rejected(lambda b: verify_evidence(b, "tdx", now=now), raw)


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("gotdx_tcbinfo_fmspc50806f000000.json", "collateral.tcb_info"),
        ("gotdx_qe_identity.json", "collateral.qe_identity"),
    ],
)
def test_tdx_collateral_flips_rejected(tmp_path: Path, name: str, check: str) -> None:
    src = corpus_path("attestation", "tdx")
    quote = (src / "gotdx_quote_v4_SPR_E4.dat").read_bytes()
    folder = tmp_path / "collateral"
    folder.mkdir()
    for f in src.iterdir():
        if f.suffix in {".json", ".pem", ".der"}:
            shutil.copy(f, folder / f.name)
    original = (folder / name).read_bytes()
    now = parse_instant("2023-07-01")

    def status() -> str:
        result = verify_evidence(quote, "tdx", now=now, collateral=folder)
        return next(c.status for c in result.checks if c.name == check)

    assert status() == "pass"
    inner_end = original.index(b',"signature"')
    sig_start = inner_end + 14
    for pos in [*positions(2, inner_end, 32), *positions(sig_start, len(original) - 3, 8)]:
        if pos < sig_start:
            mutated = flip(original, pos)
        else:  # a different hex digit (a case flip would be the same signature)
            digit = b"1" if original[pos : pos + 1] == b"0" else b"0"
            mutated = original[:pos] + digit + original[pos + 1 :]
        (folder / name).write_bytes(mutated)
        with contextlib.suppress(PetgovError):
            assert status() == "fail", f"{name} flip at {pos} accepted"
    (folder / name).write_bytes(original)


def test_tdx_forged_crl_is_rejected(tmp_path: Path) -> None:
    src = corpus_path("attestation", "tdx")
    quote = (src / "gotdx_quote_v4_SPR_E4.dat").read_bytes()
    crl = (src / "gotdx_pckcrl_platform.der").read_bytes()
    forged = flip(crl, len(crl) - 10)  # inside the CRL signature
    (tmp_path / "pck.crl").write_bytes(forged)
    result = verify_evidence(quote, "tdx", now=parse_instant("2023-07-01"), collateral=tmp_path)
    assert next(c for c in result.checks if c.name == "revocation").status == "fail"


# --- NVIDIA ------------------------------------------------------------------------------------

NV_NONCE = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"


def test_nvgpu_report_and_chain_flips_rejected() -> None:
    root = corpus_path("attestation", "nvidia")
    report = bytes.fromhex((root / "nvtrust_hopper_attestation_report.hex").read_text().strip())
    chain = (root / "nvtrust_hopper_cert_chain.pem").read_bytes()
    now = parse_instant("2024-06-01")

    def run(data: bytes) -> AttestationResult:
        return verify_evidence(data, "nvgpu", certs=[chain], now=now, nonce=NV_NONCE)

    assert_all_rejected(run, report, list(positions(0, len(report), 64)), "nvgpu report")
    for mutated in swap_b64_chars(chain, 30):
        assert rejected(
            lambda c: verify_evidence(report, "nvgpu", certs=[c], now=now, nonce=NV_NONCE),
            mutated,
        )


# --- tokens ------------------------------------------------------------------------------------


def _token_spots(token: bytes) -> list[int]:
    first, second = token.index(b"."), token.rindex(b".")
    return [
        *positions(0, first, 8),
        *positions(first + 1, second, 40),
        *positions(second + 1, len(token.rstrip()) - 2, 16),
    ]


def test_maa_token_flips_rejected() -> None:
    root = corpus_path("attestation", "azure-maa")
    token = (root / "maa_sharedeus_sgx_teaclave_2023-09-26.jwt").read_bytes().strip()
    jwks = (root / "maa_sharedeus_certs_teaclave_2023-09.jwks.json").read_bytes()
    now = parse_instant("2023-09-26T18:00:00Z")

    def run(data: bytes) -> AttestationResult:
        return verify_evidence(data, "azure-maa", certs=[jwks], now=now)

    assert_all_rejected(run, token, _token_spots(token), "MAA token")


def test_gcp_pki_token_flips_rejected() -> None:
    token = corpus_path(
        "attestation", "gcp-confidential-space", "oak_cs_pki_tdx_2025-09-05.jwt"
    ).read_bytes()
    token = token.strip()
    now = parse_instant("2025-09-05T08:30:00Z")
    assert_all_rejected(
        lambda d: verify_evidence(d, "gcp-cs", now=now), token, _token_spots(token), "CS token"
    )


def test_maa_jwks_flips_rejected() -> None:
    root = corpus_path("attestation", "azure-maa")
    token = (root / "maa_sharedwus_sevsnp_cvm_2022-09-07.jwt").read_bytes()
    jwks = (root / "maa_sharedwus_certs_2022-10-07.jwks.json").read_bytes()
    now = parse_instant("2022-09-08T00:00:00Z")
    assert verify_evidence(token, "azure-maa", certs=[jwks], now=now).verdict == "pass"
    start = jwks.index(b'"MII') + 400  # inside x5c[0], away from the base64 end
    for pos in range(start, start + 4000, 160):
        mutated = bytearray(jwks)
        mutated[pos] = ord("B") if mutated[pos] != ord("B") else ord("C")
        assert rejected(
            lambda j: verify_evidence(token, "azure-maa", certs=[j], now=now), bytes(mutated)
        ), pos


# --- Nitro -------------------------------------------------------------------------------------


def test_nitro_document_flips_rejected() -> None:
    text = corpus_path("attestation", "nitro", "eternis_libtest_attestation.b64").read_bytes()
    raw = base64.b64decode(text)
    now = parse_instant("2024-09-17T20:48:11Z")
    ref = Reference(debug_allowed=True)

    def run(data: bytes) -> AttestationResult:
        return verify_evidence(data, "nitro", now=now, reference=ref)

    assert_all_rejected(run, raw, list(positions(0, len(raw), 120)), "nitro document")


def test_snp_forged_amd_crl_is_rejected(tmp_path: Path) -> None:
    """A CRL claiming to be ARK-Milan's but signed by another key fails; others are ignored."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import Encoding

    from petgov.attestation import pki

    root = corpus_path("attestation", "sev-snp")
    report = bytes.fromhex((root / "virtee_milan_report.hex").read_text().strip())
    vcek = (root / "virtee_milan_vcek.der").read_bytes()
    now = parse_instant("2024-01-01")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def crl_for(issuer: x509.Name) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer)
            .last_update(now - dt.timedelta(days=1))
            .next_update(now + dt.timedelta(days=30))
        )
        return builder.sign(key, hashes.SHA384()).public_bytes(Encoding.DER)

    def revocation() -> str:
        result = verify_evidence(report, "snp", certs=[vcek], now=now, collateral=tmp_path)
        return next(c.status for c in result.checks if c.name == "revocation")

    (tmp_path / "other.crl").write_bytes(crl_for(x509.Name.from_rfc4514_string("CN=Someone")))
    assert revocation() == "fail"  # a CRL was supplied but does not apply: fail closed
    (tmp_path / "other.crl").unlink()
    (tmp_path / "ark.crl").write_bytes(crl_for(pki.pinned_root("amd-ark-milan").subject))
    assert revocation() == "fail"
