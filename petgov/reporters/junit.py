"""`petgov scan -f junit`: JUnit XML for CI test tabs (GitLab ``artifacts:reports:junit``, Jenkins).

The document follows the Apache Ant JUnit schema (windyroad JUnit.xsd, vendored at
``petgov/schema/junit-windyroad.xsd``; tests validate against it). Mapping, so a red test means
exactly what a failed gate means:

- suite ``gate``: one test that fails when the scan's gate failed;
- one suite per rule: a test per finding; a blocking finding is a failure, a waived one is
  skipped with its waiver, a warning passes (its text is listed in the suite's system-out);
- suite ``coverage``: a skipped test for each item no content engine scanned, with the reason.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from petgov.model import Action, Decision, Report
from petgov.reporters import views
from petgov.reporters.interface import Reporter

# XML 1.0 has no way to write most control characters, even escaped: drop them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _token(value: object) -> str:
    """An xs:token: no leading/trailing/double spaces, no tabs or newlines."""
    return " ".join(_x(value).split()) or "-"


class JunitReporter(Reporter):
    """Suites for the gate, each rule and coverage; validated in tests against JUnit.xsd."""

    def render(self, report: Report) -> str:
        root = ET.Element("testsuites")
        suites: list[tuple[str, list[ET.Element], list[str]]] = [_gate(report)]
        suites.extend(
            _rule_suite(g.rule_id, g.title, g.decisions)
            for g in views.rule_groups(report.decisions, report.policy.rules)
        )
        suites.append(_coverage(report))
        stamp = report.created_at[:19]
        for index, (name, cases, out) in enumerate(suites):
            failures = sum(1 for c in cases if c.find("failure") is not None)
            skipped = sum(1 for c in cases if c.find("skipped") is not None)
            suite = ET.SubElement(
                root,
                "testsuite",
                {
                    "name": _token(name),
                    "package": "petgov",
                    "id": str(index),
                    "timestamp": stamp,
                    "hostname": "localhost",
                    "tests": str(len(cases)),
                    "failures": str(failures),
                    "errors": "0",
                    "skipped": str(skipped),
                    "time": "0",
                },
            )
            props = ET.SubElement(suite, "properties")
            ET.SubElement(
                props, "property", {"name": "petgov.version", "value": report.tool.version}
            )
            ET.SubElement(props, "property", {"name": "policy.mode", "value": report.policy.mode})
            suite.extend(cases)
            ET.SubElement(suite, "system-out").text = _x("\n".join(out))
            ET.SubElement(suite, "system-err").text = ""
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _case(name: str, classname: str) -> ET.Element:
    return ET.Element(
        "testcase", {"name": _token(name), "classname": _token(classname), "time": "0"}
    )


def _gate(report: Report) -> tuple[str, list[ET.Element], list[str]]:
    case = _case("gate", "petgov.gate")
    s = report.summary()
    blocking = [d for d in report.decisions if d.action is Action.BLOCK]
    if blocking:
        failure = ET.SubElement(
            case,
            "failure",
            {"type": "gate", "message": _x(f"{len(blocking)} blocking finding(s)")},
        )
        failure.text = _x(
            "\n".join(f"{d.rule_id} {d.finding.path}: {d.finding.message}" for d in blocking)
        )
    summary = (
        f"{s['findings']} findings, {len(blocking)} blocking, {s['items']} items, "
        f"{len(s['not_scanned'])} not scanned; verdict {views.verdict(report)}"
    )
    return "gate", [case], [summary]


def _rule_suite(
    rule_id: str, title: str, decisions: Sequence[Decision]
) -> tuple[str, list[ET.Element], list[str]]:
    cases: list[ET.Element] = []
    out: list[str] = []
    for d in decisions:
        where = views.location_text(d.finding.location)
        label = d.finding.path + (f" [{where}]" if where else "")
        case = _case(label, d.rule_id)
        text = f"{d.severity.value}: {d.finding.message}"
        if d.action is Action.BLOCK:
            failure = ET.SubElement(
                case, "failure", {"type": d.severity.value, "message": _x(d.finding.message)}
            )
            failure.text = _x(text + (f"\nfix: {d.remediation}" if d.remediation else ""))
        elif d.action is Action.WAIVED and d.waiver is not None:
            w = d.waiver
            ET.SubElement(
                case,
                "skipped",
                {"message": _x(f"waived by {w.id} ({w.owner}, until {w.expires}): {w.reason}")},
            )
        else:
            out.append(f"{d.action.value} {label}: {text}")
        cases.append(case)
    return f"{rule_id}: {title}", cases, out


def _coverage(report: Report) -> tuple[str, list[ET.Element], list[str]]:
    reasons: dict[str, list[str]] = {}
    for c in views.gaps(report):
        reasons.setdefault(c.path, []).append(f"{c.engine}: {c.reason or c.status.value}")
    cases = []
    for path in report.summary()["not_scanned"]:
        case = _case(path, "petgov.coverage")
        why = "; ".join(reasons.get(path, [])) or "no engine scanned it"
        ET.SubElement(case, "skipped", {"message": _x(f"not scanned: {why}")})
        cases.append(case)
    return "coverage", cases, [f"{len(report.items)} items, {len(cases)} not scanned"]
