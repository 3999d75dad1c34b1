"""The reference file and verdict logic, on real evidence claims."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from petgov.attestation.api import verify_evidence
from petgov.attestation.appraisal import Reference, load_reference, parse_reference
from petgov.attestation.interface import ReferenceFileError
from petgov.cleanroom.config import CleanRoom
from petgov.errors import UsageError
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus
VIRTEE_MEASUREMENT = (
    "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d"
    "3e1a0dc39b2c60bd95b9c480cd81841f"
)
JAN = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def snp(reference: Reference | None = None, **kw: object) -> dict[str, str]:
    root = corpus_path("attestation", "sev-snp")
    result = verify_evidence(
        root / "virtee_milan_report.hex",
        "snp",
        certs=[root / "virtee_milan_vcek.der"],
        now=JAN,
        reference=reference,
        **kw,  # type: ignore[arg-type]
    )
    statuses = {c.name: c.status for c in result.checks}
    statuses["verdict"] = result.verdict
    return statuses


def test_unknown_and_mistyped_keys_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ReferenceFileError, match="unknown keys"):
        parse_reference({"debgu": "allow"})
    with pytest.raises(ReferenceFileError, match="debug"):
        parse_reference({"debug": "sometimes"})
    with pytest.raises(ReferenceFileError, match="min_tcb"):
        parse_reference({"min_tcb": {"snp": "eight"}})
    with pytest.raises(ReferenceFileError, match="type"):
        parse_reference({"type": "sgx"})
    bad = tmp_path / "ref.yaml"
    bad.write_text("measurements: [\n")
    with pytest.raises(ReferenceFileError, match="YAML"):
        load_reference(bad)


def test_measurement_allow_list_and_min_tcb() -> None:
    ok = Reference(
        measurements={"measurement": (VIRTEE_MEASUREMENT,)},
        min_tcb={"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115},
    )
    assert snp(ok)["verdict"] == "pass"
    assert snp(ok)["measurements"] == "pass" and snp(ok)["tcb.minimum"] == "pass"
    other = Reference(measurements={"measurement": ("00" * 48,)})
    assert snp(other)["measurements"] == "fail" and snp(other)["verdict"] == "fail"
    newer = Reference(min_tcb={"snp": 9})
    assert snp(newer)["tcb.minimum"] == "fail"


def test_snp_guest_policy_checks() -> None:
    # virtee policy 0x30000: SMT allowed, no migration agent, VMPL 0
    assert snp(Reference(smt_allowed=False))["smt"] == "fail"
    assert snp(Reference(max_vmpl=0))["vmpl"] == "pass"
    assert snp()["migration_agent"] == "pass"


def test_nonce_and_report_data_binding() -> None:
    # the nonce is compared with the whole 64-byte report data, never with a prefix of it
    root = corpus_path("attestation", "sev-snp")
    claims = verify_evidence(
        root / "virtee_milan_report.hex", "snp", certs=[root / "virtee_milan_vcek.der"], now=JAN
    ).claims
    whole = claims.report_data
    assert whole is not None and len(whole) == 64 and any(whole[32:])
    assert snp(nonce=whole.hex())["nonce"] == "pass"
    assert snp(nonce=whole[:32].hex())["nonce"] == "fail"  # the second half is not zero
    assert snp(nonce=flip_last(whole).hex())["nonce"] == "fail"
    assert snp(Reference(nonce_required=True))["nonce"] == "fail"
    assert snp(Reference(report_data=whole))["report_data"] == "pass"
    assert snp(Reference(report_data=flip_last(whole)))["report_data"] == "fail"


def flip_last(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


@pytest.mark.parametrize("nonce", ["", "d4", "d447b55d197491bf", "00" * 15, "00" * 48])
def test_short_or_partial_nonce_is_a_usage_error(nonce: str) -> None:
    with pytest.raises(UsageError, match="--nonce"):
        snp(nonce=nonce)


def test_reference_report_data_must_be_a_whole_field() -> None:
    with pytest.raises(ReferenceFileError, match="report_data is 8 bytes"):
        parse_reference({"report_data": "d447b55d197491bf"})


def test_skipped_checks_only_fail_when_required() -> None:
    assert snp()["verdict"] == "pass"
    assert snp()["revocation"] == "skipped"
    assert snp(Reference(require=("revocation",)))["revocation"] == "fail"
    strict = snp(Reference(strict=True, tolerate_skipped=("revocation", "nonce", "vmpl")))
    assert strict["tcb.minimum"] == "fail" and strict["measurements"] == "fail"
    assert strict["revocation"] == "skipped"
    assert snp(strict=True)["verdict"] == "fail"


def test_reference_for_another_type_is_a_reference_error() -> None:
    with pytest.raises(ReferenceFileError, match="type tdx does not match --type snp"):
        snp(Reference(evidence_type="tdx"))


def test_empty_reference_file_is_an_error(tmp_path: Path) -> None:
    for text in ("", "# only a comment\n", "null\n"):
        empty = tmp_path / "ref.yaml"
        empty.write_text(text)
        with pytest.raises(ReferenceFileError, match="empty"):
            load_reference(empty, empty_ok=False)
        assert load_reference(empty) == Reference(source=empty)  # the clean room's own check


def test_gpu_reference_manifest_compared_when_given() -> None:
    root = corpus_path("attestation", "nvidia")
    common = {
        "certs": [root / "nvtrust_hopper_cert_chain.pem"],
        "now": JAN,
    }
    good = Reference(
        measurements={
            "measurement2": (
                "8048dfd18fe229bf16eb9d30cca0f11a24dafe6eb731de1462984645a0b189b7"
                "7c4e4e17de727a5e19e3d07de51da338",
            )
        }
    )
    res = verify_evidence(
        root / "nvtrust_hopper_attestation_report.hex", "nvgpu", reference=good, **common
    )  # type: ignore[arg-type]
    assert {c.name: c.status for c in res.checks}["reference_manifest"] == "pass"
    bad = Reference(measurements={"measurement2": ("00" * 48,)})
    res = verify_evidence(
        root / "nvtrust_hopper_attestation_report.hex", "nvgpu", reference=bad, **common
    )  # type: ignore[arg-type]
    assert res.verdict == "fail"


def test_gcp_image_digest_and_support_attributes() -> None:
    token = corpus_path("attestation", "gcp-confidential-space", "oak_cs_pki_tdx_2025-09-05.jwt")
    now = dt.datetime(2025, 9, 5, 8, 30, tzinfo=dt.timezone.utc)
    digest = "sha256:e2e5e3672f416ac9ca71aa639abf86db0b713729a48c125a925af6c808b20b5d"
    ref = Reference(
        image_digests=(digest,),
        support_attributes=("STABLE",),
        audiences=("z08381475938604996746",),
        hardware_models=("GCP_INTEL_TDX",),
        secure_boot_required=True,
    )
    assert verify_evidence(token, "gcp-cs", reference=ref, now=now).verdict == "pass"
    wrong = Reference(image_digests=("sha256:" + "0" * 64,), audiences=("https://other",))
    res = verify_evidence(token, "gcp-cs", reference=wrong, now=now)
    failed = {c.name for c in res.checks if c.status == "fail"}
    assert failed == {"image_digest", "token.audience"}


def test_cleanroom_appraiser_returns_binding_fields(tmp_path: Path) -> None:
    from petgov.cleanroom.engines import appraise

    evidence = corpus_path("attestation", "nitro", "eternis_libtest_attestation.b64")
    ref = tmp_path / "ref.yaml"
    ref.write_text("type: nitro\ndebug: allow\n")
    room = CleanRoom("r", str(tmp_path / "dest"), "nitro", ref, tmp_path / "state")
    now = dt.datetime(2024, 9, 17, 20, 48, 11, tzinfo=dt.timezone.utc)
    strict = appraise(evidence, room, "00" * 19 + "01", now)
    assert strict.verdict == "fail"  # the gate is strict: skipped revocation/measurements fail
    assert {c["name"] for c in strict.checks if c["status"] == "fail"} == {
        "revocation",
        "measurements",
    }
    ref.write_text("type: nitro\ndebug: allow\ntolerate_skipped: [revocation, measurements]\n")
    result = appraise(evidence, room, "00" * 19 + "01", now)
    assert result.verdict == "pass"
    assert result.nonce == bytes(19) + b"\x01"
    stale = appraise(evidence, room, "ff" * 20, now)
    assert stale.verdict == "fail"

    root = corpus_path("attestation", "sev-snp")
    snp_ref = tmp_path / "snp.yaml"
    snp_ref.write_text(f"type: snp\nstrict: false\ncerts: ['{root / 'virtee_milan_vcek.der'}']\n")
    room = CleanRoom("s", str(tmp_path / "dest"), "snp", snp_ref, tmp_path / "state")
    result = appraise(root / "virtee_milan_report.hex", room, "ab" * 16, JAN)
    assert result.verdict == "pass"
    assert result.report_data is not None and result.report_data.hex().startswith("d447b55d")
    nonce_check = next(c for c in result.checks if c["name"] == "nonce")
    assert "key binding" in nonce_check["detail"]


@pytest.mark.parametrize("value", ["0x7a1e", "7a:1e", "zz", "7a1", "7a1e5c26..."])
def test_measurement_values_must_be_hex(value: str) -> None:
    """A value that is not plain hex can never equal a claim: refuse the file, not the TEE."""
    with pytest.raises(ReferenceFileError, match="is not a hex value"):
        parse_reference({"version": 1, "measurements": {"pcr0": [value]}})
    ok = parse_reference({"version": 1, "measurements": {"pcr0": ["7A1E"]}})
    assert ok.measurements == {"pcr0": ("7a1e",)}
