"""Read-only streams over zip member bodies: lazily opened, sliced, inflated and bounded, so a
member is read through its local header (as PyTorch does) without extracting anything."""

from __future__ import annotations

import io
import struct
import zlib
from typing import IO, TYPE_CHECKING, Any

from petgov.targets.archive.limits import LimitExceeded
from petgov.targets.interface import Source

if TYPE_CHECKING:
    import zipfile

# zip compression methods (APPNOTE 4.4.5; zipfile's ZIP_STORED, ZIP_DEFLATED, ZIP_BZIP2): the
# readers below need no zipfile import of their own.
STORED, DEFLATED, BZIP2 = 0, 8, 12


class ZipMemberSource(Source):
    """A zip member opened lazily from its archive, so large stored tensors stay on disk."""

    def __init__(self, outer: Source, info: zipfile.ZipInfo, limit: int) -> None:
        self.outer = outer
        self.info = info
        self.size = info.file_size
        self.limit = limit

    def open(self) -> IO[bytes]:
        fh = self.outer.open()
        return io.BufferedReader(Bounded(open_member_raw(fh, self.info), self.limit, (fh,)))


class Inflate(io.RawIOBase):
    """Streams a raw deflate/bzip2 member body (what PyTorch's reader does: no CRC check)."""

    def __init__(self, fh: IO[bytes], size: int, method: int) -> None:
        self.fh = fh
        self.left = size
        self.pending = b""
        if method == DEFLATED:
            self.dec: Any = zlib.decompressobj(-15)
        else:
            import bz2

            self.dec = bz2.BZ2Decompressor()

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
        import zipfile

        raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    if info.compress_type == STORED:
        return io.BufferedReader(Slice(fh, info.compress_size))
    if info.compress_type in (DEFLATED, BZIP2):
        return io.BufferedReader(Inflate(fh, info.compress_size, info.compress_type))
    raise NotImplementedError(f"compression method {info.compress_type}")


def local_name(fh: IO[bytes], info: zipfile.ZipInfo) -> str | None:
    """The member name its local header states (None when unreadable)."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        return None
    (name_len,) = struct.unpack("<H", local[26:28])
    return fh.read(name_len).decode("utf-8", "replace")


class Slice(io.RawIOBase):
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


class Bounded(io.RawIOBase):
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
