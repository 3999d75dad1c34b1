"""Report views the human formats share (HTML, Markdown, JUnit, GitLab): groups and counts.

Each format decides how to draw; this module decides what is grouped with what, so the HTML
page, the PR comment and the CI test report never disagree about a verdict or a count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from petgov.model import (
    Action,
    Coverage,
    CoverageStatus,
    Decision,
    Report,
    RuleDoc,
    Severity,
    Waiver,
)
from petgov.reporters.table import completeness_rows

SEVERITIES_DESC = tuple(sorted(Severity, key=lambda s: -s.rank))


def rule_family(rule_id: str) -> str:
    """The family of a rule id: the middle part, so ``PG-<FAMILY>-<n>`` gives its family."""
    parts = rule_id.split("-")
    return parts[1] if len(parts) >= 3 else rule_id


def sort_key(d: Decision) -> tuple[int, str, str]:
    """Most serious first, then by path and rule, so every format lists findings alike."""
    return (-d.severity.rank, d.finding.path, d.rule_id)


@dataclass(frozen=True)
class RuleGroup:
    """All findings of one rule: the title and fix are said once, the items listed under it."""

    rule_id: str
    title: str
    severity: Severity  # the most serious effective severity in the group
    remediation: str | None
    help_uri: str | None
    decisions: tuple[Decision, ...]

    @property
    def blocking(self) -> int:
        return sum(1 for d in self.decisions if d.action is Action.BLOCK)


def rule_groups(
    decisions: Sequence[Decision], rules: Mapping[str, RuleDoc] | None = None
) -> list[RuleGroup]:
    """Findings grouped by rule id, the most serious group first; a group is titled by its rule
    (``Report.policy.rules``), since a finding's own title may name its column or global."""
    docs = rules or {}
    by_rule: dict[str, list[Decision]] = {}
    for d in sorted(decisions, key=sort_key):
        by_rule.setdefault(d.rule_id, []).append(d)
    groups = []
    for rule_id, items in by_rule.items():
        first = items[0]
        groups.append(
            RuleGroup(
                rule_id=rule_id,
                title=docs[rule_id].title if rule_id in docs else first.finding.title,
                severity=max((d.severity for d in items), key=lambda s: s.rank),
                remediation=next((d.remediation for d in items if d.remediation), None),
                help_uri=next((d.help_uri for d in items if d.help_uri), None),
                decisions=tuple(items),
            )
        )
    return sorted(groups, key=lambda g: (-g.severity.rank, -len(g.decisions), g.rule_id))


def family_counts(decisions: Sequence[Decision]) -> dict[str, dict[str, int]]:
    """Per rule family, a count per severity (all severities present, in descending order)."""
    out: dict[str, dict[str, int]] = {}
    for d in decisions:
        row = out.setdefault(rule_family(d.rule_id), {s.value: 0 for s in SEVERITIES_DESC})
        row[d.severity.value] += 1
    return dict(sorted(out.items()))


def gaps(report: Report) -> list[Coverage]:
    """Coverage rows that are not a scan: every 'no verdict on these bytes', with its reason."""
    rows = [c for c in report.coverage if c.status is not CoverageStatus.SCANNED]
    return sorted(rows, key=lambda c: (c.path, c.engine))


def waivers(report: Report) -> list[tuple[Waiver, int]]:
    """Each waiver that applied, with how many findings it waived."""
    counts: dict[str, int] = {}
    seen: dict[str, Waiver] = {}
    for d in report.decisions:
        if d.waiver is not None and d.action is Action.WAIVED:
            seen.setdefault(d.waiver.id, d.waiver)
            counts[d.waiver.id] = counts.get(d.waiver.id, 0) + 1
    return [(seen[k], counts[k]) for k in sorted(seen)]


def completeness(report: Report) -> list[tuple[str, int, list[str]]]:
    """(target, 0-100 AI-BOM completeness, missing fields) per target the bom scanner scored."""
    return completeness_rows(report.targets, report.facts)


def attestation_facts(report: Report) -> list[tuple[str, str, Any]]:
    """(subject, key, value) of every ``attestation.*`` fact the scan recorded, if any."""
    rows: list[tuple[str, str, Any]] = []
    for subject, facts in sorted(report.facts.items()):
        rows.extend(
            (subject, key, value)
            for key, value in sorted(facts.items())
            if key.startswith("attestation.")
        )
    return rows


def verdict(report: Report) -> str:
    """The one-word verdict every format leads with."""
    return "FAIL" if report.gate_failed else "PASS"


def location_text(location: Mapping[str, Any]) -> str:
    """``key=value`` pairs of a finding location, in key order (empty when there is none)."""
    return ", ".join(f"{k}={location[k]}" for k in sorted(location))
