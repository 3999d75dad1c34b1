"""YAML documents parsed once per process, and shipped YAML parsed once per installation.

Every scan reads the built-in rules twice: the rule catalog (a finding's id, title, severity)
and the policy pack (the rules themselves). PyYAML builds its objects in Python, ~25 ms for
the 62 rule files plus ~10 ms to import it: the second reader gets the first one's documents,
and ``warm`` keeps the documents of shipped files (rules, the pickle lists) as JSON in the
cache folder, keyed by their bytes, so a scan parses no YAML at all once that JSON exists.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Larger inputs (a user's pack file may hold 256 KiB) are parsed each time, not kept.
CACHED_BYTES = 64 * 1024
_MEMO_ENTRIES = 256
SUBDIR = "parsed"  # under the cache root (petgov cache info / clear)
_FORMAT = "petgov-yaml-documents-1"

_memo: dict[bytes, tuple[Any, ...]] = {}


def documents(raw: bytes) -> tuple[Any, ...]:
    """Every document of ``raw`` (safe loader, libyaml when present); treat them as read-only."""
    if len(raw) > CACHED_BYTES:
        return _parse(raw)
    found = _memo.get(raw)
    if found is None:
        found = _parse(raw)
        if len(_memo) < _MEMO_ENTRIES:
            _memo[raw] = found
    return found


def _parse(raw: bytes) -> tuple[Any, ...]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(yaml.load_all(raw, Loader=loader))


def warm(raws: Sequence[bytes], name: str) -> None:
    """Make ``documents`` of each of ``raws`` (petgov's own files) free in this process: from
    ``<cache>/parsed/NAME.json`` (documents by the sha256 of their bytes) when it has them,
    else parsed and that file rewritten. Documents JSON cannot hold as they are (dates,
    non-string keys) are left out and parsed each time; a missing, unreadable or stale file
    only costs the parse."""
    wanted = [r for r in raws if len(r) <= CACHED_BYTES and r not in _memo]
    if not wanted or len(_memo) + len(wanted) > _MEMO_ENTRIES:
        return
    path, engine = _bundle_path(name)
    if engine is None:  # no PyYAML metadata: never reuse what an unknown parser made
        return
    stored = _bundles.get(path)
    if stored is None:
        stored = _bundles[path] = _read_bundle(path, engine)
    keys = [hashlib.sha256(raw).hexdigest() for raw in wanted]
    missing = False
    for raw, key in zip(wanted, keys, strict=True):
        docs = stored.get(key)
        if docs is not None:
            _memo[raw] = tuple(docs)
            continue
        parsed = _memo[raw] = _parse(raw)
        if _json_exact(list(parsed)):
            stored[key] = list(parsed)
            missing = True
    if missing:  # keep what these files need; entries of edited or removed files go
        _write_bundle(path, engine, {k: stored[k] for k in keys if k in stored})


_bundles: dict[Path, dict[str, list[Any]]] = {}


def _bundle_path(name: str) -> tuple[Path, str | None]:
    from petgov.util.cachedir import cache_root
    from petgov.util.distversion import version

    try:
        engine: str | None = version("PyYAML")  # a new PyYAML may read bytes differently
    except Exception:
        engine = None
    return cache_root() / SUBDIR / f"{name}.json", engine


def _read_bundle(path: Path, engine: str) -> dict[str, list[Any]]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return {}
    files = data.get("documents")
    if data.get("pyyaml") != engine or not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, list)}


def _write_bundle(path: Path, engine: str, files: dict[str, list[Any]]) -> None:
    """Write the bundle: a temp file, then a rename (a reader sees the old or the new file,
    never half of one). A read-only or full cache folder is not an error."""
    from petgov.util.cachedir import private_dir

    body = {"format": _FORMAT, "pyyaml": engine, "documents": files}
    try:
        tmp = private_dir(path.parent) / f".{path.name}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(body), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return


def _json_exact(value: Any) -> bool:
    """True when JSON gives ``value`` back with the same types (no dates, sets, int keys...)."""
    if value is None or type(value) in (bool, str, int):
        return True
    if type(value) is float:
        return value == value and value not in (float("inf"), float("-inf"))
    if type(value) is list:
        return all(_json_exact(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _json_exact(v) for k, v in value.items())
    return False
