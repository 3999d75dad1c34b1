"""Walk archives in memory and streams, never extracting to disk, within hard limits.

Members become entries named ``outer.zip!/inner/data.pkl``. Unsafe member names (``..``,
absolute paths, links), bombs (ratio or total size), too deep nesting and too many members are
findings; the walk stops reading at a limit instead of hanging or exhausting memory.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any, cast

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.model import Coverage, CoverageStatus, Finding, Origin
from petgov.targets.interface import BytesSource, RawEntry, Source

ENGINE = "petgov.archive"
KINDS = frozenset(
    {
        "archive.path_traversal",
        "archive.link_member",
        "archive.bomb",
        "archive.too_deep",
        "archive.malformed",
        "archive.too_many_members",
        "archive.name_mismatch",
    }
)


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on what one walk may read. Defaults fit multi-GB model archives."""

    max_depth: int = 4
    max_members: int = 10_000
    max_member_bytes: int = 4 << 30  # one member, uncompressed
    max_total_bytes: int = 16 << 30  # all members of one archive, uncompressed
    max_ratio: float = 200.0  # uncompressed / compressed, per member
    max_inline_bytes: int = 512 << 20  # members read into memory (nested/compressed streams)


@dataclass
class Expansion:
    """Members found in one archive, and findings/coverage about the archive itself."""

    entries: list[RawEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)


class LimitExceeded(Exception):
    """A bounded read hit its limit."""


def read_bounded(fh: IO[bytes], limit: int) -> bytes:
    """Read all of ``fh`` but raise LimitExceeded past ``limit`` bytes."""
    buf = io.BytesIO()
    while chunk := fh.read(1 << 20):
        buf.write(chunk)
        if buf.tell() > limit:
            raise LimitExceeded
    return buf.getvalue()


