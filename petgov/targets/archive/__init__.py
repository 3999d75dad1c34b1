"""Walk archives in memory and streams, never extracting to disk, within hard limits.

Members become entries named ``outer.zip!/inner/data.pkl``. Unsafe member names (``..``,
absolute paths, links), bombs (ratio or total size), too deep nesting and too many members are
findings; the walk stops reading at a limit instead of hanging or exhausting memory.

One module per concern: ``limits`` (what a walk may read), ``streams`` (zip member bodies),
``expansion`` (what walkers share), one module per archive family, and here the table from a
sniffed format to its walker. A new archive format is one walker plus one line in ``WALKERS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO, cast

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.model import Coverage, CoverageStatus
from petgov.targets.archive.compressed import walk_7z, walk_stream, walk_zlib
from petgov.targets.archive.expansion import ENGINE, KINDS, Expansion
from petgov.targets.archive.limits import INLINE_MEMBER_BYTES, ArchiveLimits
from petgov.targets.archive.tarfiles import walk_tar
from petgov.targets.archive.zipfiles import walk_zip
from petgov.targets.interface import RawEntry

__all__ = [
    "ENGINE",
    "INLINE_MEMBER_BYTES",
    "KINDS",
    "WALKERS",
    "ArchiveLimits",
    "Expansion",
    "expand",
]


def _gunzip(fh: IO[bytes]) -> IO[bytes]:
    import gzip  # the decompressors are imported for an archive of their kind only

    return cast(IO[bytes], gzip.GzipFile(fileobj=fh))


def _bunzip2(fh: IO[bytes]) -> IO[bytes]:
    import bz2

    return cast(IO[bytes], bz2.BZ2File(fh))


def _unxz(fh: IO[bytes]) -> IO[bytes]:
    import lzma

    return cast(IO[bytes], lzma.LZMAFile(fh))


WALKERS: dict[str, Callable[[RawEntry, ArchiveLimits, Expansion], None]] = {
    F.ZIP: walk_zip,
    F.PYTORCH_ZIP: walk_zip,
    F.NUMPY_NPZ: walk_zip,
    F.KERAS_ZIP: walk_zip,
    F.SKOPS: walk_zip,
    F.LLAMAFILE: walk_zip,  # zipfile finds the central directory after the executable
    F.TAR: walk_tar,
    F.SEVENZIP: walk_7z,
    F.ZLIB: walk_zlib,
    F.GZIP: walk_stream(_gunzip),
    F.BZIP2: walk_stream(_bunzip2),
    F.XZ: walk_stream(_unxz),
}

# torch.save writes each tensor storage as ``<archive>/data/<key>``; torch reads it as raw bytes.
_TORCH_STORAGE = re.compile(r"[^/]+/data/[0-9]+")


def expand(entry: RawEntry, fmt: str, limits: ArchiveLimits) -> Expansion:
    """Open ``entry`` (of archive format ``fmt``) and return its members as raw entries."""
    out = Expansion()
    if entry.depth >= limits.max_depth:
        out.findings.append(
            finding(
                "archive.too_deep",
                entry.path,
                f"nesting depth {entry.depth + 1} exceeds the limit of {limits.max_depth}; "
                "its members were not scanned",
                engine=ENGINE,
                evidence={"depth": entry.depth + 1},
            )
        )
        out.coverage.append(
            Coverage(entry.path, ENGINE, CoverageStatus.NOT_SCANNED, "nesting depth limit")
        )
        return out
    walker = WALKERS.get(fmt)
    if walker is None:
        return out
    try:
        walker(entry, limits, out)
    except Exception as exc:  # any reader error (zip, tar, lzma, zlib, py7zr) is damage
        out.findings.append(
            finding(
                "archive.malformed",
                entry.path,
                f"the archive could not be read completely ({type(exc).__name__}: {exc}); "
                "members after the damage were not scanned",
                engine=ENGINE,
                evidence={"error": str(exc)[:200]},
            )
        )
        out.coverage.append(Coverage(entry.path, ENGINE, CoverageStatus.ERROR, str(exc)[:200]))
    if fmt == F.PYTORCH_ZIP:
        prefix = entry.path + "!/"
        for member in out.entries:
            if _TORCH_STORAGE.fullmatch(member.path.removeprefix(prefix)):
                member.raw_data = True
    return out
