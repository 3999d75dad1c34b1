"""Item scanner results kept by content, so rescanning an unchanged file costs a lookup.

A result is reused only when everything that could change it is unchanged: the item's bytes
(its sha256, or the server's content key for a remote item that was not downloaded whole), how
it is shown and sniffed (path, format, depth, origin), petgov's code and built-in rules (a
fingerprint of the installed files, not only the version string), Python and the engine
libraries' versions, the scanner's own engine version, and every scanner option. Any change is
another key, hence a miss: the cache can make a scan faster, never more lenient.

Only scanners that declare ``cacheable`` (their verdict depends on the item's bytes and the
options alone) are served from here, and only complete verdicts are kept: a result with an
engine error or a coverage gap (a time budget hit under load) is computed again next time.
Policy is never cached: packs, waivers and baselines apply fresh to cached findings.

Entries are one file per item, written to a temp file and renamed (concurrent runs at worst
both write the same answer), and carry a checksum: a torn or edited entry is a miss.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from petgov.model import Coverage, CoverageStatus, Finding, ScanResult, Severity, Strings
from petgov.scanners.interface import Entry, Scanner

if TYPE_CHECKING:
    from petgov.inventory.hashing import Digest

FORMAT = "1"  # bump when the entry layout or the key recipe changes
SUBDIR = "scan"
# Libraries whose behaviour cacheable scanners depend on (their versions are part of the key).
ENGINE_DISTS = ("h5py", "pyyaml", "modelscan", "detect-secrets", "numpy", "protobuf")
_MAX_OPTION_FILES = 10_000


@dataclass
class CacheStats:
    """What one run did with the cache (per item and scanner)."""

    hits: int = 0
    misses: int = 0
    stored: int = 0
    uncacheable: int = 0  # items without a content key (digests off, raw members)


@dataclass
class ScanCache:
    """The scan results cache in ``folder`` (``<cache>/scan``); ``begin`` binds a run's key."""

    folder: Path
    stats: CacheStats = field(default_factory=CacheStats)
    _run_key: str = ""
    _versions: dict[str, str] = field(default_factory=dict)

    def begin(self, settings: object) -> None:
        """Fix the part of every key that belongs to this run: code, engines, ``settings``."""
        self._run_key = _sha256_json(
            [FORMAT, code_fingerprint(), sys.version_info[:3], _dist_versions(), _fp(settings)]
        )

    def item(self, entry: Entry, digest: Digest | None) -> ItemCache:
        """The cache of ``entry``; ``digest`` is its pending sha256, if one is coming.

        Nothing is read (and no digest awaited) until a cacheable scanner asks: an item only
        other scanners examine keeps its hashing in the background.
        """
        return ItemCache(self, entry, digest)

    def locate(self, entry: Entry, digest: Digest | None) -> Path | None:
        """Where ``entry``'s record lives; awaits its digest first (None: no content key)."""
        if not self._run_key:
            return None
        content = _content_key(entry, digest)
        if content is None:
            self.stats.uncacheable += 1
            return None
        item = entry.item
        shown = [item.path, item.format, item.depth, item.parent, item.origin.to_dict()]
        key = _sha256_json([self._run_key, content, *shown])
        return self.folder / key[:2] / f"{key}.json"

    @property
    def enabled(self) -> bool:
        return bool(self._run_key)

    def version_of(self, scanner: Scanner) -> str:
        if scanner.name not in self._versions:
            self._versions[scanner.name] = scanner.engine_version()
        return self._versions[scanner.name]


# The cache of a scan with caching off: every item passes straight through to its scanners.
NO_CACHE = ScanCache(Path(os.devnull))


class ItemCache:
    """One item's cached results per scanner; ``save`` writes back what was computed."""

    def __init__(self, cache: ScanCache, entry: Entry, digest: Digest | None) -> None:
        self.cache = cache
        self.entry = entry
        self.digest = digest
        self.path: Path | None = None
        self.record: dict[str, Any] = {}
        self.opened = self.dirty = False

    def _open(self) -> bool:
        if not self.opened:
            self.opened = True
            self.path = self.cache.locate(self.entry, self.digest)
            if self.path is not None:
                self.record = read_entry(self.path) or {}
                if self.record:
                    touch(self.path)  # `cache prune` ages entries by last use
        return self.path is not None

    def result(self, scanner: Scanner, compute: Callable[[], ScanResult]) -> ScanResult:
        """The scanner's cached result for this item, else ``compute()`` (kept if complete)."""
        if not scanner.cacheable or not self.cache.enabled or not self._open():
            return compute()
        version = self.cache.version_of(scanner)
        held = self.record.get(scanner.name)
        if isinstance(held, dict) and held.get("version") == version:
            try:
                res = decode(held["result"])
            except (KeyError, TypeError, ValueError, AttributeError):
                res = None  # an entry of another shape: recompute
            if res is not None:
                self.cache.stats.hits += 1
                return res
        self.cache.stats.misses += 1
        res = compute()
        if complete(res):
            try:
                self.record[scanner.name] = {"version": version, "result": encode(res)}
                self.dirty = True
            except (TypeError, ValueError):  # a fact that JSON cannot hold: not kept
                pass
        return res

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        if write_entry(self.path, self.record):
            self.cache.stats.stored += 1
        self.dirty = False


def complete(res: ScanResult) -> bool:
    """Only a finished verdict is kept: no engine error, no gap, nothing skipped for time."""
    return all(c.status is CoverageStatus.SCANNED for c in res.coverage)


