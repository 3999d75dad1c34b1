"""The core data every stage passes on: items, findings, decisions, coverage and the report.

All classes are frozen and validated when built, so later stages can trust them. Nothing here
knows about output formats or policy; the JSON form (``to_dict``) is the versioned contract
described by ``docs/schema/report-v1.json``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from petgov.errors import ModelError

SCHEMA_VERSION = "1"

JSON = Any


class Severity(enum.Enum):
    """Finding severities, ordered from least to most serious."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, value: str) -> Severity:
        """Parse a user-given severity name, raising a typed error with the valid choices."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ModelError(f"unknown severity {value!r}", hint=f"use one of: {choices}") from None


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class Mode(enum.Enum):
    """How a rule acts: a guideline warns, a gate blocks."""

    GUIDELINE = "guideline"
    GATE = "gate"


class RunMode(str, enum.Enum):
    """How a whole scan applies policy (``scan --mode``): as written, or every rule only warns."""

    ENFORCE = "enforce"
    ADVISORY = "advisory"


class Action(enum.Enum):
    """What the policy did with a finding."""

    WARN = "warn"
    BLOCK = "block"
    WAIVED = "waived"
    INFO = "info"


# Engines whose "scanned" means they checked something about a file (its signature, its hub
# digest) without examining what its bytes do: they never cover for a content engine's gap.
NOT_CONTENT_ENGINES = frozenset({"provenance"})


def examined_paths(coverage: Iterable[Coverage]) -> set[str]:
    """Paths some content engine scanned (see NOT_CONTENT_ENGINES)."""
    return {
        c.path
        for c in coverage
        if c.status is CoverageStatus.SCANNED and c.engine not in NOT_CONTENT_ENGINES
    }


class CoverageStatus(enum.Enum):
    """Whether an engine examined an item. Anything but SCANNED means no verdict on its bytes."""

    SCANNED = "scanned"
    SKIPPED = "skipped"
    ERROR = "error"
    NOT_SCANNED = "not_scanned"


@dataclass(frozen=True)
class Origin:
    """Where an item came from: a local path, an archive member, or a hub repo at a revision."""

    kind: str = "local"  # local | archive | hf
    source: str = ""  # the target as the user gave it
    repo: str | None = None
    revision: str | None = None  # as the user asked for it (a branch, tag or commit)
    etag: str | None = None  # hub blob id: LFS sha256 or git blob sha1
    commit: str | None = None  # the commit a hub revision resolved to

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"kind": self.kind, "source": self.source}
        for key in ("repo", "revision", "etag", "commit"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class Item:
    """One file, or one member of an archive, as the user would name it (``a.zip!/b.pkl``)."""

    path: str
    format: str
    size: int
    sha256: str | None
    origin: Origin = field(default_factory=Origin)
    depth: int = 0
    parent: str | None = None

    def __post_init__(self) -> None:
        if not self.path:
            raise ModelError("an item needs a path")
        if self.size < 0:
            raise ModelError(f"{self.path}: negative size")
        if self.sha256 is not None and len(self.sha256) != 64:
            raise ModelError(f"{self.path}: sha256 must be 64 hex characters")

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {
            "path": self.path,
            "format": self.format,
            "size": self.size,
            "sha256": self.sha256,
            "origin": self.origin.to_dict(),
            "depth": self.depth,
        }
        if self.parent is not None:
            out["parent"] = self.parent
        return out


@dataclass(frozen=True)
class Finding:
    """What a scanner saw, before policy: stable rule id, kind for policy matching, evidence.

    ``evidence`` must never hold raw secrets or PII: scanners redact before they build a finding.
    """

    rule_id: str
    kind: str
    severity: Severity
    title: str
    message: str
    path: str
    engine: str
    location: Mapping[str, JSON] = field(default_factory=dict)
    evidence: Mapping[str, JSON] = field(default_factory=dict)
    cwe: Sequence[str] = ()
    confidence: str = "high"
    facts: Mapping[str, JSON] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.rule_id.startswith("PG-"):
            raise ModelError(f"rule id {self.rule_id!r} must start with 'PG-'")
        if not self.kind or "." not in self.kind:
            raise ModelError(f"finding kind {self.kind!r} must be namespaced, e.g. 'ser.global'")
        if self.confidence not in ("low", "medium", "high"):
            raise ModelError(f"confidence {self.confidence!r} must be low, medium or high")

    def to_dict(self) -> dict[str, JSON]:
        return {
            "rule_id": self.rule_id,
            "kind": self.kind,
            "severity": self.severity.value,
            "title": self.title,
            "message": self.message,
            "path": self.path,
            "engine": self.engine,
            "location": dict(self.location),
            "evidence": dict(self.evidence),
            "cwe": list(self.cwe),
            "confidence": self.confidence,
            "facts": dict(self.facts),
        }


@dataclass(frozen=True)
class Waiver:
    """An accepted risk: who owns it, why, until when."""

    id: str
    rule_id: str
    owner: str
    reason: str
    expires: str  # ISO date
    approver: str | None = None
    scope: Mapping[str, JSON] = field(default_factory=dict)

    def to_dict(self) -> dict[str, JSON]:
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "owner": self.owner,
            "reason": self.reason,
            "expires": self.expires,
            "approver": self.approver,
            "scope": dict(self.scope),
        }


@dataclass(frozen=True)
class Decision:
    """A finding after policy: effective severity, mode, action and the waiver that applied."""

    finding: Finding
    rule_id: str
    severity: Severity
    mode: Mode
    action: Action
    waiver: Waiver | None = None
    help_uri: str | None = None
    remediation: str | None = None
    note: str | None = None  # e.g. why a waiver lapsed
    # framework -> control ids the rule maps to (OWASP, ATLAS, NIST AI RMF, EU AI Act, CWE)
    compliance: Mapping[str, Sequence[str]] = field(default_factory=dict)
    baseline: str | None = None  # "new" or "existing" when the scan had --baseline

    def to_dict(self) -> dict[str, JSON]:
        out = self.finding.to_dict()
        out["scanner_rule_id"] = self.finding.rule_id
        out["scanner_severity"] = self.finding.severity.value
        out["rule_id"] = self.rule_id
        out["severity"] = self.severity.value
        out["mode"] = self.mode.value
        out["action"] = self.action.value
        out["waiver"] = self.waiver.to_dict() if self.waiver else None
        out["help_uri"] = self.help_uri
        out["remediation"] = self.remediation
        out["note"] = self.note
        out["compliance"] = {k: list(v) for k, v in self.compliance.items()}
        if self.baseline is not None:
            out["baseline"] = self.baseline
        return out


@dataclass(frozen=True)
class Coverage:
    """Which engine examined which item, and if it did not, why. Silence is never 'clean'."""

    path: str
    engine: str
    status: CoverageStatus
    reason: str = ""

    def to_dict(self) -> dict[str, JSON]:
        return {
            "path": self.path,
            "engine": self.engine,
            "status": self.status.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Strings:
    """String values a scanner parsed out of an item, each with where it sits in the item.

    Handed on to post scanners (secrets) so no file is parsed twice and no scanner calls another.
    """

    path: str
    what: str  # what the strings are, e.g. "pickle string constants (static VM)"
    values: Sequence[tuple[Mapping[str, Any], str]]
    dropped: int = 0  # strings past the scanner's budget, never handed on


@dataclass
class ScanResult:
    """Findings, coverage and facts (keyed by item path, or '' for the target) from one stage.

    Scanners return it; library code below the scanner stage (the hub check) returns it too,
    so it lives here rather than in the scanner interface.
    """

    findings: list[Finding] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    strings: list[Strings] = field(default_factory=list)  # for post scanners, not reported

    def extend(self, other: ScanResult) -> None:
        """Merge another result into this one."""
        self.findings.extend(other.findings)
        self.coverage.extend(other.coverage)
        for key, value in other.facts.items():
            self.facts.setdefault(key, {}).update(value)
        self.strings.extend(other.strings)

    def scanned(self, path: str, engine: str, reason: str = "") -> None:
        """Record that ``engine`` examined ``path`` completely."""
        self.coverage.append(Coverage(path, engine, CoverageStatus.SCANNED, reason))

    def not_scanned(self, path: str, engine: str, reason: str, *, error: bool = False) -> None:
        """Record that ``engine`` could not give a verdict on ``path``, and why."""
        status = CoverageStatus.ERROR if error else CoverageStatus.NOT_SCANNED
        self.coverage.append(Coverage(path, engine, status, reason))


@dataclass(frozen=True)
class RuleDoc:
    """What a reader of the report needs about one rule: title, docs headings, tags, confidence."""

    title: str
    docs: Mapping[str, str] = field(default_factory=dict)  # what / why / fix ...
    tags: Sequence[str] = ()
    confidence: str = "medium"


@dataclass(frozen=True)
class PolicyInfo:
    """Which packs and settings produced the decisions, so a report can be reproduced."""

    mode: str = RunMode.ENFORCE.value
    fail_on: Severity = Severity.HIGH
    packs: Sequence[Mapping[str, JSON]] = ()
    lapsed_waivers: Sequence[Mapping[str, JSON]] = ()
    # Docs of the rules the decisions name, from the packs that decided (custom ones included),
    # so renderers such as SARIF never load packs. Not in to_dict: the JSON links rules by id.
    rules: Mapping[str, RuleDoc] = field(default_factory=dict)

    def to_dict(self) -> dict[str, JSON]:
        return {
            "mode": self.mode,
            "fail_on": self.fail_on.value,
            "packs": [dict(p) for p in self.packs],
            "lapsed_waivers": [dict(w) for w in self.lapsed_waivers],
        }


@dataclass(frozen=True)
class ToolInfo:
    """The tool and engine versions a report was made with."""

    name: str
    version: str
    engines: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, JSON]:
        return {"name": self.name, "version": self.version, "engines": dict(self.engines)}


@dataclass(frozen=True)
class Report:
    """The one versioned result every output (table, JSON, SARIF, AI-BOM, gate) is rendered from."""

    tool: ToolInfo
    created_at: str
    targets: Sequence[str]
    items: Sequence[Item]
    decisions: Sequence[Decision]
    coverage: Sequence[Coverage]
    policy: PolicyInfo = field(default_factory=PolicyInfo)
    facts: Mapping[str, Mapping[str, JSON]] = field(default_factory=dict)
    notes: Sequence[str] = ()
    schema_version: str = SCHEMA_VERSION

    @property
    def gate_failed(self) -> bool:
        """True when any decision blocks: the CI exit code follows this and nothing else."""
        return any(d.action is Action.BLOCK for d in self.decisions)

    def summary(self) -> dict[str, JSON]:
        by_severity = {s.value: 0 for s in Severity}
        by_action = {a.value: 0 for a in Action}
        for d in self.decisions:
            by_severity[d.severity.value] += 1
            by_action[d.action.value] += 1
        not_scanned = sorted(
            {c.path for c in self.coverage if c.status is not CoverageStatus.SCANNED}
            - examined_paths(self.coverage)
        )
        return {
            "items": len(self.items),
            "findings": len(self.decisions),
            "by_severity": by_severity,
            "by_action": by_action,
            "not_scanned": not_scanned,
            "gate_failed": self.gate_failed,
        }

    def to_dict(self) -> dict[str, JSON]:
        return {
            "schema_version": self.schema_version,
            "tool": self.tool.to_dict(),
            "created_at": self.created_at,
            "targets": list(self.targets),
            "policy": self.policy.to_dict(),
            "items": [i.to_dict() for i in self.items],
            "findings": [d.to_dict() for d in self.decisions],
            "coverage": [c.to_dict() for c in self.coverage],
            "facts": {k: dict(v) for k, v in sorted(self.facts.items())},
            "notes": list(self.notes),
            "summary": self.summary(),
        }
