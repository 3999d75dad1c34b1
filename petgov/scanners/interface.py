"""The scanner extension point.

An ``ItemScanner`` looks at one inventoried entry at a time (a pickle, a CSV); a
``TargetScanner`` looks at a whole target at once (provenance over a model folder, remote code
in a repo). Scanners only report: they never know about policy or output formats, they never
import or execute what they read, and every entry they are offered but do not examine is
returned as Coverage with a reason.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from petgov.model import Coverage, CoverageStatus, Finding, Item
from petgov.targets.interface import ResolvedTarget, Source


@dataclass
class Entry:
    """An inventoried item plus the bytes behind it."""

    item: Item
    source: Source
    digest_pending: bool = False  # its sha256 is being computed in the background


@dataclass
class ScanContext:
    """What every scanner may read besides its entry: options, the clock, the whole target."""

    now: dt.datetime
    options: Mapping[str, Any] = field(default_factory=dict)
    target: ResolvedTarget | None = None
    entries: Sequence[Entry] = ()
    cross_check: bool = False

    @property
    def root(self) -> Path | None:
        return self.target.root if self.target else None


@dataclass
class ScanResult:
    """Findings, coverage and facts (keyed by item path, or '' for the target) from one scan."""

    findings: list[Finding] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def extend(self, other: ScanResult) -> None:
        """Merge another result into this one."""
        self.findings.extend(other.findings)
        self.coverage.extend(other.coverage)
        for key, value in other.facts.items():
            self.facts.setdefault(key, {}).update(value)

    def scanned(self, path: str, engine: str, reason: str = "") -> None:
        """Record that ``engine`` examined ``path`` completely."""
        self.coverage.append(Coverage(path, engine, CoverageStatus.SCANNED, reason))

    def not_scanned(self, path: str, engine: str, reason: str, *, error: bool = False) -> None:
        """Record that ``engine`` could not give a verdict on ``path``, and why."""
        status = CoverageStatus.ERROR if error else CoverageStatus.NOT_SCANNED
        self.coverage.append(Coverage(path, engine, status, reason))


class Scanner(ABC):
    """Base of both scanner kinds: a stable name and a version bumped when output changes."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    # Off by default scanners run only when asked for (``--scanner NAME`` or a flag).
    default_enabled: ClassVar[bool] = True
    # Every finding kind this scanner can emit; `rules lint` checks each has a built-in rule.
    kinds: ClassVar[frozenset[str]] = frozenset()

    def engine_version(self) -> str:
        """Version string recorded in the report's tool.engines."""
        return self.version


class ItemScanner(Scanner):
    """Scans one entry at a time."""

    @abstractmethod
    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        """Cheap check, by sniffed format, whether this scanner examines ``entry``."""

    @abstractmethod
    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        """Examine ``entry``; never raise for bad content (report it), only for bugs."""


class TargetScanner(Scanner):
    """Scans a whole resolved target once (all its entries at hand in ``ctx.entries``)."""

    @abstractmethod
    def scan_target(self, ctx: ScanContext) -> ScanResult:
        """Examine the target in ``ctx``."""