def encode(res: ScanResult) -> dict[str, Any]:
    """The JSON form of a scanner result (raises TypeError/ValueError for non-JSON facts)."""
    doc = {
        "findings": [f.to_dict() for f in res.findings],
        "coverage": [c.to_dict() for c in res.coverage],
        "facts": res.facts,
        "strings": [
            {"path": s.path, "what": s.what, "values": [[dict(w), v] for w, v in s.values]}
            | {"dropped": s.dropped}
            for s in res.strings
        ],
    }
    json.dumps(doc, allow_nan=False)  # fail here, not while writing
    return doc


def decode(doc: Mapping[str, Any]) -> ScanResult:
    """A ScanResult from ``encode``'s form; the model's own checks run on every finding."""
    findings = [
        Finding(
            rule_id=f["rule_id"],
            kind=f["kind"],
            severity=Severity(f["severity"]),
            title=f["title"],
            message=f["message"],
            path=f["path"],
            engine=f["engine"],
            location=dict(f["location"]),
            evidence=dict(f["evidence"]),
            cwe=tuple(f["cwe"]),
            confidence=f["confidence"],
            facts=dict(f["facts"]),
        )
        for f in doc["findings"]
    ]
    coverage = [
        Coverage(c["path"], c["engine"], CoverageStatus(c["status"]), c["reason"])
        for c in doc["coverage"]
    ]
    facts = {str(k): dict(v) for k, v in doc["facts"].items()}
    strings = [
        Strings(s["path"], s["what"], [(w, v) for w, v in s["values"]], int(s["dropped"]))
        for s in doc["strings"]
    ]
    return ScanResult(findings=findings, coverage=coverage, facts=facts, strings=strings)


def read_entry(path: Path) -> dict[str, Any] | None:
    """A cached record, or None for absent, torn, edited or foreign entries (a miss)."""
    try:
        raw = path.read_bytes()
        digest, _, body = raw.partition(b"\n")
        if hashlib.sha256(body).hexdigest().encode() != digest:
            return None
        doc = json.loads(body)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def touch(path: Path) -> None:
    """Mark an entry used now (a read-only cache is fine: its entries just age by write)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def write_entry(path: Path, record: Mapping[str, Any]) -> bool:
    """Write ``record`` atomically (temp + rename, no fsync: a lost entry is only a miss)."""
    try:
        body = json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        import tempfile  # ~3 ms at import (random, shutil): only when an entry is written

        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except (OSError, TypeError, ValueError):
        return False  # a read-only or full cache never fails a scan
    return True


def _content_key(entry: Entry, digest: Digest | None) -> str | None:
    """What identifies the item's bytes: its sha256 (hashed here, or reported by the server
    for a remote item read only in part), else the server's content key (hub blob id, object
    ETag: ``origin.etag`` or the remote source's ``key``), bound to where it was listed."""
    if digest is not None:
        try:
            sha = digest.result()
        except Exception:  # unreadable: the inventory reports it; no cache for this item
            return None
        if isinstance(sha, str) and sha:
            return "sha256:" + sha
    item = entry.item
    if item.sha256 is not None:
        return "sha256:" + item.sha256
    key = item.origin.etag or getattr(entry.source, "key", None)
    if isinstance(key, str) and key:
        return f"key:{item.origin.kind}:{item.origin.source}:{item.size}:{key}"
    return None


def code_fingerprint() -> str:
    """petgov's installed code and shipped rules, by path, size and mtime (any edit changes it)."""
    import petgov
    from petgov.util.shipped import shipped_dir

    package = Path(petgov.__file__).resolve().parent
    rules = shipped_dir("rules")
    return _sha256_json(
        [petgov.__version__, tree_state(package, "*.py"), rules and tree_state(rules, "*")]
    )


def tree_state(root: Path, pattern: str) -> list[list[object]]:
    """[relative path, size, mtime] of every file under ``root`` matching ``pattern``."""
    out: list[list[object]] = []
    for p in sorted(root.rglob(pattern)):
        try:
            st = p.stat()
        except OSError:
            continue
        if p.is_file():
            out.append([p.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns])
    return out


def _dist_versions() -> dict[str, str | None]:
    from petgov.util.distversion import version

    def installed(dist: str) -> str | None:
        try:
            return version(dist)
        except ImportError:  # importlib.metadata.PackageNotFoundError: not installed
            return None

    return {dist: installed(dist) for dist in ENGINE_DISTS}


def _fp(value: object) -> object:
    """A JSON-able fingerprint of an options value; a file or folder counts by its contents'
    sizes and mtimes (a replaced NER model or key is another key)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            type(value).__name__: {
                f.name: _fp(getattr(value, f.name)) for f in dataclasses.fields(value)
            }
        }
    if isinstance(value, Path):
        return [str(value), _path_state(value)]
    if isinstance(value, enum.Enum):
        return _fp(value.value)
    if isinstance(value, list | tuple | frozenset | set):
        items = [_fp(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, frozenset | set) else items
    if isinstance(value, Mapping):
        return {str(k): _fp(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def _path_state(path: Path) -> object:
    try:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file())[:_MAX_OPTION_FILES]
            return [[p.relative_to(path).as_posix(), *_stat(p)] for p in files]
        return _stat(path)
    except OSError:
        return None


def _stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _sha256_json(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=repr).encode()).hexdigest()
