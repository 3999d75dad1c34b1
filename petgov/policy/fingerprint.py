"""Stable finding fingerprints: the same finding matches across runs, checkouts and edits.

A fingerprint hashes the rule, the finding kind, the item and what identifies the finding inside
it (the location and evidence that name *what* was found: a global, a column, an entity), never
where it happened to sit (byte offsets, line numbers) or measurements that drift (counts, rates,
samples). The item is named two ways, so a finding matches when either holds:

- ``path``: the path relative to the folder the target sits in (``model/a.pkl`` whether the scan
  ran in ``/tmp/x`` or in a CI checkout);
- ``content``: the item's sha256 (a renamed or moved file with the same bytes).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from petgov.model import Report

VERSION = "petgov/v1"
POSITIONAL = frozenset(
    {
        "offset",
        "byte",
        "bytes",
        "position",
        "pos",
        "line",
        "lineno",
        "start_line",
        "end_line",
        "end_lineno",
        "col",
        "col_offset",
        "end_col_offset",
        "row",
        "index",
        "opcode_index",
    }
)


@dataclass(frozen=True)
class Fingerprints:
    """A finding's two identities (``content`` is None when the item has no digest)."""

    path: str
    content: str | None

    def matches(self, known: KnownFingerprints) -> bool:
        return self.path in known.paths or (
            self.content is not None and self.content in known.contents
        )


@dataclass(frozen=True)
class KnownFingerprints:
    """The fingerprints of a baseline, for membership tests."""

    paths: frozenset[str]
    contents: frozenset[str]

    @classmethod
    def of(cls, prints: Iterable[Fingerprints]) -> KnownFingerprints:
        items = list(prints)
        return cls(
            frozenset(p.path for p in items),
            frozenset(p.content for p in items if p.content is not None),
        )


def relative_path(path: str, targets: Sequence[str]) -> str:
    """``path`` relative to the parent folder of the target that contains it (else as given)."""
    outer, sep, member = path.partition("!/")
    norm = posixpath.normpath(outer.replace("\\", "/"))
    best: str | None = None
    for target in targets:
        t = posixpath.normpath(target.replace("\\", "/"))
        if norm == t or norm.startswith(t.rstrip("/") + "/"):
            parent = posixpath.dirname(t)
            rel = posixpath.relpath(norm, parent) if parent else norm
            if best is None or len(rel) < len(best):
                best = rel
    return (best or norm) + (sep + member if sep else "")


def _stable(values: Mapping[str, Any]) -> dict[str, Any]:
    """What names a finding: strings, booleans and lists of them, minus positions and samples."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        k = str(key)
        if k.lower() in POSITIONAL or "sample" in k.lower() or "example" in k.lower():
            continue
        if isinstance(value, (str, bool)):
            out[k] = value
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            out[k] = sorted(value)
    return out


def _digest(parts: list[Any]) -> str:
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def fingerprints(
    *,
    rule_id: str,
    kind: str,
    path: str,
    location: Mapping[str, Any],
    evidence: Mapping[str, Any],
    sha256: str | None,
    targets: Sequence[str],
) -> Fingerprints:
    """Both fingerprints of one finding, from plain values (a live report or a JSON one)."""
    what = [VERSION, rule_id, kind, _stable(location), _stable(evidence)]
    member = path.partition("!/")[2]
    by_path = _digest([*what, "path", relative_path(path, targets)])
    by_content = _digest([*what, "sha256", sha256, member]) if sha256 else None
    return Fingerprints(by_path, by_content)


def of_report(report: Report) -> list[Fingerprints]:
    """Fingerprints of every decision of a live report, in order."""
    digests = {i.path: i.sha256 for i in report.items}
    return [
        fingerprints(
            rule_id=d.rule_id,
            kind=d.finding.kind,
            path=d.finding.path,
            location=d.finding.location,
            evidence=d.finding.evidence,
            sha256=digests.get(d.finding.path),
            targets=report.targets,
        )
        for d in report.decisions
    ]


def of_report_dict(doc: Mapping[str, Any]) -> list[Fingerprints]:
    """Fingerprints of every finding of a JSON report (``petgov scan -f json``)."""
    digests = {i.get("path"): i.get("sha256") for i in doc.get("items", []) if isinstance(i, dict)}
    targets = [str(t) for t in doc.get("targets", [])]
    return [
        fingerprints(
            rule_id=str(f.get("rule_id")),
            kind=str(f.get("kind")),
            path=str(f.get("path")),
            location=f.get("location") or {},
            evidence=f.get("evidence") or {},
            sha256=digests.get(f.get("path")),
            targets=targets,
        )
        for f in doc.get("findings", [])
        if isinstance(f, dict)
    ]
