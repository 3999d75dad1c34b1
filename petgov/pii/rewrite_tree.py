"""``petgov redact FOLDER -o OUT``: the folder mirrored into OUT, its datasets redacted.

CSV, TSV, JSONL and Parquet files are rewritten (streamed, ``rewrite.redact_file``); every
other file is copied unchanged, so a dataset repository keeps its README, configs and layout.
Each file is written to a temp file and renamed. Symbolic links are not followed or copied
(they could point outside the folder). The command scans the copied files afterwards (text,
JSON and Arrow datasets are not rewritten): personal data left in them is reported like
personal data left in a rewritten file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov.errors import UsageError
from petgov.pii import rewrite


@dataclass
class TreeResult:
    """What a folder redaction did, file by file."""

    redacted: dict[str, rewrite.RedactSummary] = field(default_factory=dict)
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # symbolic links
    left: list[str] = field(default_factory=list)  # "file: column: ENTITY" still present

    def lines(self) -> list[str]:
        out = []
        for rel, summary in self.redacted.items():
            out.append(f"{rel}:")
            out.extend("  " + line for line in summary.lines())
        out.append(f"{len(self.copied)} other file(s) copied unchanged")
        out.extend(f"skipped symbolic link {rel}" for rel in self.skipped)
        return out


def check_paths(src: Path, out: Path, force: bool) -> None:
    """OUT may not be, contain or sit inside the input; an existing OUT needs --force."""
    s, o = src.resolve(), out.resolve()
    if o == s or o.is_relative_to(s) or s.is_relative_to(o):
        raise UsageError(f"{out}: overlaps the input folder; petgov redact never writes into it")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder")
    if out.exists() and not force:
        raise UsageError(f"{out}: exists", hint="pass --force to write into it")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent}: no such folder")


def redact_tree(
    src: Path, out: Path, engine: Any, settings: Any, *, force: bool = False
) -> TreeResult:
    """Mirror ``src`` into ``out``: datasets redacted, everything else copied."""
    from petgov.pii.readers import ReadError

    check_paths(src, out, force)
    result = TreeResult()
    for folder, dirs, files in os.walk(src, followlinks=False):
        dirs.sort()
        here = Path(folder)
        target = out / here.relative_to(src)
        for name in [d for d in dirs if (here / d).is_symlink()]:
            result.skipped.append(str((here / name).relative_to(src)))
            dirs.remove(name)
        target.mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            path = here / name
            rel = str(path.relative_to(src))
            if path.is_symlink() or not path.is_file():
                result.skipped.append(rel)
                continue
            fmt = rewrite.SUFFIXES.get(path.suffix.lower())
            if fmt is None:
                _copy(path, target / name)
                result.copied.append(rel)
                continue
            try:
                result.redacted[rel] = rewrite.redact_file(
                    path, fmt, target / name, engine, settings.redact, countries=settings.countries
                )
            except ReadError as exc:
                raise UsageError(f"{path}: {exc}") from None
            except UsageError as exc:
                if "no rows" not in str(exc):
                    raise
                _copy(path, target / name)  # a header and nothing else
                result.copied.append(rel)
                continue
            result.left.extend(
                f"{rel}: {left}" for left in rewrite.remaining(target / name, fmt, engine, settings)
            )
    return result


def _copy(src: Path, dst: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".petgov-redact-", dir=dst.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        shutil.copymode(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
