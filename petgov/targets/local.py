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
        for file_path, display in _walk(path, resolved, walk_filter):
            _check_readable(file_path, display)
            resolved.entries.append(
                RawEntry(path=display, source=FileSource(file_path), origin=origin)
            )
        return resolved


def _check_readable(path: Path, display: str) -> None:
    if not os.access(path, os.R_OK):
        raise TargetError(f"{display}: permission denied", hint="check the file's permissions")


def _walk(root: Path, resolved: ResolvedTarget, path_filter: PathFilter) -> list[tuple[Path, str]]:
    """Regular files below ``root`` in a stable order; links are reported, never followed.

    What the filter leaves out is recorded in the target facts (``target.skipped`` folders,
    ``target.excluded`` files), so the report says what was not looked at.
    """
    out: list[tuple[Path, str]] = []
    skipped: list[str] = []
    excluded: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        rel_base = base.relative_to(root).as_posix()
        kept = []
        for d in sorted(dirnames):
            rel = d if rel_base == "." else f"{rel_base}/{d}"
            if d in path_filter.skip_dirs:
                skipped.append(str(base / d))
            elif path_filter.skips_dir(rel):
                excluded.append(str(base / d))
            else:
                kept.append(d)
        dirnames[:] = kept
        for d in list(dirnames):
            if (base / d).is_symlink():
                dirnames.remove(d)
                resolved.findings.append(_link_finding(base / d, root))
        for name in sorted(filenames):
            p = base / name
            rel = name if rel_base == "." else f"{rel_base}/{name}"
            if path_filter.excludes_file(rel):
                excluded.append(str(p))
                continue
            if p.is_symlink():
                resolved.findings.append(_link_finding(p, root))
                continue
            if not p.is_file():
                # A FIFO would block the scan, a device has no end: listed, never opened.
                reason = f"special file ({_special_kind(p)}) is not read"
                resolved.coverage.append(
                    Coverage(str(p), ENGINE, CoverageStatus.NOT_SCANNED, reason)
                )
                continue
            out.append((p, str(p)))
    if skipped or excluded:
        facts = resolved.facts.setdefault("", {})
        facts["target.skipped"] = skipped
        facts["target.excluded"] = excluded
    return out


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
