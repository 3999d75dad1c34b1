"""Diff two JSON reports: findings new and resolved (matched by fingerprint), items added,
removed, or whose bytes changed. Gate-worthy: a new finding of high or critical severity that is
not waived."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from petgov.diff.changes import Change, DiffResult
from petgov.policy.fingerprint import KnownFingerprints, of_report_dict, relative_path

_GATE = frozenset({"critical", "high"})


def _items(doc: Mapping[str, Any]) -> dict[str, str | None]:
    targets = [str(t) for t in doc.get("targets", [])]
    return {
        relative_path(str(i.get("path")), targets): i.get("sha256")
        for i in doc.get("items", [])
        if isinstance(i, Mapping)
    }


def diff_reports(old: Mapping[str, Any], new: Mapping[str, Any]) -> DiffResult:
    """New and resolved findings, then item changes."""
    old_prints, new_prints = of_report_dict(old), of_report_dict(new)
    old_known, new_known = KnownFingerprints.of(old_prints), KnownFingerprints.of(new_prints)
    changes: list[Change] = []
    new_targets = [str(t) for t in new.get("targets", [])]
    old_targets = [str(t) for t in old.get("targets", [])]
    for f, fp in zip(new.get("findings", []), new_prints, strict=True):
        if fp.matches(old_known):
            continue
        sev = str(f.get("severity"))
        waived = f.get("action") == "waived"
        changes.append(
            Change(
                "new",
                "finding",
                f"{f.get('rule_id')} {relative_path(str(f.get('path')), new_targets)}",
                detail=f"{sev}, {f.get('action')}: {f.get('message')}",
                gate=sev in _GATE and not waived,
            )
        )
    for f, fp in zip(old.get("findings", []), old_prints, strict=True):
        if not fp.matches(new_known):
            changes.append(
                Change(
                    "resolved",
                    "finding",
                    f"{f.get('rule_id')} {relative_path(str(f.get('path')), old_targets)}",
                    detail=f"{f.get('severity')}: {f.get('message')}",
                )
            )
    a, b = _items(old), _items(new)
    changes.extend(Change("added", "item", p) for p in sorted(b.keys() - a.keys()))
    changes.extend(Change("removed", "item", p) for p in sorted(a.keys() - b.keys()))
    changes.extend(
        Change("hash changed", "item", p, before=str(a[p])[:16], after=str(b[p])[:16], gate=True)
        for p in sorted(a.keys() & b.keys())
        if a[p] and b[p] and a[p] != b[p]
    )
    return DiffResult("report", changes)
