"""Every corpus file reaches its SOURCES.md verdict, for the stated reason, at its clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from petgov.attestation.api import AttestationResult, verify_evidence
from petgov.attestation.appraisal import parse_reference
from petgov.util.clock import parse_instant
from tests.attestation.cases import CASES, Case
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus


def run_case(case: Case) -> AttestationResult:
    root = corpus_path("attestation")
    return verify_evidence(
        root / case.evidence,
        case.type,
        reference=parse_reference(case.reference) if case.reference is not None else None,
        nonce=case.nonce,
        now=parse_instant(case.now),
        certs=[root / c for c in case.certs],
        collateral=root / case.collateral if case.collateral else None,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_verdict(case: Case) -> None:
    result = run_case(case)
    failed = {c.name for c in result.checks if c.status == "fail"}
    assert result.verdict == case.verdict, [c.as_dict() for c in result.checks]
    assert failed == set(case.fails), [c.as_dict() for c in result.checks if c.status == "fail"]


def test_every_corpus_evidence_file_has_a_case() -> None:
    root = corpus_path("attestation")
    covered = {c.evidence for c in CASES}
    evidence = {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and p.suffix in {".bin", ".hex", ".dat", ".jwt", ".b64"}
    }
    evidence -= {"sev-snp/virtee_milan_report.hex"} - covered
    assert evidence <= covered, sorted(evidence - covered)


def test_snp_claims_match_sources() -> None:
    case = next(c for c in CASES if c.id == "snp-gosevguest-debug")
    claims = run_case(case).claims
    assert claims.evidence_version == "2" and claims.debug is True
    assert claims.measurements["measurement"].startswith("b07af9620f3b839b")
    assert claims.tcb["reported"] == {"bootloader": 2, "tee": 0, "snp": 5, "microcode": 68}
    assert claims.report_data is not None and claims.report_data[:6] == bytes([1, 2, 3, 4, 5, 0])
    assert claims.platform_id is not None and claims.platform_id.startswith("3ac3fe21")


def test_tdx_claims_match_sources() -> None:
    case = next(c for c in CASES if c.id == "tdx-v4-no-tcb-level")
    claims = run_case(case).claims
    assert claims.measurements["mrtd"].startswith("6363b8043668a3ad")
    assert claims.platform_id == "50806f000000"
    assert claims.tcb_status == "NoMatchingLevel"
    assert claims.extra["td_attributes"] == "0000000040000000"


def test_token_claims_normalized() -> None:
    gcp = run_case(next(c for c in CASES if c.id == "gcp-pki-tdx")).claims
    assert gcp.hardware_model == "GCP_INTEL_TDX" and gcp.debug is False
    assert gcp.secure_boot is True and gcp.tcb_status == "UpToDate"
    assert gcp.image_digest == (
        "sha256:e2e5e3672f416ac9ca71aa639abf86db0b713729a48c125a925af6c808b20b5d"
    )
    maa = run_case(next(c for c in CASES if c.id == "maa-snp-valid")).claims
    assert maa.tee_type == "sevsnpvm" and maa.debug is False
    assert maa.measurements["launch_measurement"].startswith("ad6de16a")
    assert maa.nonce == b"1234"
    sgx = run_case(next(c for c in CASES if c.id == "maa-sgx-valid"))
    assert {"name": "runtime_data", "status": "pass"}.items() <= next(
        c.as_dict() for c in sgx.checks if c.name == "runtime_data"
    ).items()


def test_nitro_claims_expose_nonce_and_key() -> None:
    result = run_case(next(c for c in CASES if c.id == "nitro-example-allowed"))
    assert result.nonce == bytes(19) + b"\x01"
    assert result.claims.public_key == b"dummy"
    assert result.public_key_spki_sha256 is None  # "dummy" is not a key: nothing is bound
    assert result.claims.measurements["pcr4"].startswith("d352cfa3")


def test_certs_path_reads_real_files(tmp_path: Path) -> None:
    """A reference file's relative certs/collateral paths resolve beside it."""
    root = corpus_path("attestation")
    ref = tmp_path / "ref.yaml"
    ref.write_text(
        f"certs: ['{root / 'sev-snp/virtee_milan_vcek.der'}']\n"
        "min_tcb: {bootloader: 3, tee: 0, snp: 8, microcode: 115}\n"
        "measurements:\n  measurement:\n"
        "    - 7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d"
        "3e1a0dc39b2c60bd95b9c480cd81841f\n"
        "max_vmpl: 0\nstrict: true\ntolerate_skipped: [revocation, nonce]\n"
    )
    result = verify_evidence(
        root / "sev-snp/virtee_milan_report.hex",
        "snp",
        reference=ref,
        now=parse_instant("2024-01-01"),
    )
    assert result.verdict == "pass", [c.as_dict() for c in result.checks]
    statuses = {c.name: c.status for c in result.checks}
    assert statuses["tcb.minimum"] == "pass" and statuses["measurements"] == "pass"


def test_maa_exposes_the_runtime_key_for_key_release() -> None:
    import base64
    import hashlib
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    case = next(c for c in CASES if c.id == "maa-snp-valid")
    token = corpus_path("attestation", case.evidence).read_text().strip()
    body = token.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    jwk = next(
        k for k in payload["x-ms-runtime"]["keys"] if k["kid"] == "TpmEphemeralEncryptionKey"
    )

    def num(text: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

    der = (
        rsa.RSAPublicNumbers(num(jwk["e"]), num(jwk["n"]))
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert run_case(case).public_key_spki_sha256 == hashlib.sha256(der).hexdigest()


def test_tdx_module_identity_logic_on_a_real_v5_quote() -> None:
    """Module version 1 quotes select TDX_01 from tdxModuleIdentities (values taken from the
    quote itself, so only the selection and comparison logic is under test)."""
    from petgov.attestation.interface import CheckList
    from petgov.attestation.tdx import TdxVerifier, parse

    quote = parse(corpus_path("attestation", "tdx", "trustee_tdx_quote_5.dat").read_bytes())
    svn = quote.body.tee_tcb_svn
    assert svn[1] == 1
    ident = {
        "id": "TDX_01",
        "mrsigner": quote.body.mrsignerseam.hex(),
        "attributes": "0000000000000000",
        "attributesMask": "FFFFFFFFFFFFFFFF",
        "tcbLevels": [
            {"tcb": {"isvsvn": svn[0] + 1}, "tcbStatus": "UpToDate"},
            {"tcb": {"isvsvn": svn[0]}, "tcbStatus": "OutOfDate"},
        ],
    }
    checks = CheckList()
    TdxVerifier()._module_identity(quote, [ident], checks)
    assert checks.items[-1].status == "fail" and "OutOfDate" in checks.items[-1].detail
    ident["tcbLevels"] = [{"tcb": {"isvsvn": svn[0]}, "tcbStatus": "UpToDate"}]
    TdxVerifier()._module_identity(quote, [ident], checks)
    assert checks.items[-1].status == "pass"
    ident["mrsigner"] = "11" * 48
    TdxVerifier()._module_identity(quote, [ident], checks)
    assert checks.items[-1].status == "fail"
    TdxVerifier()._module_identity(quote, [{**ident, "id": "TDX_03"}], checks)
    assert checks.items[-1].status == "fail"
