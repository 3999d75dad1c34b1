"""``--type auto`` names the type of every real evidence file and refuses what is not evidence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from petgov.attestation.detect import detect_type
from petgov.attestation.interface import EvidenceFormatError
from tests.attestation.cases import CASES
from tests.conftest import CliResult, corpus_path

pytestmark = pytest.mark.corpus
VECTORS = Path(__file__).parent / "vectors"
AZURE = {
    "azure-vtpm/trustee_az-snp-vtpm_evidence-v2.json": "az-snp-vtpm",
    "azure-vtpm/trustee_az-snp-vtpm_evidence-v0.json": "az-snp-vtpm",
    "azure-vtpm/azcvm_hcl-report-snp.bin": "az-snp-vtpm",
    "azure-vtpm/trustee_az-tdx-vtpm_evidence-v1.json": "az-tdx-vtpm",
    "azure-vtpm/azcvm_hcl-report-tdx.bin": "az-tdx-vtpm",
    "nvidia/trustee_hopper_coco_report1.hex": "nvgpu",
}


def test_every_corpus_evidence_file_is_recognized() -> None:
    root = corpus_path("attestation")
    seen = {case.evidence: case.type for case in CASES}
    for name, kind in seen.items():
        assert detect_type((root / name).read_bytes()) == kind, name
    for name, kind in AZURE.items():
        assert detect_type((VECTORS / name).read_bytes()) == kind, name


@pytest.mark.parametrize(
    "name",
    [
        "tdx/gotdx_tcbinfo_fmspc50806f000000.json",
        "azure-maa/maa_sharedwus_certs_2022-10-07.jwks.json",
    ],
)
def test_collateral_is_not_evidence(name: str) -> None:
    with pytest.raises(EvidenceFormatError, match="not recognized"):
        detect_type(corpus_path("attestation", *name.split("/")).read_bytes())


def test_cli_auto_names_what_it_found(cli: Callable[..., CliResult]) -> None:
    root = corpus_path("attestation", "sev-snp")
    res = cli(
        "attest",
        "verify",
        str(root / "virtee_milan_report.hex"),
        "--type",
        "auto",
        "--certs",
        str(root / "virtee_milan_vcek.der"),
        "--now",
        "2024-01-01",
    )
    assert res.code == 0 and "type: snp (detected)" in res.stdout.splitlines()[0]
    junk = cli("attest", "verify", str(root / "amd_ask_ark_milan.pem"), "--type", "auto")
    assert junk.code == 2 and "not recognized" in junk.stderr
