"""Offline OSV store: ``petgov db import`` loads the OSV PyPI export into a local SQLite file.

Matching follows OSV's affected ranges (introduced / fixed / last_affected / limit events over
ECOSYSTEM versions, compared with ``packaging``) plus explicit ``versions`` lists. ``MAL-``
entries are known malicious packages.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from petgov.errors import ConfigError, UsageError
from petgov.inventory.hashing import sha256_file

ENV_VAR = "PETGOV_OSV_DB"
MAX_ENTRY = 16 * 1024 * 1024
SEVERITY_WORDS = {
    "LOW": "low",
    "MODERATE": "medium",
    "MEDIUM": "medium",
    "HIGH": "high",
    "CRITICAL": "critical",
}


def default_path() -> Path:
    """$PETGOV_OSV_DB, else $XDG_CACHE_HOME/petgov/osv.sqlite (~/.cache by default)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "petgov" / "osv.sqlite"


@dataclass(frozen=True)
class Vuln:
    """One OSV record as far as matching and reporting need it."""

    id: str
    package: str
    summary: str
    aliases: tuple[str, ...]
    severity: str
    fixed: tuple[str, ...]
    doc: dict[str, Any]

    @property
    def malicious(self) -> bool:
        return self.id.startswith("MAL-")


def _pypi_names(doc: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for aff in doc.get("affected") or []:
        pkg = aff.get("package") or {} if isinstance(aff, dict) else {}
        if pkg.get("ecosystem") == "PyPI" and isinstance(pkg.get("name"), str):
            names.add(canonicalize_name(pkg["name"]))
    return names


EXPORT_HINT = "download the OSV PyPI all.zip export"


def import_zip(zip_path: Path, db_path: Path | None = None) -> dict[str, Any]:
    """Load every PyPI record of an OSV export zip into a new store, replacing the old one."""
    db_path = db_path or default_path()
    if not zip_path.is_file():
        raise UsageError(f"{zip_path}: no such file", hint=EXPORT_HINT)
    digest = sha256_file(zip_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(db_path.name + f".tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    records = skipped = 0
    con = sqlite3.connect(tmp)
    try:
        con.execute("CREATE TABLE vuln (name TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL)")
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        try:
            zf = zipfile.ZipFile(zip_path)
        except zipfile.BadZipFile as exc:
            raise UsageError(f"{zip_path}: not a zip file ({exc})", hint=EXPORT_HINT) from None
        with zf:
            for info in zf.infolist():
                if not info.filename.endswith(".json") or info.file_size > MAX_ENTRY:
                    skipped += not info.is_dir()
                    continue
                try:
                    doc = json.loads(zf.read(info))
                except (ValueError, zipfile.BadZipFile, zlib.error):
                    skipped += 1
                    continue
                if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
                    skipped += 1
                    continue
                text = json.dumps(doc, separators=(",", ":"))
                for name in _pypi_names(doc):
                    con.execute("INSERT INTO vuln VALUES (?, ?, ?)", (name, doc["id"], text))
                records += 1
        if records == 0:  # the wrong zip must not replace a good store with an empty one
            raise UsageError(
                f"{zip_path}: no OSV records in it ({skipped} other entries); "
                "the current store was left as it was",
                hint=EXPORT_HINT,
            )
        con.execute("CREATE INDEX vuln_name ON vuln(name)")
        meta = {
            "source": str(zip_path),
            "sha256": digest,
            "records": str(records),
            "skipped": str(skipped),
            "imported_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        con.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        con.commit()
        con.close()
        os.replace(tmp, db_path)
    finally:
        con.close()
        tmp.unlink(missing_ok=True)
    return {**meta, "path": str(db_path)}


def check_store(path: Path, option: str = "--osv-db") -> None:
    """Refuse an explicit store path that is missing or not a store made by ``db import``."""
    if not path.is_file():
        raise UsageError(f"{option} {path}: no such file", hint="run petgov db import FILE.zip")
    OsvStore(path).close()


class OsvStore:
    """Read-only view of an imported store."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise ConfigError(
                f"{path}: not a petgov OSV store ({exc})", hint="run petgov db import FILE.zip"
            ) from None
        try:
            self.meta = dict(self._con.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            self._con.close()
            raise ConfigError(
                f"{path}: not a petgov OSV store ({exc})", hint="run petgov db import FILE.zip"
            ) from None

    @classmethod
    def open_default(cls, path: Path | None = None) -> OsvStore | None:
        """The store at ``path`` (or the default path), or None when none was imported."""
        path = path or default_path()
        return cls(path) if path.is_file() else None

    def close(self) -> None:
        self._con.close()

    def records(self, name: str) -> Iterator[dict[str, Any]]:
        rows = self._con.execute("SELECT doc FROM vuln WHERE name = ?", (canonicalize_name(name),))
        for (text,) in rows:
            yield json.loads(text)

    def matches(self, name: str, version: str | None) -> list[Vuln]:
        """Records affecting ``name`` at ``version``; with no version, only malicious ones."""
        out = []
        for doc in self.records(name):
            hit = affects(doc, name, version) if version else None
            if hit or (version is None and str(doc.get("id", "")).startswith("MAL-")):
                out.append(_vuln(doc, name))
        return out


def _parse(v: str) -> Version | None:
    try:
        return Version(v)
    except InvalidVersion:
        return None


def affects(doc: dict[str, Any], name: str, version: str) -> bool:
    """Whether OSV record ``doc`` says ``name`` at ``version`` is affected."""
    want = canonicalize_name(name)
    v = _parse(version)
    for aff in doc.get("affected") or []:
        pkg = aff.get("package") or {}
        if pkg.get("ecosystem") != "PyPI" or canonicalize_name(str(pkg.get("name"))) != want:
            continue
        if version in (aff.get("versions") or []):
            return True
        if v is None:
            continue
        for rng in aff.get("ranges") or []:
            if rng.get("type") in ("ECOSYSTEM", "SEMVER") and _in_range(v, rng.get("events", [])):
                return True
    return False


def _in_range(v: Version, events: list[dict[str, str]]) -> bool:
    """Walk events in version order: introduced opens, fixed/limit close, last_affected closes
    after its version."""
    keyed: list[tuple[Version, int, str]] = []
    order = {"introduced": 0, "fixed": 1, "limit": 1, "last_affected": 2}
    for ev in events:
        for kind, raw in ev.items():
            if kind not in order:
                continue
            ver = Version("0") if raw == "0" else _parse(str(raw))
            if ver is not None:
                keyed.append((ver, order[kind], kind))
    affected = False
    for ver, _, kind in sorted(keyed):
        if kind == "introduced" and v >= ver:
            affected = True
        elif (kind in ("fixed", "limit") and v >= ver) or (kind == "last_affected" and v > ver):
            affected = False
    return affected


def _severity(doc: dict[str, Any]) -> str:
    if str(doc.get("id", "")).startswith("MAL-"):
        return "critical"
    word = (doc.get("database_specific") or {}).get("severity")
    if isinstance(word, str) and word.upper() in SEVERITY_WORDS:
        return SEVERITY_WORDS[word.upper()]
    for aff in doc.get("affected") or []:
        word = (aff.get("ecosystem_specific") or {}).get("severity")
        if isinstance(word, str) and word.upper() in SEVERITY_WORDS:
            return SEVERITY_WORDS[word.upper()]
    return "high" if doc.get("severity") else "medium"


def _vuln(doc: dict[str, Any], name: str) -> Vuln:
    fixed = sorted(
        {
            str(ev["fixed"])
            for aff in doc.get("affected") or []
            for rng in aff.get("ranges") or []
            for ev in rng.get("events") or []
            if "fixed" in ev
        }
    )
    return Vuln(
        id=str(doc.get("id")),
        package=canonicalize_name(name),
        summary=str(doc.get("summary") or doc.get("details") or "")[:200],
        aliases=tuple(str(a) for a in doc.get("aliases") or []),
        severity=_severity(doc),
        fixed=tuple(fixed),
        doc=doc,
    )
