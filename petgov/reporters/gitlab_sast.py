"""`petgov scan -f gitlab-sast`: GitLab's SAST report (``artifacts:reports:sast``).

Validated before it is returned against GitLab's published schema, vendored at
``petgov/schema/gitlab-sast-report-format-15.2.4.json`` (source: gitlab.com/gitlab-org/
security-products/security-report-schemas, ``dist/sast-report-format.json`` at v15.2.4), because
GitLab drops a whole report that does not match rather than showing part of it. Waived findings are
left out (GitLab has no accepted-risk state it would honour); items no engine scanned become scan
messages, so a gap is visible in the pipeline's security tab too.
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from importlib import resources
from typing import Any

from petgov.errors import OutputError
from petgov.model import Action, Decision, Report, Severity
from petgov.policy.fingerprint import of_report
from petgov.reporters import views
from petgov.reporters.interface import Reporter
from petgov.reporters.sarif import artifact_uri

SCHEMA_VERSION = "15.2.4"
SCHEMA_FILE = f"schema/gitlab-sast-report-format-{SCHEMA_VERSION}.json"
SCHEMA_URL = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{SCHEMA_VERSION}/dist/sast-report-format.json"
)
_SEVERITY = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}
_NAMESPACE = uuid.UUID("6f1c1d7e-3c1b-4c55-9f4e-70657467e0c5")  # petgov's uuid5 namespace


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """GitLab's SAST report schema as shipped with petgov."""
    text = resources.files("petgov").joinpath(SCHEMA_FILE).read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def validate(doc: dict[str, Any]) -> None:
    """Raise OutputError with the first violation of GitLab's schema."""
    import jsonschema

    errors = sorted(
        jsonschema.Draft7Validator(schema()).iter_errors(doc), key=lambda e: list(e.path)
    )
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.path)
        raise OutputError(f"GitLab SAST output does not validate at /{where}: {e.message}")


def gitlab_time(created_at: str) -> str:
    """``yyyy-mm-ddThh:mm:ss`` as the schema demands (the report's UTC time, no zone)."""
    return created_at[:19]


class GitLabSastReporter(Reporter):
    """One vulnerability per non-waived finding; ids are stable across runs and checkouts (uuid5
    of the fingerprint SARIF and --baseline use), so GitLab tracks a finding across pipelines."""

    def render(self, report: Report) -> str:
        doc = self.document(report)
        validate(doc)
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def document(self, report: Report) -> dict[str, Any]:
        tool = {
            "id": "petgov",
            "name": "petgov",
            "version": report.tool.version,
            "vendor": {"name": "petgov"},
            "url": "https://petgov.dev",
        }
        stamp = gitlab_time(report.created_at)
        messages = [
            {
                "level": "warn",
                "value": f"not scanned: {c.path} ({c.engine}: {c.reason or c.status.value})",
            }
            for c in views.gaps(report)
            if c.path in set(report.summary()["not_scanned"])
        ]
        scan: dict[str, Any] = {
            "analyzer": tool,
            "scanner": tool,
            "type": "sast",
            "start_time": stamp,
            "end_time": stamp,
            "status": "success",
        }
        if messages:
            scan["messages"] = messages
        pairs = zip(report.decisions, of_report(report), strict=True)
        vulns = [
            _vulnerability(d, fp.path)
            for d, fp in sorted(pairs, key=lambda p: views.sort_key(p[0]))
            if d.action is not Action.WAIVED
        ]
        return {
            "version": SCHEMA_VERSION,
            "schema": SCHEMA_URL,
            "scan": scan,
            "vulnerabilities": vulns,
        }


def _vulnerability(d: Decision, fingerprint: str) -> dict[str, Any]:
    f = d.finding
    identifiers: list[dict[str, Any]] = [
        {"type": "petgov_rule_id", "name": d.rule_id, "value": d.rule_id}
    ]
    if d.help_uri and d.help_uri.startswith(("http://", "https://")):
        identifiers[0]["url"] = d.help_uri
    for cwe in f.cwe:
        number = cwe.upper().removeprefix("CWE-")
        if number.isdigit():
            identifiers.append(
                {
                    "type": "cwe",
                    "name": f"CWE-{number}",
                    "value": number,
                    "url": f"https://cwe.mitre.org/data/definitions/{number}.html",
                }
            )
    where = views.location_text(f.location)
    description = f.message + (f"\n\nLocation in {f.path}: {where}" if where else "")
    if f.path != artifact_uri(f.path):
        description += f"\n\nItem: {f.path}"
    out: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, fingerprint)),
        "name": f.title[:255],
        "description": description[:1_000_000],
        "severity": _SEVERITY[d.severity],
        "identifiers": identifiers,
        "location": {"file": artifact_uri(f.path), "start_line": 1},
    }
    if d.remediation:
        out["solution"] = d.remediation[:7000]
    return out
