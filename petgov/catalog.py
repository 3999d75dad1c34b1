"""The rule catalog: a finding kind's id, title, default severity and CWE, read from ``rules/``.

The built-in rule files are the single source of a rule's metadata. Scanners and stages name
only a kind (``finding("ser.dangerous_global", ...)``) and say what they saw; everything a rule
file already states comes from here. The catalog is data only: no modes, org packs or waivers,
so building a finding still knows nothing about policy.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petgov.errors import ModelError
from petgov.model import JSON, Finding, Severity

# A rule tests its kind first: ``finding.kind == "x"`` alone or as the leading conjunct.
KIND_TEST = re.compile(r'^\s*finding\.kind\s*==\s*"([^"\\]+)"\s*(?:&&|$)')
_CWE_TAG = re.compile(r"^CWE-\d+$")


@dataclass(frozen=True)
class RuleInfo:
    """What a finding of one kind inherits from its rule."""

    id: str
    kind: str
    title: str
    severity: Severity
    confidence: str
    cwe: tuple[str, ...]


def rule_kind(when: str) -> str | None:
    """The kind a rule's ``when`` expression is restricted to, if it leads with a kind test."""
    m = KIND_TEST.match(when)
    return m.group(1) if m else None


@functools.cache
def catalog() -> Mapping[str, RuleInfo]:
    """{kind: RuleInfo} for every built-in rule that tests one kind (read once per process)."""
    from petgov.util.shipped import shipped_dir

    root = shipped_dir("rules")
    if root is None:
        raise ModelError("built-in rules not found", hint="reinstall petgov")
    return _read(root, builtin_rule_files(root))


def _read(root: Path, files: dict[str, bytes] | None = None) -> dict[str, RuleInfo]:
    from petgov.util.yamldocs import documents, warm  # shared with the policy pack loader

    files = shipped_rule_files(root) if files is None else files
    warm(list(files.values()), "rules")
    out: dict[str, RuleInfo] = {}
    for name, raw in files.items():
        if not (name.rsplit("/", 1)[-1].startswith("PG-")):
            continue
        for doc in documents(raw):
            if isinstance(doc, Mapping):
                info = _info(doc)
                if info is not None:
                    out.setdefault(info.kind, info)
    return out


def builtin_rule_files(root: Path) -> dict[str, bytes]:
    """``shipped_rule_files`` of the built-in rule folder (``root``), read once per process:
    the catalog and the policy pack loader both need it (~2.5 ms a read)."""
    if not _builtin:
        _builtin.append(shipped_rule_files(root))
    return dict(_builtin[0])


_builtin: list[dict[str, bytes]] = []


def shipped_rule_files(root: Path) -> dict[str, bytes]:
    """{relative path: bytes} of the YAML files of a rule folder, in path order: the set the
    policy pack loader reads too, so both warm the same parsed-rules cache."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.suffix in (".yaml", ".yml") and p.is_file() and not p.is_symlink()
    }


def _info(doc: Mapping[str, Any]) -> RuleInfo | None:
    kind = rule_kind(str(doc.get("when") or ""))
    if kind is None:
        return None
    tags = [str(t) for t in doc.get("tags") or ()]
    return RuleInfo(
        id=str(doc["id"]),
        kind=kind,
        title=str(doc["title"]),
        severity=Severity.parse(str(doc["severity"])),
        confidence=str(doc.get("confidence") or "medium"),
        cwe=tuple(t for t in tags if _CWE_TAG.match(t)),
    )


def rule_for(kind: str) -> RuleInfo:
    """The catalog entry of ``kind``; a kind without a built-in rule is a bug in petgov."""
    try:
        return catalog()[kind]
    except KeyError:
        raise ModelError(f"finding kind {kind!r} has no built-in rule") from None


def finding(
    kind: str,
    path: str,
    message: str,
    *,
    engine: str,
    location: Mapping[str, JSON] | None = None,
    evidence: Mapping[str, JSON] | None = None,
    severity: Severity | None = None,
    confidence: str | None = None,
    facts: Mapping[str, JSON] | None = None,
    cwe: Sequence[str] | None = None,
) -> Finding:
    """A Finding of ``kind``: id, title, severity, confidence and CWE from the catalog.

    ``severity`` and ``confidence`` are for scanners that grade what they saw (a PII entity, an
    OSV score); ``cwe`` for a kind whose weakness depends on the case (a SavedModel file op).
    """
    rule = rule_for(kind)
    return Finding(
        rule_id=rule.id,
        kind=kind,
        severity=severity or rule.severity,
        title=rule.title,
        message=message,
        path=path,
        engine=engine,
        location=dict(location or {}),
        evidence=dict(evidence or {}),
        cwe=tuple(cwe) if cwe is not None else rule.cwe,
        confidence=confidence or rule.confidence,
        facts=dict(facts or {}),
    )
