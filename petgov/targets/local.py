"""Local files and folders, walked without following links out of the target."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from petgov.catalog import finding
from petgov.errors import TargetError
from petgov.model import Coverage, CoverageStatus, Finding, Origin, Severity
from petgov.targets.filters import IGNORE_FILE, PathFilter, read_ignore_file
from petgov.targets.interface import FileSource, RawEntry, ResolvedTarget, TargetResolver

ENGINE = "targets"
KINDS = frozenset({"target.symlink"})


def shown_path(target: str) -> str:
    """A target as typed, written the way its files are (``./m/`` and ``m//`` are ``m``), so one
    report never mixes ``./m/x`` with ``m/x`` (D-m10). Absolute stays absolute; ``..`` stays."""
    parts = [p for p in target.split("/") if p not in ("", ".")]
    head = "/" if target.startswith("/") else ""
    return head + "/".join(parts) if parts else (head or ".")


class LocalResolver(TargetResolver):
    """A path on this machine: one file, or every regular file below a folder."""

    def accepts(self, target: str) -> bool:
        return "://" not in target

    def resolve(self, target: str, path_filter: PathFilter | None = None) -> ResolvedTarget:
        path = Path(target)
        if target == "-":  # a model is a file with a name and a size, not a stream (D-m21)
            raise TargetError(
                "-: reading a target from stdin is not supported",
                hint="save it to a file and scan that file",
            )
        if not os.path.lexists(path):
            raise TargetError(f"{target}: no such file or directory")
        if target.endswith(("/", os.sep)) and not path.is_dir():  # Path() drops the slash (D-m14)
            raise TargetError(
                f"{target}: not a directory", hint=f"drop the trailing '{target[-1]}'"
            )
        target = shown_path(target)
        origin = Origin(kind="local", source=target)
        if path.is_symlink() and not path.exists():
            raise TargetError(f"{target}: broken symbolic link", hint="point petgov at the file")
        if path.is_file():
            _check_readable(path, target)
            return ResolvedTarget(
                target=target,
                root=path,
                entries=[RawEntry(path=str(path), source=FileSource(path), origin=origin)],
            )
        if not path.is_dir():
            raise TargetError(f"{target}: not a regular file or directory")
        resolved = ResolvedTarget(target=target, root=path)
        walk_filter = path_filter or PathFilter()
        own = read_ignore_file(path / IGNORE_FILE)  # a folder may carry its own ignore file
        if own:
            walk_filter = PathFilter(walk_filter.skip_dirs, walk_filter.exclude + own)
        for display, size in _walk(path, resolved, walk_filter):
            _check_readable(display, display)
            resolved.entries.append(
                RawEntry(path=display, source=FileSource(display, size), origin=origin)
            )
        return resolved


def _check_readable(path: Path | str, display: str) -> None:
    if not os.access(path, os.R_OK):
        raise TargetError(f"{display}: permission denied", hint="check the file's permissions")


def _walk(root: Path, resolved: ResolvedTarget, path_filter: PathFilter) -> list[tuple[str, int]]:
    """Regular files below ``root`` (path as shown, size) in a stable order; links are reported,
    never followed.

    The order is ``os.walk``'s top-down one with sorted names (a folder's files, then its
    subfolders); each file costs one ``scandir`` entry and one ``stat``. What the filter leaves
    out is recorded in the target facts (``target.skipped`` folders, ``target.excluded``
    files), so the report says what was not looked at.
    """
    out: list[tuple[str, int]] = []
    skipped: list[str] = []
    excluded: list[str] = []
    top = str(root)  # Path() spelling: no "./", no doubled or trailing slash
    prefix = "" if top == "." else top if top.endswith("/") else top + "/"
    stack = [""]  # folders still to list, relative to root ("" is root itself)
    while stack:
        rel_base = stack.pop()
        shown_base = (prefix + rel_base) if rel_base else top
        try:
            with os.scandir(shown_base) as listing:
                listed = sorted(listing, key=lambda e: e.name)
        except OSError:  # as os.walk: an unreadable folder is passed over
            continue
        dirs: list[os.DirEntry[str]] = []
        files: list[os.DirEntry[str]] = []
        for e in listed:
            (dirs if _is_dir(e) else files).append(e)
        kept: list[str] = []
        for d in dirs:
            rel = f"{rel_base}/{d.name}" if rel_base else d.name
            if d.name in path_filter.skip_dirs:
                skipped.append(prefix + rel)
            elif path_filter.skips_dir(rel):
                excluded.append(prefix + rel)
            elif d.is_symlink():
                resolved.findings.append(_link_finding(Path(prefix + rel), root))
            else:
                kept.append(rel)
        for f in files:
            rel = f"{rel_base}/{f.name}" if rel_base else f.name
            shown = prefix + rel
            if path_filter.excludes_file(rel):
                excluded.append(shown)
                continue
            if f.is_symlink():
                resolved.findings.append(_link_finding(Path(shown), root))
                continue
            size = _regular_size(f)
            if size is None:
                # A FIFO would block the scan, a device has no end: listed, never opened.
                reason = f"special file ({_special_kind(Path(shown))}) is not read"
                resolved.coverage.append(
                    Coverage(shown, ENGINE, CoverageStatus.NOT_SCANNED, reason)
                )
                continue
            out.append((shown, size))
        stack.extend(reversed(kept))
    if skipped or excluded:
        facts = resolved.facts.setdefault("", {})
        facts["target.skipped"] = skipped
        facts["target.excluded"] = excluded
    return out


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # links to folders count, as in os.walk (they are reported)
    except OSError:
        return False


def _regular_size(entry: os.DirEntry[str]) -> int | None:
    """The size of a regular file (None: a FIFO, socket, device or a vanished entry)."""
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _special_kind(path: Path) -> str:
    try:
        mode = path.lstat().st_mode
    except OSError:
        return "unreadable"
    for test, name in (
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _link_finding(link: Path, root: Path) -> Finding:
    try:
        dest = os.readlink(link)
    except OSError:
        dest = "?"
    inside = False
    try:
        inside = link.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop resolves to an error
        inside = False
    return finding(
        "target.symlink",
        str(link),
        f"{link} links to {dest!r}"
        + ("" if inside else ", which resolves outside the target or loops")
        + "; its content was not scanned",
        engine=ENGINE,
        severity=Severity.LOW if inside else Severity.MEDIUM,
        evidence={"link": dest, "inside_target": inside},
    )
