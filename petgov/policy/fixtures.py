"""Run the positive/negative fixtures a rule ships (``petgov rules test``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from petgov.model import Finding, Severity
from petgov.policy.evaluate import RuleIndex, decide
from petgov.policy.packs import Rule

EXPECTS = ("block", "warn", "waived", "info", "none")


@dataclass
class FixtureResult:
    rule_id: str
    name: str
    expected: str
    got: str

    @property
    def ok(self) -> bool:
        return self.expected == self.got


def _finding(rule: Rule, fx: Mapping[str, Any]) -> Finding:
    f = dict(fx.get("finding") or {})
    return Finding(
        rule_id=str(f.get("rule_id") or rule.id),
        kind=str(f.get("kind") or "fixture.unknown"),
        severity=Severity(str(f.get("severity") or "medium")),
        title=str(f.get("title") or rule.title),
        message=str(f.get("message") or "fixture"),
        path=str(f.get("path") or "fixture.bin"),
        engine=str(f.get("engine") or "fixture"),
        location=f.get("location") or {},
        evidence=f.get("evidence") or {},
        cwe=tuple(f.get("cwe") or ()),
        confidence=str(f.get("confidence") or "high"),
        facts=f.get("facts") or {},
    )


def run_fixture(rule: Rule, fx: Mapping[str, Any]) -> FixtureResult:
    """Evaluate one fixture against this rule alone, enforce mode, fail_on as written."""
    name = str(fx.get("name") or "?")
    expected = str(fx.get("expect") or "")
    finding = _finding(rule, fx)
    item = dict(fx.get("item") or {})
    item.setdefault("path", finding.path)
    item.setdefault("facts", dict(fx.get("facts") or {}))
    activation = {"finding": finding.to_dict(), "item": item, "facts": {}}
    match, errors = RuleIndex([rule]).match(finding, activation, item.get("format"))
    if errors:
        return FixtureResult(rule.id, name, expected, "error: " + "; ".join(errors))
    if match is None:
        return FixtureResult(rule.id, name, expected, "none")
    fail_on = Severity(str(fx.get("fail_on") or "low"))  # a gate blocks unless the fixture says
    d = decide(finding, match, advisory=False, fail_on=fail_on, waivers=(), sha256=None)
    return FixtureResult(rule.id, name, expected, d.action.value)
