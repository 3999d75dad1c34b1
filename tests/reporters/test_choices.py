"""Every CLI choice enum maps to something: a new member without its branch fails here.

The mappings end in ``assert_never``, so mypy catches a missing branch; these tests prove each
branch does real work (a verifier, a rendering, a policy mode) on real inputs.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from petgov.attestation.api import verifier_for, verify_evidence
from petgov.attestation.interface import EvidenceType
from petgov.cleanroom.promote import Gate, Promotion
from petgov.cli.render import print_promotion
from petgov.errors import UsageError
from petgov.model import Action, Finding, RunMode, Severity
from petgov.policy.evaluate import PolicyOptions, evaluate
from petgov.reporters.attestation import render
from petgov.reporters.formats import TableOrJson
from tests.conftest import corpus_path

JAN = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("kind", list(EvidenceType))
def test_every_evidence_type_has_a_verifier(kind: EvidenceType) -> None:
    assert type(verifier_for(kind.value)).__name__.endswith("Verifier")


def test_a_wrong_evidence_type_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown evidence type 'sgx'"):
        verifier_for("sgx")


@pytest.mark.corpus
@pytest.mark.parametrize("fmt", list(TableOrJson))
def test_every_format_renders_a_real_attestation_verdict(fmt: TableOrJson) -> None:
    root = corpus_path("attestation", "sev-snp")
    result = verify_evidence(
        root / "virtee_milan_report.hex", "snp", certs=[root / "virtee_milan_vcek.der"], now=JAN
    )
    text = render(result, fmt)
    if fmt is TableOrJson.JSON:
        assert json.loads(text)["verdict"] == result.verdict
    else:
        assert text.startswith(f"verdict: {result.verdict_line}   type: snp")
        assert all(c.name in text for c in result.checks)


@pytest.mark.parametrize("fmt", list(TableOrJson))
def test_every_format_prints_a_promotion(
    fmt: TableOrJson, capsys: pytest.CaptureFixture[str]
) -> None:
    denied = Promotion(
        allowed=False,
        cleanroom="research",
        artifact="model",
        artifact_sha256=None,
        evidence_sha256=None,
        gates=[Gate("provenance", False, ["no verified signature covers the artifact"])],
    )
    print_promotion(denied, fmt)
    out = capsys.readouterr().out
    if fmt is TableOrJson.JSON:
        assert json.loads(out)["gates"][0]["reasons"] == [
            "no verified signature covers the artifact"
        ]
    else:
        assert "no verified signature covers the artifact" in out and "denied" in out


@pytest.mark.parametrize("mode", list(RunMode))
def test_every_run_mode_decides(mode: RunMode, tmp_path: Path) -> None:
    finding = Finding(
        rule_id="PG-SER-001",
        kind="ser.dangerous_global",
        severity=Severity.CRITICAL,
        title="t",
        message="m",
        path="x.pkl",
        engine="test",
    )
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    (decision,), info = evaluate(
        [finding], [], {}, PolicyOptions(mode=mode, config_dir=tmp_path), now
    )
    assert info.mode == mode.value
    expected = Action.WARN if mode is RunMode.ADVISORY else Action.BLOCK
    assert decision.action is expected
