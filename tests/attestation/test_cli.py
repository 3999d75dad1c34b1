"""`petgov attest verify` through the real entry point: exit codes and the JSON contract."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, corpus_path

pytestmark = pytest.mark.corpus
Cli = Callable[..., CliResult]


def test_pass_is_exit_0_with_json_contract(cli: Cli) -> None:
    root = corpus_path("attestation")
    res = cli(
        "attest",
        "verify",
        str(root / "sev-snp/virtee_milan_report.hex"),
        "--type",
        "snp",
        "--certs",
        str(root / "sev-snp/virtee_milan_vcek.der"),
        "--now",
        "2024-01-01",
        "--format",
        "json",
    )
    assert res.code == 0, res.stderr
    doc = res.json()
    assert set(doc) == {"verdict", "warnings", "type", "type_detected", "claims", "checks"}
    assert doc["warnings"] == ["unfresh", "revocation unchecked", "measurements unchecked"]
    assert doc["verdict"] == "pass" and doc["type"] == "snp"
    for check in doc["checks"]:
        assert set(check) == {"name", "status", "detail"}
        assert check["status"] in {"pass", "fail", "skipped"}
    assert doc["claims"]["debug"] is False


def test_fail_is_exit_1_and_names_the_check(cli: Cli) -> None:
    root = corpus_path("attestation")
    res = cli(
        "attest",
        "verify",
        str(root / "tdx/trustee_tdx_quote_4_debug.dat"),
        "--type",
        "tdx",
        "--now",
        "2024-06-01",
    )
    assert res.code == 1
    assert "FAIL" in res.stdout and "debug enabled" in res.stdout


def test_strict_turns_skipped_into_fail(cli: Cli) -> None:
    root = corpus_path("attestation")
    args = (
        "attest",
        "verify",
        str(root / "tdx/trustee_tdx_quote_5.dat"),
        "--type",
        "tdx",
        "--now",
        "2025-06-01",
        "-f",
        "json",
    )
    assert cli(*args).code == 0
    strict = cli(*args, "--strict")
    assert strict.code == 1
    failed = [c for c in strict.json()["checks"] if c["status"] == "fail"]
    assert failed and all(c["detail"].startswith("required but skipped") for c in failed)


def test_wrong_type_is_exit_2_one_line(cli: Cli) -> None:
    root = corpus_path("attestation")
    res = cli(
        "attest", "verify", str(root / "nitro/eternis_example_attestation.b64"), "--type", "tdx"
    )
    assert res.code == 2
    assert "Traceback" not in res.stderr and res.stderr.count("\n") == 1


def test_missing_file_and_bad_reference_are_exit_2(cli: Cli, tmp_path: Path) -> None:
    assert cli("attest", "verify", str(tmp_path / "nope"), "--type", "snp").code == 2
    ref = tmp_path / "ref.yaml"
    ref.write_text("debug: forbid\nmeasurment: {}\n")  # typo: unknown keys are rejected
    evidence = tmp_path / "report.bin"
    evidence.write_bytes(bytes(0x4A0))
    res = cli("attest", "verify", str(evidence), "--type", "snp", "--reference", str(ref))
    assert res.code == 2 and "unknown keys" in res.stderr
    assert cli("attest", "verify", str(evidence), "--type", "sgx").code == 2
