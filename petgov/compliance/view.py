"""`petgov scan --compliance FRAMEWORK`: the scan seen per control of one framework.

A control is *findings* when a rule mapped to it fired (and was not waived), *waived* when every
such finding was waived, *passed* when petgov has rules mapped to it and none fired in this scan,
and *not covered* when no petgov rule maps to it: petgov says nothing about that control.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from petgov.compliance.frameworks import FRAMEWORKS, Framework
from petgov.compliance.mapping import References
from petgov.errors import UsageError
from petgov.model import JSON, Action, Report, Severity


def framework(key: str) -> Framework:
    """The framework named on the command line, or a usage error listing the choices."""
    found = FRAMEWORKS.get(key)
    if found is None or not found.controls:
        choices = ", ".join(k for k, f in FRAMEWORKS.items() if f.controls)
        raise UsageError(f"unknown compliance framework {key!r}", hint=f"use one of: {choices}")
    return found


@dataclass(frozen=True)
class ControlStatus:
    """One control: what petgov found for it in this scan."""

    control: str
    title: str
    status: str  # findings | waived | passed | not covered
    rules: tuple[str, ...]
    findings: int = 0
    blocking: int = 0
    worst: Severity | None = None

    def to_dict(self) -> dict[str, JSON]:
        return {
            "control": self.control,
            "title": self.title,
            "status": self.status,
            "rules": list(self.rules),
            "findings": self.findings,
            "blocking": self.blocking,
            "worst_severity": self.worst.value if self.worst else None,
        }


def control_view(
    report: Report, fw: Framework, rules: Mapping[str, References]
) -> list[ControlStatus]:
    """Every control of ``fw`` in its own order, with the rules mapped to it and their findings."""
    by_control: dict[str, list[str]] = {}
    for rule_id, refs in sorted(rules.items()):
        for control in refs.get(fw.key, ()):
            by_control.setdefault(control, []).append(rule_id)
    out = []
    for control, title in fw.controls.items():
        mapped = tuple(by_control.get(control, ()))
        hits = [
            d
            for d in report.decisions
            if control in d.compliance.get(fw.key, ()) or d.rule_id in mapped
        ]
        open_hits = [d for d in hits if d.action is not Action.WAIVED]
        if open_hits:
            status = "findings"
        elif hits:
            status = "waived"
        elif mapped:
            status = "passed"
        else:
            status = "not covered"
        out.append(
            ControlStatus(
                control=control,
                title=title,
                status=status,
                rules=mapped,
                findings=len(open_hits),
                blocking=sum(1 for d in open_hits if d.action is Action.BLOCK),
                worst=max((d.severity for d in open_hits), key=lambda s: s.rank, default=None),
            )
        )
    return out


def render_text(fw: Framework, rows: list[ControlStatus]) -> str:
    """A plain table: control, status, findings (blocking), worst severity, rules."""
    lines = [fw.name, ""]
    width = max(len(r.control) for r in rows)
    for r in rows:
        count = f"{r.findings} ({r.blocking} blocking)" if r.findings else ""
        worst = r.worst.value if r.worst else ""
        rules = ", ".join(r.rules) if len(r.rules) <= 4 else f"{len(r.rules)} rules"
        lines.append(
            f"{r.control:<{width}}  {r.status:<11}  {count:<16}  {worst:<8}  {r.title}"
            + (f"  [{rules}]" if rules else "")
        )
    counts = {
        s: sum(1 for r in rows if r.status == s)
        for s in ("findings", "waived", "passed", "not covered")
    }
    lines += ["", "controls: " + ", ".join(f"{n} {s}" for s, n in counts.items())]
    return "\n".join(lines) + "\n"


def render_json(fw: Framework, rows: list[ControlStatus]) -> dict[str, JSON]:
    """The same view as JSON."""
    return {"framework": fw.key, "name": fw.name, "controls": [r.to_dict() for r in rows]}


def render(
    report: Report, key: str, rules: Mapping[str, References], *, as_json: bool = False
) -> str:
    """The per-control view of ``key``: ``rules`` maps the rules in force to their references;
    those of rules the decisions name but ``rules`` lacks come from the decisions."""
    import json

    fw = framework(key)
    known: dict[str, References] = dict(rules)
    for d in report.decisions:
        known.setdefault(d.rule_id, d.compliance)
    rows = control_view(report, fw, known)
    if as_json:
        return json.dumps(render_json(fw, rows), indent=2, ensure_ascii=False) + "\n"
    return render_text(fw, rows)
