"""Single-stream compression (gzip, bzip2, xz, raw zlib) and 7-Zip archives, decompressed in
memory within the bomb limits."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import IO

from petgov.model import Coverage, CoverageStatus
from petgov.targets.archive.expansion import (
    ENGINE,
    Expansion,
    bomb,
    child,
    seekable,
    traversal,
    unsafe_member_name,
)
from petgov.targets.archive.limits import ArchiveLimits, LimitExceeded, read_bounded
from petgov.targets.interface import BytesSource, RawEntry


def walk_stream(
    opener: Callable[[IO[bytes]], IO[bytes]],
) -> Callable[[RawEntry, ArchiveLimits, Expansion], None]:
    def walk(entry: RawEntry, limits: ArchiveLimits, out: Expansion) -> None:
        name = PurePosixPath(entry.path.split("!/")[-1]).name
        inner = name.rsplit(".", 1)[0] if "." in name else name + ".out"
        with entry.source.open() as fh:
            stream = opener(fh)
            try:
                data = read_bounded(
                    stream,
                    min(
                        limits.max_inline_bytes,
                        int(entry.source.size * limits.max_ratio) + (1 << 20),
                    ),
                )
            except LimitExceeded:
                out.findings.append(bomb(entry, inner, -1, limits.max_ratio))
                out.coverage.append(
                    Coverage(
                        entry.path, ENGINE, CoverageStatus.NOT_SCANNED, "decompression bomb guard"
                    )
                )
                return
        out.entries.append(child(entry, inner, BytesSource(data)))

    return walk


def walk_7z(entry: RawEntry, limits: ArchiveLimits, out: Expansion) -> None:
    """7-Zip archives, decompressed in memory by py7zr within the same limits."""
    import py7zr
    from py7zr.io import BytesIOFactory

    source = seekable(entry, limits, out)
    if source is None:
        return
    with source.open() as fh, py7zr.SevenZipFile(fh) as zf:
        infos = [i for i in zf.list() if not i.is_directory]
        total = sum(int(i.uncompressed or 0) for i in infos)
        if len(infos) > limits.max_members or total > limits.max_inline_bytes:
            out.findings.append(bomb(entry, "*", total, 0.0))
            out.coverage.append(
                Coverage(entry.path, ENGINE, CoverageStatus.NOT_SCANNED, "7z size/member limits")
            )
            return
        for info in infos:
            why = unsafe_member_name(info.filename)
            if why:
                out.findings.append(traversal(entry, info.filename, why))
        factory = BytesIOFactory(limits.max_inline_bytes)
        zf.extractall(factory=factory)
    for name in sorted(factory.products):
        out.entries.append(child(entry, name, BytesSource(factory.products[name].read())))


def walk_zlib(entry: RawEntry, limits: ArchiveLimits, out: Expansion) -> None:
    """A raw zlib stream (joblib's compressed format), decompressed within the bomb limits."""
    cap = min(limits.max_inline_bytes, int(entry.source.size * limits.max_ratio) + (1 << 20))
    dec = zlib.decompressobj()
    buf = io.BytesIO()
    with entry.source.open() as fh:
        while chunk := fh.read(1 << 20):
            buf.write(dec.decompress(chunk, cap + 1 - buf.tell()))
            if buf.tell() > cap:
                out.findings.append(bomb(entry, "(zlib stream)", -1, limits.max_ratio))
                out.coverage.append(
                    Coverage(entry.path, ENGINE, CoverageStatus.NOT_SCANNED, "bomb guard")
                )
                return
    name = PurePosixPath(entry.path.split("!/")[-1]).name + ".raw"
    out.entries.append(child(entry, name, BytesSource(buf.getvalue())))
