"""Azure confidential VM evidence (HCL report, runtime JSON, vTPM quote) end to end.

Vectors: tests/attestation/vectors/azure-vtpm (sources and verdicts in vectors/SOURCES.md).
Every single-bit flip in the HCL report, the runtime JSON, the TPM quote message, its signature
and the PCR values must be rejected; the one documented exception is the TD report's MAC.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.attestation.api import AttestationResult, verify_evidence
from petgov.attestation.azure_vtpm import HCL_DATA, RUNTIME_DATA, parse_hcl
from petgov.errors import PetgovError
from petgov.util.clock import parse_instant
from tests.conftest import CliResult

VECTORS = Path(__file__).parent / "vectors" / "azure-vtpm"
SNP_V2 = VECTORS / "trustee_az-snp-vtpm_evidence-v2.json"
TDX_V1 = VECTORS / "trustee_az-tdx-vtpm_evidence-v1.json"
NOW = parse_instant("2025-06-01T00:00:00Z")
V2_NONCE = (
    "982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9a"
    "a398f647caa2338748cd0fd9f5f819ef"
)


def run(evidence: Path | bytes, kind: str, **kw: Any) -> AttestationResult:
    return verify_evidence(evidence, kind, now=NOW, **kw)


def statuses(result: AttestationResult) -> dict[str, str]:
    out: dict[str, str] = {}
    for check in result.checks:
        out.setdefault(check.name, check.status)
    return out


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("trustee_az-snp-vtpm_evidence-v2.json", "az-snp-vtpm"),
        ("trustee_az-snp-vtpm_evidence-v1.json", "az-snp-vtpm"),
        ("trustee_az-snp-vtpm_evidence-v0.json", "az-snp-vtpm"),
        ("trustee_az-snp-vtpm_evidence-genoa.json", "az-snp-vtpm"),
        ("trustee_az-tdx-vtpm_evidence-v1.json", "az-tdx-vtpm"),
        ("trustee_az-tdx-vtpm_evidence-v0.json", "az-tdx-vtpm"),
    ],
)
def test_real_azure_evidence_verifies_end_to_end(name: str, kind: str) -> None:
    result = run(VECTORS / name, kind)
    checks = statuses(result)
    assert result.verdict == "pass", [c.as_dict() for c in result.checks]
    for needed in ("signature", "chain", "runtime_data", "tpm.quote", "tpm.pcrs", "debug"):
        assert checks[needed] == "pass", needed
    assert checks["hcl.vmpl" if kind == "az-snp-vtpm" else "hcl.td_report"] == "pass"
    assert len([m for m in result.claims.measurements if m.startswith("pcr")]) == 24
    assert result.claims.secure_boot is True


def test_claims_match_the_sources() -> None:
    snp = run(SNP_V2, "az-snp-vtpm").claims
    assert snp.nonce is not None and snp.nonce.hex() == V2_NONCE
    assert snp.report_data is not None and snp.report_data.hex().startswith(V2_NONCE)
    assert snp.hardware_model == "milan" and snp.tcb["reported"]["snp"] == 24
    tdx = run(TDX_V1, "az-tdx-vtpm").claims
    assert tdx.nonce == b"challenge" and tdx.platform_id
    assert tdx.measurements["pcr0"].startswith("782b20b10f55cc46")
    assert tdx.tcb["fmspc"] == "00806f050000"
    genoa = run(VECTORS / "trustee_az-snp-vtpm_evidence-genoa.json", "az-snp-vtpm").claims
    assert genoa.hardware_model == "genoa"


def test_nonce_is_the_tpm_quote_extra_data() -> None:
    assert statuses(run(SNP_V2, "az-snp-vtpm", nonce=V2_NONCE))["nonce"] == "pass"
    assert statuses(run(SNP_V2, "az-snp-vtpm", nonce=V2_NONCE[:-2] + "00"))["nonce"] == "fail"
    assert statuses(run(SNP_V2, "az-snp-vtpm", nonce=V2_NONCE[:64]))["nonce"] == "fail"


def test_pcrs_are_reference_values() -> None:
    from petgov.attestation.appraisal import Reference

    claims = run(SNP_V2, "az-snp-vtpm").claims
    good = Reference(measurements={"pcr7": (claims.measurements["pcr7"],)})
    assert run(SNP_V2, "az-snp-vtpm", reference=good).verdict == "pass"
    bad = Reference(measurements={"pcr7": ("00" * 32,)})
    assert statuses(run(SNP_V2, "az-snp-vtpm", reference=bad))["measurements"] == "fail"


def test_wrong_product_chain_and_other_chip_vcek_fail() -> None:
    from tests.conftest import corpus_path

    milan = corpus_path("attestation", "sev-snp", "amd_ask_ark_milan.pem")
    genoa = run(VECTORS / "trustee_az-snp-vtpm_evidence-genoa.json", "az-snp-vtpm", certs=[milan])
    assert statuses(genoa)["chain"] == "fail"
    raw = run(
        VECTORS / "azcvm_hcl-report-snp.bin",
        "az-snp-vtpm",
        certs=[VECTORS / "azcvm_certs.pem"],
    )
    checks = statuses(raw)
    assert raw.verdict == "fail" and checks["signature"] == "fail"
    assert checks["runtime_data"] == "pass" and checks["tpm.quote"] == "skipped"


def test_hcl_report_names_what_it_is(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    hcl = tmp_path / "hcl.bin"
    hcl.write_bytes(json_doc(SNP_V2)["hcl"])
    for kind in ("snp", "tdx"):
        res = cli("attest", "verify", str(hcl), "--type", kind)
        assert res.code == 2 and "Azure confidential VM evidence" in res.stderr, res.stderr
        assert "1095517000" not in res.stderr
    res = cli("attest", "verify", str(SNP_V2), "--type", "snp")
    assert res.code == 2 and "az-snp-vtpm" in res.stderr
    res = cli("attest", "verify", str(SNP_V2), "--type", "az-tdx-vtpm")
    assert res.code == 2 and "use --type az-snp-vtpm" in res.stderr
    res = cli(
        "attest", "verify", str(VECTORS / "azcvm_hcl-report-tdx.bin"), "--type", "az-tdx-vtpm"
    )
    assert res.code == 2 and "td_quote" in res.stderr


def test_cli_passes_v2_with_nonce(cli: Callable[..., CliResult]) -> None:
    args = ["attest", "verify", str(SNP_V2), "--type", "az-snp-vtpm", "--now", "2025-06-01"]
    res = cli(*args, "--nonce", V2_NONCE, "-f", "json")
    assert res.code == 0, res.stdout
    assert res.json()["warnings"] == ["revocation unchecked", "measurements unchecked"]


# --- tampering ---------------------------------------------------------------------------------


def json_doc(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text())
    doc["hcl"] = base64.urlsafe_b64decode(doc["hcl_report"] + "==")
    return doc


def with_hcl(doc: dict[str, Any], hcl: bytes) -> bytes:
    out = {k: v for k, v in doc.items() if k != "hcl"}
    out["hcl_report"] = base64.urlsafe_b64encode(hcl).decode().rstrip("=")
    return json.dumps(out).encode()


def rejected(data: bytes, kind: str) -> bool:
    try:
        return run(data, kind).verdict == "fail"
    except PetgovError:
        return True


def flip(data: bytes, pos: int) -> bytes:
    out = bytearray(data)
    out[pos] ^= 1 << (pos % 8)
    return bytes(out)


def test_every_hcl_region_flip_is_rejected_snp() -> None:
    doc = json_doc(SNP_V2)
    hcl = doc["hcl"]
    var_end = RUNTIME_DATA + len(parse_hcl(hcl).runtime_data)
    spots = [
        *range(0, 32),  # header
        *range(32, 32 + 0x2A0, 29),  # signed SNP report body
        *range(32 + 0x2A0, 32 + 0x330, 11),  # its signature
        *range(32 + 0x330, HCL_DATA, 37),  # unsigned reserved bytes (must stay zero)
        *range(HCL_DATA, RUNTIME_DATA),  # runtime-data header
        *range(RUNTIME_DATA, var_end, 13),  # runtime JSON
        *range(var_end, len(hcl), 17),  # zero padding
    ]
    assert not rejected(with_hcl(doc, hcl), "az-snp-vtpm")
    survivors = [p for p in spots if not rejected(with_hcl(doc, flip(hcl, p)), "az-snp-vtpm")]
    assert not survivors


def test_every_tpm_quote_flip_is_rejected() -> None:
    doc = json.loads(SNP_V2.read_text())
    quote = doc["tpm_quote"]

    def mutated(field: str, index: int | None, pos: int) -> bytes:
        copy = json.loads(json.dumps(doc))
        target = copy["tpm_quote"]
        raw = bytes.fromhex(target[field] if index is None else target[field][index])
        value = flip(raw, pos).hex()
        if index is None:
            target[field] = value
        else:
            target[field][index] = value
        return json.dumps(copy).encode()

    cases = [("message", None, p) for p in range(len(bytes.fromhex(quote["message"])))]
    cases += [("signature", None, p) for p in range(0, 256, 7)]
    cases += [("pcrs", i, (i * 5) % 32) for i in range(24)]
    survivors = [c for c in cases if not rejected(mutated(*c), "az-snp-vtpm")]
    assert not survivors


def test_tdx_hcl_flips_rejected_except_the_mac() -> None:
    doc = json.loads(TDX_V1.read_text())
    hcl = base64.urlsafe_b64decode(doc["hcl_report"] + "==")

    def data(raw: bytes) -> bytes:
        return json.dumps({**doc, "hcl_report": base64.urlsafe_b64encode(raw).decode()}).encode()

    mac = range(32 + 224, 32 + 256)  # REPORTMACSTRUCT.MAC: checkable only by the TDX module
    spots = [p for p in range(0, RUNTIME_DATA + 40, 3) if p not in mac]
    survivors = [p for p in spots if not rejected(data(flip(hcl, p)), "az-tdx-vtpm")]
    assert not survivors
    td_quote = bytearray(base64.urlsafe_b64decode(doc["td_quote"] + "=="))
    td_quote[48 + 520] ^= 1  # report data inside the signed TD quote body
    changed = {**doc, "td_quote": base64.urlsafe_b64encode(bytes(td_quote)).decode()}
    assert rejected(json.dumps(changed).encode(), "az-tdx-vtpm")


@pytest.mark.parametrize("binding", ["nonce-and-key", "unbound"])
def test_cleanroom_accepts_azure_cvm_evidence(
    tmp_path: Path, cli: Callable[..., CliResult], binding: str
) -> None:
    from tests.cleanroom.test_promote_attested import _challenge, _setup

    now = "2025-06-01T00:00:00Z"
    room = (
        '[cleanrooms.az]\ndestination = "releases"\nevidence = "az-snp-vtpm"\n'
        f'reference = "ref.yaml"\nrequire_signature = false\nbinding = "{binding}"\n'
    )
    _, model, cfg = _setup(tmp_path, room)
    (tmp_path / "ref.yaml").write_text(
        "version: 1\ntype: az-snp-vtpm\n"
        "tolerate_skipped: [revocation, measurements, tcb.minimum, vmpl]\n"
    )
    nonce = _challenge(cli, cfg, "az", now)
    res = cli(
        "cleanroom",
        "promote",
        str(model),
        "--to",
        "az",
        "--evidence",
        str(SNP_V2),
        "--tee-key",
        str(tmp_path / "tee.pub"),
        "--nonce",
        nonce,
        "--config",
        str(cfg),
        "--now",
        now,
        "--format",
        "json",
    )
    gates = {g["name"]: g for g in json.loads(res.stdout)["gates"]}
    if binding == "unbound":  # verified evidence, released without a key binding
        assert res.code == 0 and gates["attestation"]["passed"], gates["attestation"]
    else:  # its runtime user-data is Trustee's nonce, not this room's challenge and key
        reasons = gates["attestation"]["reasons"]
        assert res.code == 1 and any("does not bind" in r for r in reasons), reasons
