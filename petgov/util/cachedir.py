"""Where petgov keeps what it can rebuild: scan results by content, fetched rule packs.

``$PETGOV_CACHE_DIR`` wins; else the platform's user cache folder: ``$XDG_CACHE_HOME/petgov``,
``~/.cache/petgov`` on Linux, ``~/Library/Caches/petgov`` on macOS,
``%LOCALAPPDATA%\\petgov\\Cache`` on Windows.
Read from the environment at call time so tests and CI can point it elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

ENV_VAR = "PETGOV_CACHE_DIR"


def cache_root() -> Path:
    """The petgov cache folder (not created here: readers of an absent cache see a miss)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "petgov"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "petgov"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "petgov" / "Cache"
    return Path.home() / ".cache" / "petgov"


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the user only: cached results name findings."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


# The cache's parts, by subfolder: `petgov cache info` lists them, `cache clear` removes them
# (and nothing else, even when PETGOV_CACHE_DIR points somewhere shared).
SECTIONS = {
    "scan": "scan results by content",
    "packs": "rule packs fetched by digest",
    "parsed": "petgov's own rules and lists, parsed",
}


def usage(root: Path) -> dict[str, tuple[int, int]]:
    """{section: (files, bytes)} under ``root``; an absent section counts (0, 0)."""
    out = {}
    for name in SECTIONS:
        files = size = 0
        folder = root / name
        if folder.is_dir():
            for p in folder.rglob("*"):
                if p.is_file() and not p.is_symlink():
                    files += 1
                    size += p.stat().st_size
        out[name] = (files, size)
    return out


def clear(root: Path, sections: tuple[str, ...] = tuple(SECTIONS)) -> dict[str, int]:
    """Remove the named sections; {section: files removed}."""
    import shutil

    removed = {}
    for name in sections:
        folder = root / name
        removed[name] = usage(root)[name][0] if folder.is_dir() else 0
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
    return removed


TEMP_GRACE = 3600.0  # a temp file this old belongs to no running scan: a crash left it


def prune(
    root: Path, older_than: float | None, max_bytes: int | None, now: float
) -> tuple[int, int]:
    """Drop scan results unused for ``older_than`` seconds, then the least recently used until
    the section holds at most ``max_bytes``; (files, bytes) removed. A hit refreshes an entry's
    mtime, so the age is time since last use. Packs are never pruned: offline scans need them.
    """
    folder = root / "scan"
    if not folder.is_dir() or folder.is_symlink():
        return 0, 0
    entries: list[tuple[float, int, Path]] = []
    doomed: list[tuple[int, Path]] = []
    for path in folder.rglob("*"):
        try:  # a concurrent scan renames its temp files away: a vanished file is skipped
            if not path.is_file() or path.is_symlink():
                continue
            st = path.stat()
        except OSError:
            continue
        stale_temp = path.name.endswith(".tmp") and now - st.st_mtime > TEMP_GRACE
        too_old = older_than is not None and now - st.st_mtime > older_than
        if stale_temp or too_old:
            doomed.append((st.st_size, path))
        elif not path.name.endswith(".tmp"):
            entries.append((st.st_mtime, st.st_size, path))
    if max_bytes is not None:
        entries.sort()  # oldest use first
        held = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if held <= max_bytes:
                break
            doomed.append((size, path))
            held -= size
    files = freed = 0
    for size, path in doomed:
        try:
            path.unlink()
        except OSError:
            continue  # another scan's rename or a read-only cache: leave it
        files, freed = files + 1, freed + size
    for sub in folder.iterdir():
        if sub.is_dir() and not sub.is_symlink():
            with contextlib.suppress(OSError):  # a scan may be writing into it right now
                sub.rmdir()  # only an empty folder is removed
    return files, freed
