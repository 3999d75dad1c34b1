"""target -> inventory -> scanners -> policy -> Report. Each stage is a plain function.

Stages never reach back: scanners do not know about policy, policy does not know about outputs.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import types
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import petgov
from petgov import filetypes as F
from petgov.errors import TargetError
from petgov.inventory.hashing import (
    INLINE_BYTES,
    BackgroundHasher,
    Digest,
    DigestMode,
    settled,
    wants_digest,
)
from petgov.inventory.sniff import sniff
from petgov.model import Coverage, CoverageStatus, Finding, Item, Report, ToolInfo
from petgov.policy.evaluate import PolicyOptions, evaluate
from petgov.scanners.coverage_gate import is_gap, unexamined_findings
from petgov.scanners.interface import (
    Entry,
    ItemScanner,
    PostScanner,
    ScanContext,
    Scanner,
    ScanResult,
    TargetScanner,
)
from petgov.scanners.options import ScannerOptions
from petgov.scanners.result_cache import NO_CACHE, ScanCache, decode, encode
from petgov.targets.archive import ENGINE as ARCHIVE_ENGINE
from petgov.targets.archive import ArchiveLimits, expand
from petgov.targets.filters import PathFilter
from petgov.targets.interface import RawEntry, ResolvedTarget, resolvers
from petgov.util.clock import iso, system_clock

if TYPE_CHECKING:
    from petgov.util.forked import Forked

Progress = Callable[[str, int, int], None]  # (stage, done, total)
# Small files are read whole once, at sniffing, and hashed from those bytes; up to this many
# bytes per inventory stay held for the item scanners (released after them), the rest go.
HOLD_BUDGET = 4 << 20
INVENTORY_ENGINE = "inventory"
_STAGE_ENGINES = frozenset({ARCHIVE_ENGINE, INVENTORY_ENGINE})


@dataclass(frozen=True)
class ScanOptions:
    """Everything a scan run needs besides its targets."""

    policy: PolicyOptions = field(default_factory=PolicyOptions)
    limits: ArchiveLimits = field(default_factory=ArchiveLimits)
    scanners: Sequence[str] | None = None  # None: every default-enabled scanner
    cross_check: bool = False
    digests: DigestMode = DigestMode.TOP
    scanner_options: ScannerOptions = field(default_factory=ScannerOptions)
    now: dt.datetime | None = None
    path_filter: PathFilter | None = None  # None: the built-in skipped folders only
    cache: ScanCache | None = None  # item results by content (scanners.result_cache); None: off


@dataclass
class Inventory:
    """All entries of one target after sniffing, expansion and hashing."""

    target: ResolvedTarget
    entries: list[Entry]
    result: ScanResult
    pending: dict[int, Digest] = field(default_factory=dict)  # entry index -> digest
    hasher: BackgroundHasher | None = None

    def finish(self) -> list[Item]:
        """The items with their digests, once background hashing is done; failures are said."""
        try:
            for i, future in self.pending.items():
                entry = self.entries[i]
                try:
                    digest: str | None = future.result()
                except Exception as exc:  # one damaged member: the rest still get digests
                    self.result.not_scanned(
                        entry.item.path, INVENTORY_ENGINE, f"cannot hash: {exc!r}", error=True
                    )
                    digest = None
                entry.item = dataclasses.replace(entry.item, sha256=digest)
        finally:
            self.pending.clear()
            if self.hasher is not None:
                self.hasher.close()
        return [e.item for e in self.entries]


def _hashed_inline(pending: dict[int, Digest], index: int) -> str | None:
    """The digest of an item hashed on the spot (a small file), taken out of ``pending``;
    None while it is still being hashed, or when hashing failed (``finish`` says so)."""
    future = pending.get(index)
    if future is None or not settled(future) or future.exception() is not None:
        return None
    digest = future.result()
    if digest is None:  # a remote item's unknown digest: it stays "pending" for the AI-BOM
        return None
    del pending[index]
    return digest


def resolve(target: str, path_filter: PathFilter | None = None) -> ResolvedTarget:
    """Resolve one target string with the first resolver that accepts it."""
    for resolver in resolvers(target):
        if resolver.accepts(target):
            return resolver.resolve(target, path_filter)
    raise TargetError(f"{target}: no resolver accepts this target")


def inventory(
    target: ResolvedTarget,
    limits: ArchiveLimits,
    digests: DigestMode = DigestMode.TOP,
    *,
    wait: bool = True,
) -> Inventory:
    """Sniff every entry by content, walk archives within limits, hash per ``digests``.

    Hashing starts in background threads as soon as an entry is sniffed; with ``wait=False``
    the caller scans meanwhile and calls ``Inventory.finish()`` for the digests.
    """
    result = ScanResult(
        findings=list(target.findings),
        coverage=list(target.coverage),
        facts={k: dict(v) for k, v in target.facts.items()},
    )
    queue: deque[RawEntry] = deque(target.entries)
    sniffed: list[tuple[RawEntry, str]] = []
    hasher = BackgroundHasher()
    pending: dict[int, Digest] = {}
    budget = HOLD_BUDGET
    try:
        while queue:
            raw = queue.popleft()
            try:
                held = 0 if raw.raw_data else raw.source.hold(INLINE_BYTES)
                fmt = F.BINARY if raw.raw_data else sniff(raw.source, raw.path)
                raw.source.prepare(fmt, whole=digests is DigestMode.ALL)  # remote: fetch whole
            except OSError as exc:
                if raw.depth == 0:
                    raise TargetError(f"{raw.path}: cannot read: {exc.strerror or exc}") from exc
                result.not_scanned(
                    raw.path, INVENTORY_ENGINE, f"unreadable member: {exc}", error=True
                )
                continue
            except Exception as exc:  # a member stream that is damaged or hits a bomb limit
                result.not_scanned(
                    raw.path, INVENTORY_ENGINE, f"unreadable member: {exc!r}", error=True
                )
                continue
            if wants_digest(digests, raw.depth, fmt):
                pending[len(sniffed)] = hasher.submit(raw.source)
            sniffed.append((raw, fmt))
            if fmt in F.ARCHIVES or fmt in F.MODEL_ARCHIVES:
                exp = expand(raw, fmt, limits)
                result.findings.extend(exp.findings)
                result.coverage.extend(exp.coverage)
                queue.extend(exp.entries)
            if held > budget:
                raw.source.release()
            else:
                budget -= held
    except BaseException:
        hasher.close()
        raise
    entries = []
    for index, (raw, fmt) in enumerate(sniffed):
        item = Item(
            path=raw.path,
            format=fmt,
            size=raw.source.size,
            sha256=_hashed_inline(pending, index),
            origin=raw.origin,
            depth=raw.depth,
            parent=raw.parent,
        )
        entries.append(Entry(item=item, source=raw.source, digest_pending=index in pending))
    result.facts.setdefault("", {})["inventory.digests"] = digests.value
    inv = Inventory(target=target, entries=entries, result=result, pending=pending, hasher=hasher)
    if wait:
        inv.finish()
    return inv


def run_scanners(
    inv: Inventory,
    scanners: Sequence[Scanner],
    ctx_base: ScanContext,
    progress: Progress | None = None,
    cache: ScanCache | None = None,
) -> ScanResult:
    """Run every scanner over the inventory; an item no scanner examines is 'not scanned'."""
    result = inv.result
    ctx = ScanContext(
        now=ctx_base.now,
        options=ctx_base.options,
        target=inv.target,
        entries=inv.entries,
        cross_check=ctx_base.cross_check,
    )
    examined: set[str] = set()
    # Stage gaps (a member past a limit, unreadable, not walked) and, below, every gap a
    # code-judging scanner left on a code-bearing item: each becomes a gate finding.
    gaps = [c for c in result.coverage if c.engine in _STAGE_ENGINES and is_gap(c)]
    # Whole-target phases count too: the bar does not sit at 100% while PII runs (D-m5).
    phases = sum(isinstance(s, TargetScanner) + isinstance(s, PostScanner) for s in scanners)
    total = len(inv.entries) + phases
    # Sorted out once, not per entry: an isinstance check against an ABC is not free.
    item_scanners = [s for s in scanners if isinstance(s, ItemScanner)]
    early = _fork_early(scanners, ctx, item_scanners)
    for done, entry in enumerate(inv.entries, 1):
        cached = (cache or NO_CACHE).item(entry, inv.pending.get(done - 1))
        for examiner in item_scanners:
            if examiner.applies_to(entry, ctx):
                call = functools.partial(
                    _guarded,
                    examiner,
                    entry.item.path,
                    functools.partial(_scan_item, examiner, entry, ctx),
                )
                res = cached.result(examiner, call)
                if examiner.judges_code and entry.item.format in F.CODE_BEARING:
                    gaps.extend(c for c in res.coverage if c.engine == examiner.name and is_gap(c))
                result.extend(res)
                examined.add(entry.item.path)
        cached.save()
        entry.source.release()  # what target and post scanners read, they read from the file
        if progress:
            progress(f"scan {entry.item.path}", done, total)
    result.findings.extend(unexamined_findings(gaps, result.findings))
    done = len(inv.entries)
    for scanner in scanners:
        if isinstance(scanner, TargetScanner):
            if progress:  # the phase label: which whole-target scanner is at work
                progress(f"{scanner.name}: {inv.target.target}", done, total)
            forked = early.pop(id(scanner), None)
            res_t = _delivered(forked) if forked is not None else None
            if res_t is None:  # not forked, or the child did not deliver: run it here
                call_t = functools.partial(scanner.scan_target, ctx)
                res_t = _guarded(scanner, inv.target.target, call_t)
            result.extend(res_t)
            done += 1
    for scanner in scanners:
        if isinstance(scanner, PostScanner):
            if progress:
                progress(f"{scanner.name}: {inv.target.target}", done, total)
            call_p = functools.partial(scanner.scan_post, ctx, result)
            result.extend(_guarded(scanner, inv.target.target, call_p))
            done += 1
    if progress:
        progress(f"done: {inv.target.target}", total, total)
    result.strings.clear()  # handed on to the post phase only, never reported
    for entry in inv.entries:
        item = entry.item
        if item.format in F.CODE_BEARING and item.path not in examined:
            result.coverage.append(
                Coverage(
                    item.path,
                    "petgov",
                    CoverageStatus.NOT_SCANNED,
                    f"no enabled scanner handles format {item.format}",
                )
            )
    return result


def _fork_early(
    scanners: Sequence[Scanner], ctx: ScanContext, item_scanners: Sequence[ItemScanner]
) -> dict[int, Forked[dict[str, Any]]]:
    """Target scanners that asked to run in a forked child, started now: they work on a second
    core while the item scanners run here, and are collected in their usual turn (same order,
    same results; a child that fails is run again in-process). Only when item scanners have
    work to overlap with."""
    from petgov.util import forked

    started: dict[int, Forked[dict[str, Any]]] = {}
    wanted = [s for s in scanners if isinstance(s, TargetScanner) and s.fork_early(ctx)]
    if not wanted or not forked.available():
        return started
    if not any(s.applies_to(e, ctx) for e in ctx.entries for s in item_scanners):
        return started
    path = ctx.target.target if ctx.target else ""
    for scanner in wanted:
        call = functools.partial(scanner.scan_target, ctx)
        as_data = functools.partial(_as_data, scanner, path, call)
        child = forked.start(as_data, scanner.release)
        if child is not None:
            atexit.register(child.cancel)  # a parent leaving early stops the child
            started[id(scanner)] = child
    return started


def _as_data(scanner: Scanner, path: str, call: Callable[[], ScanResult]) -> dict[str, Any]:
    """What a forked child sends back: its guarded result in JSON form (never a pickle)."""
    return encode(_guarded(scanner, path, call))


def _delivered(child: Forked[dict[str, Any]]) -> ScanResult | None:
    """A forked scanner's result, rebuilt from its JSON form with the model's checks; None when
    the child did not deliver one (the caller then runs the scanner here)."""
    doc = child.result()
    if doc is None:
        return None
    try:
        return decode(doc)
    except (KeyError, TypeError, ValueError):
        return None


def _scan_item(scanner: ItemScanner, entry: Entry, ctx: ScanContext) -> ScanResult:
    """One item scanner's verdict. A small file let go at listing (past the held budget) is
    read once more here, for all its scanners, instead of opened (or mapped) by each."""
    with contextlib.suppress(OSError):  # each scanner reports a read failure its own way
        entry.source.hold(INLINE_BYTES)
    return scanner.scan(entry, ctx)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic collector runs less often while a scan runs.

    A scan makes many small objects (items, coverage, findings) that all live until the
    report; at the default threshold (700 allocations) the collector walks them again and
    again: ~10% of a 5,000-file scan. Collections still happen, 50,000 allocations apart;
    the previous thresholds come back after.
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], 50_000), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _guarded(scanner: Scanner, path: str, call: Callable[[], ScanResult]) -> ScanResult:
    """A scanner crash becomes an error coverage entry, never a lost verdict or a traceback."""
    try:
        return call()
    except Exception as exc:
        out = ScanResult()
        out.not_scanned(
            path, scanner.name, f"engine error: {type(exc).__name__}: {exc}"[:300], error=True
        )
        return out


Claim = Callable[[str], ScanResult | None]  # a target scanned by the caller, or None


@_fewer_collections()
def scan(
    targets: Sequence[str],
    options: ScanOptions | None = None,
    progress: Progress | None = None,
    claim: Claim | None = None,
) -> Report:
    """Run the whole pipeline over ``targets`` and return the Report.

    ``claim``: a layer above scans the targets it knows (Spark tables, DataFrames) itself; its
    result joins the report through the same policy and reporters as any target's.
    """
    from petgov.scanners.registry import all_scanners

    options = options or ScanOptions()
    now = options.now or system_clock()
    # Scanners named on the command line are checked before any work (a wrong name is a usage
    # error); the default set is loaded once the first target's digests are under way, so the
    # hashing of large files overlaps the imports, and so does the cache's code fingerprint.
    scanners = all_scanners(options.scanners) if options.scanners else None
    ctx = ScanContext(now=now, options=options.scanner_options, cross_check=options.cross_check)
    cache_settings = (options.scanner_options, options.limits, options.cross_check)
    items: list[Item] = []
    findings: list[Finding] = []
    coverage: list[Coverage] = []
    facts: dict[str, dict[str, Any]] = {}
    names: list[str] = []  # each target as the resolver writes it (``./m/`` is ``m``)
    for target in targets:
        claimed = claim(target) if claim is not None else None
        if claimed is not None:
            names.append(target)
            findings.extend(claimed.findings)
            coverage.extend(claimed.coverage)
            for key, value in claimed.facts.items():
                facts.setdefault(key or target, {}).update(value)
            continue
        resolved = resolve(target, options.path_filter)
        target = resolved.target
        names.append(target)
        inv = inventory(resolved, options.limits, options.digests, wait=False)
        if not inv.entries:
            facts.setdefault(target, {})["target.empty"] = True
        try:
            if scanners is None:
                scanners = all_scanners(None)
            if options.cache is not None and not names[1:]:  # the first target: once per run
                options.cache.begin(cache_settings)
            res = run_scanners(inv, scanners, ctx, progress, options.cache)
            _warm_policy_engine()
        finally:
            items.extend(inv.finish())  # the digests, hashed while the scanners ran
        for late in inv.target.late_facts:  # what a remote target cost, known only now
            facts.setdefault(target, {}).update(late())
        findings.extend(res.findings)
        coverage.extend(res.coverage)
        for key, value in res.facts.items():
            facts.setdefault(key or target, {}).update(value)
    decisions, policy_info = evaluate(findings, items, facts, options.policy, now)
    engines = {"petgov": petgov.__version__}
    for s in scanners if scanners is not None else all_scanners(None):
        engines[s.name] = s.engine_version()
    return Report(
        tool=ToolInfo(name="petgov", version=petgov.__version__, engines=engines),
        created_at=iso(now),
        targets=names,
        items=items,
        decisions=decisions,
        coverage=_dedupe(coverage),
        policy=policy_info,
        facts=facts,
        notes=walk_notes(names, facts),
    )


def walk_notes(targets: Sequence[str], facts: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """What a folder walk left out, said in the report (a pickle in node_modules/ is not
    scanned by default: the user must be able to see that)."""
    notes = []
    for target in targets:
        f = facts.get(target, {})
        skipped = f.get("target.skipped") or []
        excluded = f.get("target.excluded") or []
        if skipped:
            more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
            shown = ", ".join(skipped[:5]) + more
            notes.append(
                f"{target}: skipped {len(skipped)} folder(s) by default: {shown} "
                "(--no-default-skips scans them)"
            )
        if excluded:
            notes.append(f"{target}: {len(excluded)} path(s) excluded by --exclude/.petgovignore")
        if f.get("target.empty"):
            notes.append(f"{target}: no files to scan")
        uses = f.get("shadow_ai.models") or []
        if uses and not f.get("shadow_ai.policy"):  # the files were read: a note, not a gap
            notes.append(
                f"{target}: {len(uses)} model use(s) listed but not judged: no [shadow_ai] "
                "sanctioned list in your petgov.toml (or --policy)"
            )
        if "remote.bytes_fetched" in f:  # a remote target: what it cost
            from petgov.targets.remote.ranged import cost_note

            cost = cost_note(target, f)
            if cost:
                notes.append(cost)
    return notes


def _warm_policy_engine() -> None:
    """Import the CEL engine while background digests finish: the policy needs it next.

    ``cel/__init__`` eagerly imports ``cel.cli``, its interactive REPL (prompt_toolkit, pygments:
    0.1-0.3 s, most of petgov's start-up), which the library itself never uses. A placeholder
    that imports the real module on first attribute access keeps ``cel.cli`` fully usable.
    """
    import importlib
    import sys

    if "cel" in sys.modules:
        return
    sys.modules.setdefault("cel.cli", _LazyModule("cel.cli"))
    with contextlib.suppress(ImportError):
        importlib.import_module("cel")


class _LazyModule(types.ModuleType):
    """Stands in for a module until something reads from it, then becomes the real one."""

    def __getattr__(self, attr: str) -> Any:
        import importlib
        import sys

        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        parent, _, child = self.__name__.rpartition(".")
        if parent in sys.modules:
            setattr(sys.modules[parent], child, real)
        return getattr(real, attr)


def _dedupe(coverage: Sequence[Coverage]) -> list[Coverage]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for c in coverage:
        key = (c.path, c.engine, c.status._value_)  # not .value: an enum property is slow
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
