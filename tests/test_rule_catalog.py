"""The rule catalog is the one place a rule's id, title, severity and CWE live.

Scanners and stages name a finding kind; the catalog (the built-in ``rules/``) supplies the rest.
A rule id typed into a module would be a second copy that drifts, so the source is grepped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from petgov.catalog import catalog, finding, rule_for
from petgov.errors import ModelError
from petgov.model import Severity
from petgov.policy.packs import builtin_pack_dir, load_pack

PACKAGE = Path(__file__).resolve().parent.parent / "petgov"
RULE_ID = re.compile(r"PG-[A-Z]+-\d+")
# Modules that mention a rule id as an example in help text or a docstring, not as metadata.
MENTIONS = {"cli/rules.py", "policy/config.py"}


def test_no_module_types_a_rule_id() -> None:
    offenders = sorted(
        rel
        for py in PACKAGE.rglob("*.py")
        if (rel := py.relative_to(PACKAGE).as_posix()) not in MENTIONS
        and RULE_ID.search(py.read_text(encoding="utf-8"))
    )
    assert offenders == []


def test_catalog_matches_the_builtin_pack() -> None:
    rules = {r.expr.kind: r for r in load_pack(builtin_pack_dir()).rules}
    assert set(catalog()) == set(rules)
    for kind, info in catalog().items():
        rule = rules[kind]
        assert (info.id, info.title, info.severity, info.confidence) == (
            rule.id,
            rule.title,
            rule.severity,
            rule.confidence,
        )
        assert info.cwe == tuple(t for t in rule.tags if t.startswith("CWE-"))


def test_finding_takes_its_metadata_from_the_rule() -> None:
    f = finding("archive.bomb", "a.zip!/x", "expands 1000:1", engine="archive")
    assert (f.rule_id, f.title, f.severity, f.cwe) == (
        "PG-TGT-003",
        "Archive expands past the safety limit",
        Severity.HIGH,
        ("CWE-409",),
    )
    graded = finding("pii.text", "t.txt", "m", engine="pii", severity=Severity.HIGH)
    assert graded.severity is Severity.HIGH and graded.rule_id == rule_for("pii.text").id


def test_a_kind_without_a_rule_is_refused() -> None:
    with pytest.raises(ModelError, match="no built-in rule"):
        finding("ser.made_up", "x", "m", engine="pickle")
