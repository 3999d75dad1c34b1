"""`petgov scan --baseline REPORT.json`: gate only on findings the baseline does not have.

A finding whose fingerprint (petgov.policy.fingerprint) is in the baseline is *existing*: it is
still reported, but never blocks; every other finding is *new* and acts as its rule says. The
baseline is a JSON report petgov wrote (``-f json``); anything else is refused (exit 2), because
a baseline that silently matched nothing would turn every old finding into a gate failure, and one
that matched everything would hide new ones.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from petgov.errors import UsageError
from petgov.model import Action, Decision, Report
from petgov.policy.fingerprint import KnownFingerprints, of_report, of_report_dict

EXISTING_NOTE = "in the baseline: reported, never gates"


def read_report(path: Path, what: str = "baseline") -> dict[str, Any]:
    """A petgov JSON report from ``path``, or an InputError saying why it is not one."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{what} {path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{what} {path} is not a JSON report: {exc}") from None
    if not isinstance(doc, dict) or "findings" not in doc or "schema_version" not in doc:
        raise UsageError(
            f"{what} {path} is not a petgov JSON report",
            hint="write one with `petgov scan ... -f json -o FILE`",
        )
    if str(doc["schema_version"]) != "1":
        raise UsageError(f"{what} {path}: report schema {doc['schema_version']!r} is not 1")
    return doc


def apply_baseline(report: Report, baseline: dict[str, Any]) -> Report:
    """The report with each decision marked new or existing; existing ones never block."""
    known = KnownFingerprints.of(of_report_dict(baseline))
    decisions: list[Decision] = []
    for d, fp in zip(report.decisions, of_report(report), strict=True):
        if fp.matches(known):
            action = Action.WARN if d.action is Action.BLOCK else d.action
            note = "; ".join(p for p in (d.note, EXISTING_NOTE) if p)
            decisions.append(dataclasses.replace(d, action=action, note=note, baseline="existing"))
        else:
            decisions.append(dataclasses.replace(d, baseline="new"))
    new = sum(1 for d in decisions if d.baseline == "new")
    note = f"baseline: {new} new, {len(decisions) - new} existing finding(s)"
    return dataclasses.replace(report, decisions=decisions, notes=[*report.notes, note])
