"""Material the user supplied that does not fit fails the check; "skipped" means nothing given.

Real corpus evidence throughout; the "other platform" collateral is the real go-tdx-guest TCB
Info (FMSPC 50806f000000) given for quotes of other platforms, and the mismatched CRLs are the
real Intel CRLs given for AMD evidence.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from petgov.attestation.api import AttestationResult, verify_evidence
from petgov.errors import UsageError
from tests.conftest import CliResult, corpus_path

pytestmark = pytest.mark.corpus
Cli = Callable[..., CliResult]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)


def statuses(result: AttestationResult) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for check in result.checks:
        out.setdefault(check.name, (check.status, check.detail))
    return out


def tdx(name: str, collateral: Path | None, now: str = "2023-07-01") -> AttestationResult:
    return verify_evidence(
        corpus_path("attestation", "tdx", name), "tdx", collateral=collateral, now=at(now)
    )


def collateral_copy(tmp: Path, *names: str) -> Path:
    folder = tmp / "collateral"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(corpus_path("attestation", "tdx", name), folder / name)
    return folder


def test_tcb_info_for_another_fmspc_fails_naming_both() -> None:
    # the COS-113 quote is FMSPC 00806f050000; the corpus folder holds TCB Info for 50806f000000
    result = tdx("gotdx_cos113_quote_v4.dat", corpus_path("attestation", "tdx"), "2023-07-10")
    checks = statuses(result)
    status, detail = checks["collateral.tcb_info"]
    assert status == "fail" and result.verdict == "fail"
    assert "50806f000000" in detail and "00806f050000" in detail
    assert checks["tcb.level"][0] == "fail"


def test_tcb_info_for_another_pce_id_fails(tmp_path: Path) -> None:
    info = "gotdx_tcbinfo_fmspc50806f000000.json"
    folder = collateral_copy(tmp_path, info, "gotdx_tcb_signing_chain.pem")
    path = folder / info
    path.write_bytes(path.read_bytes().replace(b'"pceId":"0000"', b'"pceId":"0001"'))
    assert b'"pceId":"0001"' in path.read_bytes()
    status, detail = statuses(tdx("gotdx_quote_v4_SPR_E4.dat", folder))["collateral.tcb_info"]
    assert status == "fail" and "PCE id 0001" in detail and "PCE id 0000" in detail


def test_no_tcb_info_at_all_is_skipped_not_failed(tmp_path: Path) -> None:
    folder = collateral_copy(tmp_path, "gotdx_rootcrl.der", "gotdx_pckcrl_platform.der")
    checks = statuses(tdx("gotdx_quote_v4_SPR_E4.dat", folder))
    assert checks["collateral.tcb_info"][0] == "skipped"
    assert checks["revocation"][0] == "pass"


def test_crls_that_do_not_cover_the_pck_chain_fail(tmp_path: Path) -> None:
    # only the root CRL: the PCK leaf's issuer (Platform CA) has no CRL, so revocation fails
    folder = collateral_copy(tmp_path, "gotdx_rootcrl.der")
    status, detail = statuses(tdx("gotdx_quote_v4_SPR_E4.dat", folder))["revocation"]
    assert status == "fail" and "no CRL from Intel SGX PCK Platform CA" in detail


def test_intel_crl_given_for_amd_evidence_fails(tmp_path: Path) -> None:
    folder = collateral_copy(tmp_path, "gotdx_rootcrl.der")
    root = corpus_path("attestation", "sev-snp")
    result = verify_evidence(
        root / "virtee_milan_report.hex",
        "snp",
        certs=[root / "virtee_milan_vcek.der"],
        collateral=folder,
        now=at("2024-01-01"),
    )
    status, detail = statuses(result)["revocation"]
    assert status == "fail" and "Intel SGX Root CA" in detail and result.verdict == "fail"


def test_jwks_without_the_token_kid_fails() -> None:
    root = corpus_path("attestation", "azure-maa")
    result = verify_evidence(
        root / "maa_sharedeus_sgx_teaclave_2023-09-26.jwt",
        "azure-maa",
        certs=[root / "maa_sharedwus_certs_2022-10-07.jwks.json"],
        now=at("2023-09-26T18:00:00"),
    )
    status, detail = statuses(result)["signature"]
    assert status == "fail" and "not in pinned JWKS" in detail


def nvgpu(nonce: str) -> AttestationResult:
    root = corpus_path("attestation", "nvidia")
    return verify_evidence(
        root / "nvtrust_hopper_attestation_report.hex",
        "nvgpu",
        certs=[root / "nvtrust_hopper_cert_chain.pem"],
        nonce=nonce,
        now=at("2024-06-01"),
    )


def test_nonce_field_is_compared_whole() -> None:
    full = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"
    assert statuses(nvgpu(full))["nonce"][0] == "pass"
    assert statuses(nvgpu(full[:32]))["nonce"][0] == "fail"  # 16-byte prefix: not the nonce
    with pytest.raises(UsageError, match="at least 16"):
        nvgpu(full[:2])
    with pytest.raises(UsageError, match="empty"):
        nvgpu("")


def test_cli_empty_and_short_nonce_are_exit_2(cli: Cli) -> None:
    root = corpus_path("attestation", "sev-snp")
    base = (
        "attest",
        "verify",
        str(root / "gosevguest_milan_attestation.bin"),
        "--type",
        "snp",
        "--certs",
        str(root / "gosevguest_milan_vcek.der"),
        "--now",
        "2022-09-24T01:00:00Z",
    )
    for nonce in ("", "01", "0102030405"):
        res = cli(*base, "--nonce", nonce)
        assert res.code == 2 and res.stderr.count("\n") == 1, (nonce, res.stderr)


def test_pass_line_names_what_was_skipped(cli: Cli) -> None:
    root = corpus_path("attestation", "sev-snp")
    report = root / "virtee_milan_report.hex"
    args = ["attest", "verify", str(report), "--type", "snp", "--now", "2024-01-01"]
    args += ["--certs", str(root / "virtee_milan_vcek.der")]
    res = cli(*args)
    assert res.code == 0
    first = res.stdout.splitlines()[0]
    assert "PASS (unfresh, revocation unchecked, measurements unchecked)" in first
    claims = verify_evidence(
        report, "snp", certs=[root / "virtee_milan_vcek.der"], now=at("2024-01-01")
    ).claims
    assert claims.report_data is not None
    fresh = cli(*args, "--nonce", claims.report_data.hex(), "-f", "json").json()
    assert fresh["verdict"] == "pass" and "unfresh" not in fresh["warnings"]


def test_fail_detail_differs_from_pass_detail_for_signatures(tmp_path: Path) -> None:
    quote = corpus_path("attestation", "tdx", "trustee_tdx_quote_5.dat").read_bytes()
    good = verify_evidence(quote, "tdx", now=at("2025-06-01"))
    bad = bytearray(quote)
    bad[700] ^= 1  # inside the quote signature (the signed part ends at 48 + 2 + 4 + 648)
    tampered = verify_evidence(bytes(bad), "tdx", now=at("2025-06-01"))
    assert statuses(good)["signature"][0] == "pass"
    assert statuses(tampered)["signature"][0] == "fail"
    assert statuses(good)["signature"][1] != statuses(tampered)["signature"][1]
    assert "does not verify" in statuses(tampered)["signature"][1]

    root = corpus_path("attestation", "azure-maa")
    token = (root / "maa_sharedeus_sgx_teaclave_2023-09-26.jwt").read_text().strip()
    head, body, sig = token.split(".")
    forged = f"{head}.{body}.{sig[:10]}{'A' if sig[10] != 'A' else 'B'}{sig[11:]}"
    jwks = [root / "maa_sharedeus_certs_teaclave_2023-09.jwks.json"]
    now = at("2023-09-26T18:00:00")
    ok = statuses(verify_evidence(token.encode(), "azure-maa", certs=jwks, now=now))["signature"]
    no = statuses(verify_evidence(forged.encode(), "azure-maa", certs=jwks, now=now))["signature"]
    assert ok[0] == "pass" and no[0] == "fail" and ok[1] != no[1]


def test_reference_of_another_type_and_empty_reference_are_exit_2(cli: Cli, tmp_path: Path) -> None:
    root = corpus_path("attestation", "sev-snp")
    ref = tmp_path / "ref.yaml"
    base = ["attest", "verify", str(root / "virtee_milan_report.hex"), "--type", "snp"]
    base += ["--certs", str(root / "virtee_milan_vcek.der"), "--reference", str(ref)]
    ref.write_text(json.dumps({"version": 1, "type": "tdx"}))
    res = cli(*base)
    assert res.code == 2 and "does not match --type snp" in res.stderr
    ref.write_text("")
    res = cli(*base)
    assert res.code == 2 and "empty" in res.stderr


def test_material_a_type_never_reads_is_a_usage_error() -> None:
    root = corpus_path("attestation")
    with pytest.raises(UsageError, match="--certs is not used for tdx"):
        verify_evidence(
            root / "tdx" / "trustee_tdx_quote_5.dat",
            "tdx",
            certs=[root / "tdx" / "intel_sgx_root_ca.pem"],
            now=at("2025-06-01"),
        )
    with pytest.raises(UsageError, match="--collateral is not used for nitro"):
        verify_evidence(
            root / "nitro" / "eternis_libtest_attestation.b64",
            "nitro",
            collateral=root / "tdx",
            now=at("2024-09-17T20:48:11"),
        )
