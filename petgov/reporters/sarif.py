"""SARIF 2.1.0 for GitHub code scanning, validated against the OASIS schema before it is returned.

GitHub ignores ``suppressions``, so waived results are left out unless ``include_waived`` (then
they carry an accepted external suppression). Binary artifacts get ``startLine: 1`` and a
``partialFingerprints`` value from petgov's own hash (rule id + path + evidence), because GitHub
cannot hash lines of a model file.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from typing import Any

from petgov.compliance.mapping import tags as compliance_tags
from petgov.errors import OutputError
from petgov.model import Action, Decision, Report, RuleDoc, Severity
from petgov.policy.fingerprint import VERSION, Fingerprints, of_report
from petgov.reporters.interface import Reporter

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}
_PRECISION = {"high": "high", "medium": "medium", "low": "low"}


def artifact_uri(path: str) -> str:
    """Repo-relative URI: archive members point at their archive, absolute paths at cwd."""
    outer = path.split("!/", 1)[0]
    if os.path.isabs(outer):
        rel = os.path.relpath(outer)
        outer = outer if rel.startswith("..") else rel
    return outer.replace(os.sep, "/").removeprefix("./")


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    text = resources.files("petgov").joinpath("schema/sarif-schema-2.1.0.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate(doc: dict[str, Any]) -> None:
    """Raise OutputError with the first schema violation."""
    import jsonschema

    errors = sorted(
        jsonschema.Draft4Validator(_schema()).iter_errors(doc), key=lambda e: list(e.path)
    )
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.path)
        raise OutputError(f"SARIF output does not validate at /{where}: {e.message}")


class SarifReporter(Reporter):
    """One run, one rule per rule id, results for every non-waived decision."""

    def __init__(self, include_waived: bool = False, category: str = "petgov") -> None:
        self.include_waived = include_waived
        self.category = category

    def render(self, report: Report) -> str:
        doc = self.document(report)
        validate(doc)
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def document(self, report: Report) -> dict[str, Any]:
        meta = report.policy.rules
        rules: dict[str, dict[str, Any]] = {}
        results = []
        for d, fp in zip(report.decisions, of_report(report), strict=True):
            if d.action is Action.WAIVED and not self.include_waived:
                continue
            if d.rule_id not in rules:
                rules[d.rule_id] = _rule(d, meta.get(d.rule_id))
            results.append(_result(d, list(rules).index(d.rule_id), fp))
        return {
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "petgov",
                            "version": report.tool.version,
                            "semanticVersion": report.tool.version,
                            "informationUri": "https://petgov.dev",
                            "rules": list(rules.values()),
                        }
                    },
                    "automationDetails": {"id": f"{self.category}/{report.created_at}"},
                    "results": results,
                    "properties": {
                        "mode": report.policy.mode,
                        "fail_on": report.policy.fail_on.value,
                        "lapsed_waivers": list(report.policy.lapsed_waivers),
                    },
                }
            ],
        }


def _rule(d: Decision, rule: RuleDoc | None) -> dict[str, Any]:
    title = rule.title if rule is not None else d.finding.title
    docs = rule.docs if rule is not None else {}
    full = str(docs.get("what") or title)[:1024]
    fix = d.remediation or str(docs.get("fix") or "")
    why = str(docs.get("why") or "")
    text = "\n\n".join(p for p in (full, why, fix) if p)
    md = (
        f"**{title}**\n\n{full}\n\n"
        + (f"Why: {why}\n\n" if why else "")
        + (f"Fix: {fix}\n" if fix else "")
    )
    tags = ["security", *(rule.tags if rule is not None else d.finding.cwe)]
    tags += compliance_tags(d.compliance)  # owasp-llm/LLM03, atlas/AML.T0010.003, ...
    props: dict[str, Any] = {
        "tags": list(dict.fromkeys(tags))[:40],
        "precision": _PRECISION.get(rule.confidence if rule is not None else "medium", "medium"),
    }
    if d.severity in _SECURITY_SEVERITY:
        props["security-severity"] = _SECURITY_SEVERITY[d.severity]
    out: dict[str, Any] = {
        "id": d.rule_id,
        "name": d.rule_id.replace("-", ""),
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "help": {"text": text, "markdown": md},
        "defaultConfiguration": {"level": _LEVEL[d.severity]},
        "properties": props,
    }
    if d.help_uri:
        out["helpUri"] = d.help_uri
    return out


def _result(d: Decision, rule_index: int, fp: Fingerprints) -> dict[str, Any]:
    f = d.finding
    msg = f"{f.message} [{d.severity.value}, {d.mode.value}, {d.action.value}]"
    if d.note:
        msg += f" ({d.note})"
    props: dict[str, Any] = {
        "mode": d.mode.value,
        "action": d.action.value,
        "scanner_severity": f.severity.value,
        "path": f.path,
    }
    if f.location:
        props["location"] = dict(f.location)
    out: dict[str, Any] = {
        "ruleId": d.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[d.severity],
        "message": {"text": msg},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(f.path)},
                    "region": {"startLine": 1},
                }
            }
        ],
        # the same stable fingerprint --baseline matches on (no line numbers in model files)
        "partialFingerprints": {"primaryLocationLineHash": fp.path, VERSION: fp.path},
        "properties": props,
    }
    if d.action is Action.WAIVED and d.waiver is not None:
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{d.waiver.id}: {d.waiver.reason} (owner {d.waiver.owner}, "
                f"expires {d.waiver.expires})",
            }
        ]
    return out
