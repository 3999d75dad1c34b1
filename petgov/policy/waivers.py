"""Waivers from ``.petgov/waivers.yaml``: scoped, owned, reasoned and expiring.

A waiver that is expired, malformed or has no reason does not waive; it is reported as lapsed
with the reason, so nobody loses a finding silently (Trivy drops expired ignores; we do not).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petgov.errors import PolicyError
from petgov.model import Finding, Waiver
from petgov.util.yamlerr import yaml_problem

REQUIRED = ("rule", "reason", "owner", "expires")


@dataclass
class Lapsed:
    """A waiver entry that does not waive, and why."""

    id: str
    rule_id: str
    why: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "rule_id": self.rule_id, "why": self.why}


def load_waivers(path: Path, now: dt.datetime) -> tuple[list[Waiver], list[Lapsed]]:
    """Valid waivers and lapsed entries; an unreadable file is a PolicyError."""
    import yaml

    try:
        doc = yaml.safe_load(path.read_bytes())
    except OSError as exc:
        raise PolicyError(f"cannot read waivers {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"waivers {path} is not valid YAML: {yaml_problem(exc)}") from None
    if isinstance(doc, dict) and "waivers" not in doc:  # e.g. a model config.json given by mistake
        raise PolicyError(
            f"waivers {path}: no `waivers:` list",
            hint="a waivers file is a mapping with a `waivers:` list (docs/policy.md)",
        )
    entries = doc.get("waivers") if isinstance(doc, dict) else doc
    if entries is None:
        return [], []
    if not isinstance(entries, list):
        raise PolicyError(f"waivers {path}: expected a list under `waivers:`")
    valid: list[Waiver] = []
    lapsed: list[Lapsed] = []
    for n, entry in enumerate(entries, 1):
        result = parse_waiver(entry, n, now)
        (lapsed if isinstance(result, Lapsed) else valid).append(result)  # type: ignore[arg-type]
    return valid, lapsed


def parse_waiver(entry: Any, n: int, now: dt.datetime) -> Waiver | Lapsed:
    """One entry; problems make it a Lapsed with the reason."""
    if not isinstance(entry, dict):
        return Lapsed(id=f"#{n}", rule_id="?", why="malformed: not a mapping")
    wid = str(entry.get("id") or f"#{n}")
    rule = str(entry.get("rule") or entry.get("rule_id") or "")
    missing = [k for k in REQUIRED if not str(entry.get(k) or entry.get(k + "_id") or "").strip()]
    if missing:
        return Lapsed(id=wid, rule_id=rule or "?", why=f"malformed: missing {', '.join(missing)}")
    expires = entry["expires"]
    try:
        day = expires if isinstance(expires, dt.date) else dt.date.fromisoformat(str(expires))
    except ValueError:
        return Lapsed(id=wid, rule_id=rule, why=f"malformed: expires {expires!r} is not a date")
    if isinstance(day, dt.datetime):
        day = day.date()
    if now.date() > day:
        return Lapsed(id=wid, rule_id=rule, why=f"expired on {day.isoformat()}")
    scope: dict[str, Any] = {}
    if entry.get("paths") or entry.get("path"):
        paths = entry.get("paths") or entry.get("path")
        scope["paths"] = [str(p) for p in (paths if isinstance(paths, list) else [paths])]
    if entry.get("sha256"):
        scope["sha256"] = str(entry["sha256"]).lower().removeprefix("sha256:")
    if not scope:
        return Lapsed(id=wid, rule_id=rule, why="malformed: no scope (paths and/or sha256)")
    approver = entry.get("approver") or entry.get("approved_by")
    return Waiver(
        id=wid,
        rule_id=rule,
        owner=str(entry["owner"]),
        reason=str(entry["reason"]),
        expires=day.isoformat(),
        approver=str(approver) if approver else None,
        scope=scope,
    )


def waiver_covers(w: Waiver, finding: Finding, sha256: str | None) -> bool:
    """True when ``w`` is for this rule and every scope it sets matches the finding."""
    if not fnmatch.fnmatchcase(finding.rule_id, w.rule_id):
        return False
    paths = w.scope.get("paths")
    if isinstance(paths, list) and not any(
        fnmatch.fnmatchcase(finding.path, str(p)) for p in paths
    ):
        return False
    want = w.scope.get("sha256")
    return not (want and want != sha256)