def unsafe_member_name(name: str) -> str | None:
    """Why a member name would escape an extraction folder, or None when it is safe."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        return "parent-directory ('..') component"
    return None


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
    walker = _WALKERS.get(fmt)
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
    return out


def _child(entry: RawEntry, name: str, source: Source) -> RawEntry:
    origin = Origin(
        kind="archive",
        source=entry.origin.source,
        repo=entry.origin.repo,
        revision=entry.origin.revision,
        commit=entry.origin.commit,
    )
    return RawEntry(
        path=f"{entry.path}!/{name}",
        source=source,
        origin=origin,
        depth=entry.depth + 1,
        parent=entry.path,
    )


class _ZipMemberSource(Source):
    """A zip member opened lazily from its archive, so large stored tensors stay on disk."""

    def __init__(self, outer: Source, info: zipfile.ZipInfo, limit: int) -> None:
        self.outer = outer
        self.info = info
        self.size = info.file_size
        self.limit = limit

    def open(self) -> IO[bytes]:
        fh = self.outer.open()
        return io.BufferedReader(_Bounded(open_member_raw(fh, self.info), self.limit, (fh,)))


class _Inflate(io.RawIOBase):
    """Streams a raw deflate/bzip2 member body (what PyTorch's reader does: no CRC check)."""

    def __init__(self, fh: IO[bytes], size: int, method: int) -> None:
        self.fh = fh
        self.left = size
        self.pending = b""
        self.dec: Any = (
            zlib.decompressobj(-15) if method == zipfile.ZIP_DEFLATED else (bz2.BZ2Decompressor())
        )

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self.pending:
            if self.left <= 0:
                return 0
            chunk = self.fh.read(min(1 << 20, self.left))
            if not chunk:
                raise EOFError("member data ends early")
            self.left -= len(chunk)
            self.pending = self.dec.decompress(chunk)
        n = min(len(b), len(self.pending))
        b[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def open_member_raw(fh: IO[bytes], info: zipfile.ZipInfo) -> IO[bytes]:
    """Open a member through its local header, ignoring flag bits and CRCs as torch does.

    The central directory gives offset, sizes and method; the local header only gives the
    length of its name and extra field. Encrypted data is read as-is (and then sniffs as noise).
    """
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_STORED:
        return io.BufferedReader(_Slice(fh, info.compress_size))
    if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2):
        return io.BufferedReader(_Inflate(fh, info.compress_size, info.compress_type))
    raise NotImplementedError(f"compression method {info.compress_type}")


def local_name(fh: IO[bytes], info: zipfile.ZipInfo) -> str | None:
    """The member name its local header states (None when unreadable)."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        return None
    (name_len,) = struct.unpack("<H", local[26:28])
    return fh.read(name_len).decode("utf-8", "replace")


class _Slice(io.RawIOBase):
    """``size`` bytes of ``fh`` from its current position."""

    def __init__(self, fh: IO[bytes], size: int) -> None:
        self.fh = fh
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self.left <= 0:
            return 0
        data = self.fh.read(min(len(b), self.left))
        self.left -= len(data)
        b[: len(data)] = data
        return len(data)


class _Bounded(io.RawIOBase):
    """A read-only stream that refuses to yield more than ``limit`` bytes (bomb guard)."""

    def __init__(self, inner: IO[bytes], limit: int, closers: tuple[object, ...] = ()) -> None:
        self.inner = inner
        self.limit = limit
        self.count = 0
        self.closers = closers

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(b))
        self.count += len(data)
        if self.count > self.limit:
            raise LimitExceeded
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        for c in self.closers:
            close = getattr(c, "close", None)
            if close:
                close()
        super().close()


INLINE_MEMBER_BYTES = 4 << 20  # members up to this size are read once, while walking


def _walk_zip(entry: RawEntry, limits: ArchiveLimits, out: Expansion) -> None:
    source = _seekable(entry, limits, out)
    if source is None:
        return
    total = 0
    inline_budget = limits.max_inline_bytes
    with source.open() as fh, zipfile.ZipFile(fh) as zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            out.findings.append(
                finding(
                    "archive.too_many_members",
                    entry.path,
                    f"{len(infos)} members exceed the limit of {limits.max_members}; only the "
                    f"first {limits.max_members} were scanned",
                    engine=ENGINE,
                    evidence={"members": len(infos)},
                )
            )
            out.coverage.append(
                Coverage(
                    entry.path,
                    ENGINE,
                    CoverageStatus.NOT_SCANNED,
                    f"members after the first {limits.max_members}",
                )
            )
            infos = infos[: limits.max_members]
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            member_path = f"{entry.path}!/{name}"
            stated = local_name(fh, info)
            if stated is not None and stated != name:
                out.findings.append(
                    finding(
                        "archive.name_mismatch",
                        member_path,
                        f"the central directory calls it {name!r}, its local header {stated!r}; "
                        "tools disagree on which to use (a scanner-evasion technique)",
                        engine=ENGINE,
                        evidence={"member": name, "local_name": stated},
                    )
                )
            why = unsafe_member_name(name)
            if why:
                out.findings.append(_traversal(entry, name, why))
            mode = (info.external_attr >> 16) & 0o170000
            if mode == 0o120000:
                out.findings.append(
                    finding(
                        "archive.link_member",
                        member_path,
                        f"member {name!r} is a symbolic link; it was not followed",
                        engine=ENGINE,
                        evidence={"member": name},
                    )
                )
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            total += info.file_size
            if (
                info.file_size > limits.max_member_bytes
                or total > limits.max_total_bytes
                or (info.file_size > (1 << 20) and ratio > limits.max_ratio)
            ):
                out.findings.append(_bomb(entry, name, info.file_size, ratio))
                out.coverage.append(
                    Coverage(
                        member_path, ENGINE, CoverageStatus.NOT_SCANNED, "decompression bomb guard"
                    )
                )
                continue
            limit = min(
                limits.max_member_bytes,
                int(max(info.compress_size, 1) * limits.max_ratio) + (1 << 20),
            )
            member_source: Source
            if info.file_size <= INLINE_MEMBER_BYTES and info.file_size <= inline_budget:
                # One pass through the shared ZipFile: reopening the archive per member is
                # quadratic in the member count.
                try:
                    data = read_bounded(open_member_raw(fh, info), limit)
                except (zlib.error, EOFError, OSError, NotImplementedError, ValueError) as exc:
                    why = "encrypted" if info.flag_bits & 0x1 else "damaged"
                    out.coverage.append(
                        Coverage(
                            member_path,
                            ENGINE,
                            CoverageStatus.NOT_SCANNED,
                            f"member cannot be read ({why}: {exc})"[:200],
                        )
                    )
                    continue
                inline_budget -= len(data)
                member_source = BytesSource(data)
            else:
                member_source = _ZipMemberSource(source, info, limit)
            out.entries.append(_child(entry, name, member_source))


def _seekable(entry: RawEntry, limits: ArchiveLimits, out: Expansion) -> Source | None:
    """Zip and tar readers need to seek: a lazily streamed member is read into memory first."""
    if not isinstance(entry.source, _ZipMemberSource):
        return entry.source
    if entry.source.size > limits.max_inline_bytes:
        out.coverage.append(
            Coverage(
                entry.path,
                ENGINE,
                CoverageStatus.NOT_SCANNED,
                f"nested archive larger than {limits.max_inline_bytes} bytes is not walked",
            )
        )
        return None
    with entry.source.open() as fh:
        return BytesSource(read_bounded(fh, limits.max_inline_bytes))


def _traversal(entry: RawEntry, name: str, why: str) -> Finding:
    return finding(
        "archive.path_traversal",
        f"{entry.path}!/{name}",
        f"member {name!r} has an {why}; extraction would write outside the target",
        engine=ENGINE,
        evidence={"member": name, "reason": why},
    )


def _bomb(entry: RawEntry, name: str, size: int, ratio: float) -> Finding:
    return finding(
        "archive.bomb",
        f"{entry.path}!/{name}",
        f"member {name!r} expands to {size} bytes (ratio {ratio:.0f}:1), past the limits; "
        "it was not decompressed",
        engine=ENGINE,
        evidence={"member": name, "size": size, "ratio": round(ratio, 1)},
    )


def _walk_tar(entry: RawEntry, limits: ArchiveLimits, out: Expansion) -> None:
    total = 0
    count = 0
    source = _seekable(entry, limits, out)
    if source is None:
        return
    with source.open() as fh, tarfile.open(fileobj=fh, mode="r:*") as tf:
        for member in tf:
            count += 1
            if count > limits.max_members:
                out.findings.append(
                    finding(
                        "archive.too_many_members",
                        entry.path,
                        f"more than {limits.max_members} members; the rest were not scanned",
                        engine=ENGINE,
                        evidence={"members": count},
                    )
                )
                out.coverage.append(
                    Coverage(
                        entry.path,
                        ENGINE,
                        CoverageStatus.NOT_SCANNED,
                        f"members after the first {limits.max_members}",
                    )
                )
                break
            name = member.name
            why = unsafe_member_name(name)
            if why:
                out.findings.append(_traversal(entry, name, why))
            if member.issym() or member.islnk():
                out.findings.append(
                    finding(
                        "archive.link_member",
                        f"{entry.path}!/{name}",
                        f"member {name!r} links to {member.linkname!r}; it was not followed",
                        engine=ENGINE,
                        evidence={"member": name, "link": member.linkname},
                    )
                )
                continue
            if not member.isfile():
                continue
            total += member.size
            if member.size > limits.max_inline_bytes or total > limits.max_total_bytes:
                out.findings.append(_bomb(entry, name, member.size, 0.0))
                out.coverage.append(
                    Coverage(
                        f"{entry.path}!/{name}", ENGINE, CoverageStatus.NOT_SCANNED, "size limit"
                    )
                )
                continue
            extracted = tf.extractfile(member)
            if extracted is None:
                continue
            data = read_bounded(extracted, limits.max_inline_bytes)
            out.entries.append(_child(entry, name, BytesSource(data)))


def _walk_stream(
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
                out.findings.append(_bomb(entry, inner, -1, limits.max_ratio))
                out.coverage.append(
                    Coverage(
                        entry.path, ENGINE, CoverageStatus.NOT_SCANNED, "decompression bomb guard"
                    )
                )
                return
        out.entries.append(_child(entry, inner, BytesSource(data)))

    return walk


def _walk_7z(entry: RawEntry, limits: ArchiveLimits, out: Expansion) -> None:
    """7-Zip archives, decompressed in memory by py7zr within the same limits."""
    import py7zr
    from py7zr.io import BytesIOFactory

    source = _seekable(entry, limits, out)
    if source is None:
        return
    with source.open() as fh, py7zr.SevenZipFile(fh) as zf:
        infos = [i for i in zf.list() if not i.is_directory]
        total = sum(int(i.uncompressed or 0) for i in infos)
        if len(infos) > limits.max_members or total > limits.max_inline_bytes:
            out.findings.append(_bomb(entry, "*", total, 0.0))
            out.coverage.append(
                Coverage(entry.path, ENGINE, CoverageStatus.NOT_SCANNED, "7z size/member limits")
            )
            return
        for info in infos:
            why = unsafe_member_name(info.filename)
            if why:
                out.findings.append(_traversal(entry, info.filename, why))
        factory = BytesIOFactory(limits.max_inline_bytes)
        zf.extractall(factory=factory)
    for name in sorted(factory.products):
        out.entries.append(_child(entry, name, BytesSource(factory.products[name].read())))


def _walk_zlib(entry: RawEntry, limits: ArchiveLimits, out: Expansion) -> None:
    """A raw zlib stream (joblib's compressed format), decompressed within the bomb limits."""
    cap = min(limits.max_inline_bytes, int(entry.source.size * limits.max_ratio) + (1 << 20))
    dec = zlib.decompressobj()
    buf = io.BytesIO()
    with entry.source.open() as fh:
        while chunk := fh.read(1 << 20):
            buf.write(dec.decompress(chunk, cap + 1 - buf.tell()))
            if buf.tell() > cap:
                out.findings.append(_bomb(entry, "(zlib stream)", -1, limits.max_ratio))
                out.coverage.append(
                    Coverage(entry.path, ENGINE, CoverageStatus.NOT_SCANNED, "bomb guard")
                )
                return
    name = PurePosixPath(entry.path.split("!/")[-1]).name + ".raw"
    out.entries.append(_child(entry, name, BytesSource(buf.getvalue())))


_WALKERS: dict[str, Callable[[RawEntry, ArchiveLimits, Expansion], None]] = {
    F.ZIP: _walk_zip,
    F.PYTORCH_ZIP: _walk_zip,
    F.NUMPY_NPZ: _walk_zip,
    F.KERAS_ZIP: _walk_zip,
    F.TAR: _walk_tar,
    F.SEVENZIP: _walk_7z,
    F.ZLIB: _walk_zlib,
    F.GZIP: _walk_stream(lambda fh: cast(IO[bytes], gzip.GzipFile(fileobj=fh))),
    F.BZIP2: _walk_stream(lambda fh: cast(IO[bytes], bz2.BZ2File(fh))),
    F.XZ: _walk_stream(lambda fh: cast(IO[bytes], lzma.LZMAFile(fh))),  # noqa: SIM115
}
