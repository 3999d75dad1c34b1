"""Compliance mapping as rule data: shipped lists, lint, and where the references show up."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.compliance.frameworks import FRAMEWORKS, NIST_AI_RMF
from petgov.compliance.mapping import parse, problems
from petgov.demo import write_demo
from petgov.errors import PolicyError
from petgov.pipeline import ScanOptions, scan
from petgov.policy.lint import lint
from petgov.policy.packs import builtin_pack_dir, load_pack, parse_rule
from petgov.reporters.html import HtmlReporter
from petgov.reporters.sarif import SarifReporter


def test_shipped_lists_have_their_published_sizes() -> None:
    assert len(FRAMEWORKS["owasp-llm"].controls) == 10
    assert len(FRAMEWORKS["owasp-ml"].controls) == 10
    assert len(NIST_AI_RMF) == 72  # NIST AI 100-1 has 72 subcategories
    assert len(FRAMEWORKS["nist-ai-600-1"].controls) == 12
    assert FRAMEWORKS["cwe"].knows("CWE-502") and not FRAMEWORKS["cwe"].knows("CWE-0x1")


def test_every_builtin_rule_maps_to_a_framework_with_known_ids() -> None:
    rules = load_pack(builtin_pack_dir()).rules
    assert len(rules) >= 60
    for r in rules:
        assert problems(r.id, r.compliance, required=True) == [], r.id
        assert any(k != "cwe" for k in r.compliance), r.id


def test_lint_names_an_unknown_control_and_framework(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(builtin_pack_dir(), pack)
    rule = pack / "ser" / "PG-SER-001.yaml"
    text = rule.read_text().replace("owasp-llm: [LLM03]", "owasp-llm: [LLM99]\n  iso-42001: [A.1]")
    rule.write_text(text)
    found = lint(pack)
    assert "PG-SER-001: owasp-llm has no control 'LLM99'" in found
    assert any("unknown compliance framework 'iso-42001'" in p for p in found)


def test_required_mapping_is_enforced_for_builtin_lint() -> None:
    assert problems("PG-X-1", {"cwe": ("CWE-1",)}, required=True) == [
        "PG-X-1: no compliance reference (OWASP, ATLAS, NIST AI RMF, EU AI Act)"
    ]
    assert problems("PG-X-1", {"cwe": ("CWE-1",)}) == []


def test_a_malformed_compliance_block_refuses_the_rule() -> None:
    doc = {
        "id": "PG-X-001",
        "title": "t",
        "severity": "low",
        "mode": "guideline",
        "when": 'finding.kind == "x.y"',
        "compliance": ["LLM03"],
    }
    with pytest.raises(PolicyError, match="compliance must map"):
        parse_rule(doc, "x.yaml")
    assert parse({"atlas": "AML.T0010"}, ["CWE-502", "security"]) == {
        "atlas": ("AML.T0010",),
        "cwe": ("CWE-502",),
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    write_demo(root)
    return root


def test_references_reach_json_sarif_and_html(
    demo: Path, validate_report: Callable[[dict[str, Any]], None]
) -> None:
    report = scan([str(demo / "model")], ScanOptions())
    doc = report.to_dict()
    validate_report(doc)
    ser = next(f for f in doc["findings"] if f["rule_id"] == "PG-SER-001")
    assert ser["compliance"]["owasp-llm"] == ["LLM03"]
    assert "AML.T0011.000" in ser["compliance"]["atlas"]
    sarif = json.loads(SarifReporter().render(report))
    rule = next(r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "PG-SER-001")
    assert "owasp-llm/LLM03" in rule["properties"]["tags"]
    assert "eu-ai-act/Art. 15" in rule["properties"]["tags"]
    page = HtmlReporter().render(report)
    assert 'id="f-control"' in page and 'value="atlas/AML.T0011.000"' in page


def test_compliance_view_cli(demo: Path, cli: Callable[..., Any]) -> None:
    res = cli("scan", str(demo / "model"), "--compliance", "owasp-llm")
    assert res.code == 1, res.stderr  # the gate still decides the exit code
    rows = {line.split()[0]: line for line in res.stdout.splitlines() if line.startswith("LLM")}
    assert "findings" in rows["LLM03"] and "critical" in rows["LLM03"]
    assert "not covered" in rows["LLM01"]
    as_json = cli("scan", str(demo / "model"), "--compliance", "atlas", "-f", "json").json()
    status = {c["control"]: c["status"] for c in as_json["controls"]}
    assert status["AML.T0011.000"] == "findings"
    assert status["AML.T0055"] == "passed"  # secrets rules ran and found nothing
    assert status["AML.T0010.000"] == "not covered"


def test_a_scan_without_the_finding_passes_the_control(demo: Path, cli: Callable[..., Any]) -> None:
    res = cli("scan", str(demo / "data"), "--scanner", "pii", "--compliance", "owasp-llm")
    rows = {line.split()[0]: line for line in res.stdout.splitlines() if line.startswith("LLM")}
    assert "passed" in rows["LLM03"]
    assert "findings" in rows["LLM02"]


def test_unknown_framework_is_a_usage_error(demo: Path, cli: Callable[..., Any]) -> None:
    res = cli("scan", str(demo / "model"), "--compliance", "iso-42001")
    assert res.code == 2
    assert "owasp-llm" in res.stderr and "Traceback" not in res.stderr


def test_rules_show_lists_references(cli: Callable[..., Any]) -> None:
    res = cli("rules", "show", "PG-PII-001")
    assert res.code == 0
    assert "owasp-llm: LLM02" in res.stdout and "eu-ai-act: Art. 10" in res.stdout
