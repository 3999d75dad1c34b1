"""The scanner extension point.

An ``ItemScanner`` looks at one inventoried entry at a time (a pickle, a CSV); a
``TargetScanner`` looks at a whole target at once (provenance over a model folder, remote code
in a repo); a ``PostScanner`` runs last, over what the others handed on (secrets in the strings
a pickle or header scanner parsed). Scanners only report: they never know about policy or output
formats, they never import or execute what they read, and every entry they are offered but do not
examine is returned as Coverage with a reason.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from petgov.model import Item
from petgov.model import ScanResult as ScanResult  # re-exported: the scanners' return type
from petgov.model import Strings as Strings  # re-exported: what item scanners hand on
from petgov.scanners.options import ScannerOptions
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
    options: ScannerOptions = field(default_factory=ScannerOptions)
    target: ResolvedTarget | None = None
    entries: Sequence[Entry] = ()
    cross_check: bool = False

    @property
    def root(self) -> Path | None:
        return self.target.root if self.target else None


class Scanner(ABC):
    """Base of both scanner kinds: a stable name and a version bumped when output changes."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    # Off by default scanners run only when asked for (``--scanner NAME`` or a flag).
    default_enabled: ClassVar[bool] = True
    # Every finding kind this scanner can emit; `rules lint` checks each has a built-in rule.
    kinds: ClassVar[frozenset[str]] = frozenset()
    # True for scanners that judge whether loading an item runs code: when one of them cannot
    # finish a code-bearing item, the gap is a finding (scanners.coverage_gate), not a footnote.
    judges_code: ClassVar[bool] = False
    # True when an item verdict depends on the item's bytes and the options alone (not on
    # sibling files, a database or the clock): only then may scanners.result_cache reuse it.
    cacheable: ClassVar[bool] = False

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

    def fork_early(self, ctx: ScanContext) -> bool:
        """True when ``scan_target`` is worth running in a forked child from the start, on a
        second core while the item scanners run (``pipeline`` collects it in its usual turn)."""
        return False

    def release(self) -> None:
        """Stop what ``scan_target`` left running (worker pools); a forked child calls it."""


class PostScanner(Scanner):
    """Runs after every item and target scanner of a target, over what they handed on.

    This is how one scanner uses another's output (the strings a header or pickle scanner
    parsed) without calling it: with ``--scanner X`` only X runs, and every finding's engine
    is the scanner that made it.
    """

    @abstractmethod
    def scan_post(self, ctx: ScanContext, result: ScanResult) -> ScanResult:
        """Examine ``result`` (read only: the merged result of the target so far)."""
