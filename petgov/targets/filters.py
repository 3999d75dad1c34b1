"""Which paths a folder walk leaves out: built-in skipped folders, --exclude globs, .petgovignore.

Built-in skips (VCS metadata, caches, virtualenvs, node_modules) keep a scan of a project fast,
but a malicious pickle can hide there, so what was skipped is listed in the report and
``--no-default-skips`` scans them too. Globs match the path relative to the target (``a/b.pkl``),
its name, or a folder (``build/``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

DEFAULT_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", "node_modules"})
IGNORE_FILE = ".petgovignore"


@dataclass(frozen=True)
class PathFilter:
    """What a local walk leaves out (the walk records what it left, for the report)."""

    skip_dirs: frozenset[str] = DEFAULT_SKIP_DIRS
    exclude: tuple[str, ...] = ()

    def skips_dir(self, rel: str) -> bool:
        """Whether the folder at ``rel`` (relative to the target) is left out."""
        return PurePosixPath(rel).name in self.skip_dirs or self._matches(rel, folder=True)

    def excludes_file(self, rel: str) -> bool:
        """Whether the file at ``rel`` (relative to the target) is left out."""
        return self._matches(rel, folder=False)

    def _matches(self, rel: str, *, folder: bool) -> bool:
        if not self.exclude:
            return False
        name = PurePosixPath(rel).name
        for pattern in self.exclude:
            if pattern.endswith("/"):
                if folder and _match(rel, name, pattern.rstrip("/")):
                    return True
            elif _match(rel, name, pattern):
                return True
        return False


def _match(rel: str, name: str, pattern: str) -> bool:
    pattern = pattern.lstrip("/")
    if "/" in pattern:
        return fnmatch.fnmatchcase(rel, pattern)
    return fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(rel, pattern)


def read_ignore_file(path: Path) -> tuple[str, ...]:
    """Globs from a ``.petgovignore`` (one a line, ``#`` comments, blank lines ignored)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    except (OSError, UnicodeDecodeError) as exc:
        from petgov.errors import UsageError

        raise UsageError(f"{path}: cannot read: {exc}", hint="fix or remove the file") from None
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def build_filter(
    exclude: Iterable[str], *, default_skips: bool = True, ignore_files: Iterable[Path] = ()
) -> PathFilter:
    """The filter for a scan: ``--exclude`` globs plus every ``.petgovignore`` given."""
    globs = [*exclude]
    for f in ignore_files:
        globs.extend(read_ignore_file(f))
    return PathFilter(
        skip_dirs=DEFAULT_SKIP_DIRS if default_skips else frozenset(), exclude=tuple(globs)
    )
