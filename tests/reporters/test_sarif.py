"""SARIF output of a real scan validates against the OASIS schema and carries GitHub's fields."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.errors import OutputError
from petgov.reporters.sarif import validate
from tests.conftest import corpus_path


def _target(tmp_path: Path) -> Path:
    t = tmp_path / "t"
    t.mkdir()
    with zipfile.ZipFile(t / "a.zip", "w") as z:
        z.writestr("../evil.txt", "x")
    os.symlink("/etc/passwd", t / "link")
    return t


def test_real_scan_sarif(tmp_path: Path, cli: Callable[..., Any]) -> None:
    _target(tmp_path)
    res = cli("scan", "t", "-f", "sarif", "--no-progress", cwd=tmp_path)
    assert res.code == 1, res.stderr
    doc = json.loads(res.stdout)
    validate(doc)
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["PG-TGT-001"]["properties"]["security-severity"] == "8.0"
    assert "security" in rules["PG-TGT-001"]["properties"]["tags"]
    assert rules["PG-TGT-001"]["help"]["markdown"]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert uris == {"t/a.zip", "t/link"}
    for r in run["results"]:
        assert r["level"] in ("error", "warning", "note")
        assert r["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
        assert len(r["partialFingerprints"]["primaryLocationLineHash"]) == 32
    assert run["automationDetails"]["id"].startswith("petgov/")
    adv = cli("scan", "t", "-f", "sarif", "--no-progress", "--mode", "advisory", cwd=tmp_path)
    assert adv.code == 0
    assert len(json.loads(adv.stdout)["runs"][0]["results"]) == len(run["results"])


def test_waived_results_left_out(tmp_path: Path, cli: Callable[..., Any]) -> None:
    _target(tmp_path)
    (tmp_path / ".petgov").mkdir()
    (tmp_path / ".petgov" / "waivers.yaml").write_text(
        "waivers:\n  - {id: W-9, rule: PG-TGT-004, paths: ['t/*'], reason: fixture, owner: me,"
        " expires: 2999-01-01}\n"
    )
    res = cli("scan", "t", "-f", "sarif", "--no-progress", cwd=tmp_path)
    ids = [r["ruleId"] for r in json.loads(res.stdout)["runs"][0]["results"]]
    assert ids == ["PG-TGT-001"]
    res = cli("scan", "t", "-f", "sarif", "--no-progress", "--sarif-include-waived", cwd=tmp_path)
    kept = {r["ruleId"]: r for r in json.loads(res.stdout)["runs"][0]["results"]}
    assert kept["PG-TGT-004"]["suppressions"][0]["status"] == "accepted"
    assert "suppressions" not in kept["PG-TGT-001"]
    js = cli("scan", "t", "-f", "json", "--no-progress", cwd=tmp_path).json()
    assert {d["rule_id"]: d["action"] for d in js["findings"]}["PG-TGT-004"] == "waived"


def test_schema_accepts_trivy_and_rejects_bad_level() -> None:
    doc = json.loads(corpus_path("policy", "sarif", "trivy-config-report.sarif").read_text())
    validate(doc)
    doc["runs"][0]["results"][0]["level"] = "critical"
    with pytest.raises(OutputError, match="does not validate"):
        validate(doc)
