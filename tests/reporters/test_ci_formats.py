"""Markdown, GitLab SAST and JUnit outputs of the demo scan, checked against their schemas."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import etree

from petgov.demo import write_demo
from petgov.model import Action, Report
from petgov.pipeline import ScanOptions, scan
from petgov.reporters.gitlab_sast import SCHEMA_VERSION, GitLabSastReporter
from petgov.reporters.gitlab_sast import schema as gitlab_schema
from petgov.reporters.junit import JunitReporter
from petgov.reporters.markdown import MARKER, MarkdownReporter, md
from tests.reporters.test_html import hostile_pickle


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = tmp_path_factory.mktemp("demo")
    write_demo(root)
    (root / "model" / "x`y|z.pkl").write_bytes(hostile_pickle())
    return scan([str(root / "model"), str(root / "data")], ScanOptions())


@pytest.fixture(scope="module")
def junit_schema() -> etree.XMLSchema:
    path = resources.files("petgov").joinpath("schema/junit-windyroad.xsd")
    return etree.XMLSchema(etree.fromstring(path.read_bytes()))


# --- Markdown ---------------------------------------------------------------------------


def test_markdown_starts_with_the_marker_and_verdict(demo_report: Report) -> None:
    text = MarkdownReporter().render(demo_report)
    assert text.startswith(MARKER + "\n")
    assert "Gate failed" in text.splitlines()[1]
    for d in demo_report.decisions:
        assert md(d.rule_id) in text


def test_markdown_escapes_scanned_markup(demo_report: Report) -> None:
    text = MarkdownReporter().render(demo_report)
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    assert "x`y" not in text  # a backtick in a path cannot close the code span


def test_markdown_is_capped_and_says_what_it_left_out(demo_report: Report) -> None:
    full = MarkdownReporter().render(demo_report)
    small = MarkdownReporter(max_chars=1500).render(demo_report)
    assert len(small) <= 1500 < len(full)
    assert "more finding(s) not shown" in small
    assert small.startswith(MARKER)


def test_md_escape() -> None:
    assert md("[x](http://e) | *a*") == r"\[x\](http://e) \| \*a\*"
    assert md("a\nb<c>") == "a b&lt;c&gt;"


# --- GitLab SAST ------------------------------------------------------------------------


def test_gitlab_sast_validates_and_carries_every_open_finding(demo_report: Report) -> None:
    doc = json.loads(GitLabSastReporter().render(demo_report))
    jsonschema.Draft7Validator(gitlab_schema()).validate(doc)
    assert doc["version"] == SCHEMA_VERSION == gitlab_schema()["self"]["version"]
    open_findings = [d for d in demo_report.decisions if d.action is not Action.WAIVED]
    assert len(doc["vulnerabilities"]) == len(open_findings) > 0
    ids = [v["id"] for v in doc["vulnerabilities"]]
    assert len(set(ids)) == len(ids)
    critical = [v for v in doc["vulnerabilities"] if v["severity"] == "Critical"]
    assert any(v["location"]["file"].endswith("optimizer.weights") for v in critical)
    assert all(v["identifiers"][0]["type"] == "petgov_rule_id" for v in critical)


def test_gitlab_sast_ids_are_stable_across_runs(demo_report: Report) -> None:
    a = json.loads(GitLabSastReporter().render(demo_report))
    b = json.loads(GitLabSastReporter().render(demo_report))
    assert [v["id"] for v in a["vulnerabilities"]] == [v["id"] for v in b["vulnerabilities"]]


def test_gitlab_schema_rejects_a_broken_document() -> None:
    validator = jsonschema.Draft7Validator(gitlab_schema())
    assert not validator.is_valid({"version": SCHEMA_VERSION, "vulnerabilities": []})


# --- JUnit ------------------------------------------------------------------------------


def test_junit_validates_against_the_xsd(demo_report: Report, junit_schema: Any) -> None:
    doc = etree.fromstring(JunitReporter().render(demo_report).encode())
    assert junit_schema.validate(doc), junit_schema.error_log
    gate = doc.find("testsuite[@name='gate']")
    assert gate is not None and gate.get("failures") == "1"
    cases = doc.findall("testsuite/testcase[@classname]")
    per_finding = [c for c in cases if c.get("classname", "").startswith("PG-")]
    assert len(per_finding) == len(demo_report.decisions)
    failures = [c for c in per_finding if c.find("failure") is not None]
    blocking = [d for d in demo_report.decisions if d.action is Action.BLOCK]
    assert len(failures) == len(blocking) > 0


def test_junit_schema_rejects_a_broken_document(junit_schema: Any) -> None:
    assert not junit_schema.validate(etree.fromstring(b"<testsuites><testsuite/></testsuites>"))


def test_junit_of_a_clean_scan_passes(tmp_path: Path, junit_schema: Any) -> None:
    write_demo(tmp_path)
    (tmp_path / "model" / "optimizer.weights").unlink()
    report = scan([str(tmp_path / "model")], ScanOptions())
    doc = etree.fromstring(JunitReporter().render(report).encode())
    assert junit_schema.validate(doc), junit_schema.error_log
    assert doc.find("testsuite[@name='gate']/testcase/failure") is None


@pytest.mark.parametrize("fmt", ["markdown", "gitlab-sast", "junit"])
def test_cli_formats(fmt: str, tmp_path: Path, cli: Callable[..., Any]) -> None:
    write_demo(tmp_path)
    res = cli("scan", str(tmp_path / "model"), "-f", fmt)
    assert res.code == 1, res.stderr
    assert res.stdout.strip()
