"""A remote file read by byte range: the parsers get a seekable stream, the network only the
ranges they actually read.

Header formats (safetensors, GGUF, raw tensor data) are judged from a few kilobytes, so their
bytes are fetched lazily in blocks with a read-ahead that grows with what a parser has already
read (a GGUF metadata walk makes many small reads). Everything else, pickles above all, is
downloaded whole into a private temporary file before anything reads it, and checked against
the digest the server reported for it: a verdict is never given on bytes that differ from the
ones the repo names.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from petgov import filetypes as F
from petgov.targets.interface import DigestMemo, Source
from petgov.util.sizes import human_size

if TYPE_CHECKING:
    import tempfile

BLOCK = 64 * 1024
MAX_READAHEAD = 4 << 20
WHOLE_CHUNK = 8 << 20
# Judged from their header (or, for raw tensor data, from nothing but their name and size):
# these are the only formats whose bytes are not downloaded whole.
HEADER_JUDGED = frozenset({F.SAFETENSORS, F.GGUF, F.BINARY})

Fetch = Callable[[int, int], bytes]  # (start, end exclusive) -> exactly those bytes


@dataclass
class Meter:
    """Bytes and requests one remote target cost, against the size of everything it lists."""

    listed_bytes: int = 0
    fetched: int = 0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, n: int) -> None:
        with self.lock:
            self.fetched += n
            self.requests += 1


@dataclass(frozen=True)
class Expected:
    """Digests a server reported for a file: hub LFS sha256, or the git blob sha1 of the rest."""

    sha256: str | None = None
    git_sha1: str | None = None


class DigestMismatch(OSError):
    """Downloaded bytes differ from the digest the server reported for them."""


class RemoteFile(Source):
    """One remote file: ranges on demand, or the whole file (verified) once its format needs it.

    ``key`` is a stable content key (hub LFS sha256 or blob id, object ETag, HTTP ETag) that a
    result cache can use without reading the bytes.
    """

    def __init__(
        self,
        name: str,
        size: int,
        fetch: Fetch,
        meter: Meter,
        *,
        expected: Expected | None = None,
        key: str | None = None,
        workdir: Callable[[], Path] | None = None,
    ) -> None:
        self.name = name
        self.size = size
        self.key = key
        self.expected = expected or Expected()
        self._fetch = fetch
        self._meter = meter
        self._workdir = workdir
        self._blocks: dict[int, bytes] = {}
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._memo = DigestMemo()

    # -- Source -------------------------------------------------------------------------
    def open(self) -> IO[bytes]:
        if self._path is not None:
            return open(self._path, "rb")
        return io.BufferedReader(_RangeStream(self), buffer_size=BLOCK)

    @property
    def local_path(self) -> Path | None:
        return self._path

    def digest_memo(self) -> DigestMemo | None:
        return self._memo

    def prepare(self, fmt: str, *, whole: bool = False) -> None:
        if whole or fmt not in HEADER_JUDGED:
            self.fetch_all()

    def unread_digest(self) -> str | None:
        if self._path is not None:
            return None
        return self.expected.sha256

    def partial(self) -> bool:
        return self._path is None

    # -- reading ------------------------------------------------------------------------
    @property
    def complete(self) -> bool:
        """Whether every byte is on disk (and was checked against the reported digest)."""
        return self._path is not None

    def read_at(self, offset: int, n: int) -> bytes:
        """``n`` bytes from ``offset`` (fewer at the end), fetched in blocks as needed."""
        if offset >= self.size or n <= 0:
            return b""
        end = min(self.size, offset + n)
        if self._path is not None:
            with open(self._path, "rb") as fh:
                fh.seek(offset)
                return fh.read(end - offset)
        first, last = offset // BLOCK, (end - 1) // BLOCK
        with self._lock:
            missing = [b for b in range(first, last + 1) if b not in self._blocks]
            if missing:
                self._fill(missing[0], missing[-1])
            data = b"".join(self._blocks[b] for b in range(first, last + 1))
        start = offset - first * BLOCK
        return data[start : start + (end - offset)]

    def _fill(self, first: int, last: int) -> None:
        """Fetch blocks ``first..last`` plus read-ahead, in one request."""
        cached = sum(len(b) for b in self._blocks.values())
        ahead = min(MAX_READAHEAD, cached) // BLOCK  # none on a first read (the sniffer's head)
        final = (self.size - 1) // BLOCK
        stop = min(final, last + ahead)
        for b in range(last + 1, stop + 1):  # never re-fetch a block already held
            if b in self._blocks:
                stop = b - 1
                break
        start_b = first
        lo, hi = start_b * BLOCK, min(self.size, (stop + 1) * BLOCK)
        data = self._get(lo, hi)
        for b in range(start_b, stop + 1):
            if b not in self._blocks:
                self._blocks[b] = data[(b - start_b) * BLOCK : (b - start_b + 1) * BLOCK]

    def _get(self, lo: int, hi: int) -> bytes:
        data = self._fetch(lo, hi)
        self._meter.add(len(data))
        if len(data) != hi - lo:
            raise OSError(f"{self.name}: asked for bytes {lo}..{hi}, the server sent {len(data)}")
        return data

    def fetch_all(self) -> None:
        """Download every byte into a private temporary file and check the reported digest."""
        import tempfile  # ~3 ms at import: only for a whole download

        with self._lock:
            if self._path is not None:
                return
            folder = self._workdir() if self._workdir else Path(tempfile.gettempdir())
            fd, tmp = tempfile.mkstemp(prefix="remote-", dir=folder)
            sha256 = hashlib.sha256()
            sha1 = hashlib.sha1(f"blob {self.size}\0".encode(), usedforsecurity=False)
            try:
                with os.fdopen(fd, "wb") as out:
                    for lo in range(0, self.size, WHOLE_CHUNK):
                        hi = min(self.size, lo + WHOLE_CHUNK)
                        chunk = self._held(lo, hi) or self._get(lo, hi)
                        sha256.update(chunk)
                        sha1.update(chunk)
                        out.write(chunk)
                self._verify(sha256.hexdigest(), sha1.hexdigest())
            except BaseException:
                os.unlink(tmp)
                raise
            self._memo.values["sha256"] = sha256.hexdigest()
            self._path = Path(tmp)
            self._blocks.clear()

    def _held(self, lo: int, hi: int) -> bytes | None:
        """Bytes ``lo..hi`` when every block of them is already held (BLOCK-aligned ``lo``)."""
        blocks = range(lo // BLOCK, (hi - 1) // BLOCK + 1)
        if all(b in self._blocks for b in blocks):
            return b"".join(self._blocks[b] for b in blocks)[: hi - lo]
        return None

    def _verify(self, sha256: str, sha1: str) -> None:
        want = self.expected
        if want.sha256 is not None and want.sha256 != sha256:
            raise DigestMismatch(
                f"{self.name}: downloaded bytes have sha256 {sha256}, the server reports "
                f"{want.sha256}; nothing was judged"
            )
        if want.git_sha1 is not None and want.git_sha1 != sha1:
            raise DigestMismatch(
                f"{self.name}: downloaded bytes have git blob id {sha1}, the server reports "
                f"{want.git_sha1}; nothing was judged"
            )


class _RangeStream(io.RawIOBase):
    """A seekable raw stream over a RemoteFile's ranges."""

    def __init__(self, remote: RemoteFile) -> None:
        self._remote = remote
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._remote.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._remote.read_at(self._pos, len(buffer))
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def readall(self) -> bytes:
        data = self._remote.read_at(self._pos, self._remote.size - self._pos)
        self._pos += len(data)
        return data


class Workdir:
    """A private temporary folder for one target's whole downloads, made on first use and
    removed with the target (or at exit)."""

    def __init__(self) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Path:
        with self._lock:
            if self._tmp is None:
                import tempfile

                self._tmp = tempfile.TemporaryDirectory(prefix="petgov-remote-")
            return Path(self._tmp.name)


def cost_facts(meter: Meter, files: list[RemoteFile]) -> Callable[[], dict[str, object]]:
    """The target facts a remote scan reports once it is done: what it fetched of what."""

    def facts() -> dict[str, object]:
        whole = [f for f in files if f.complete]
        return {
            "remote.listed_bytes": meter.listed_bytes,
            "remote.bytes_fetched": meter.fetched,
            "remote.requests": meter.requests,
            "remote.files": len(files),
            "remote.files_whole": len(whole),
            "remote.files_partial": len(files) - len(whole),
            "remote.digests_server_reported": sum(
                1 for f in files if f.partial() and f.unread_digest() is not None
            ),
        }

    return facts


def cost_note(target: str, facts: Mapping[str, object]) -> str | None:
    """One report line: bytes fetched against the size of everything the remote lists."""
    if "remote.bytes_fetched" not in facts:
        return None
    fetched = int(str(facts["remote.bytes_fetched"]))
    listed = int(str(facts.get("remote.listed_bytes", 0)))
    share = f" ({100 * fetched / listed:.2f}%)" if listed else ""
    partial = int(str(facts.get("remote.files_partial", 0)))
    reported = int(str(facts.get("remote.digests_server_reported", 0)))
    line = (
        f"{target}: fetched {human_size(fetched)} of {human_size(listed)}{share} in "
        f"{facts.get('remote.requests')} request(s); {facts.get('remote.files_whole')} file(s) "
        f"downloaded whole and verified, {partial} judged from header ranges"
    )
    if reported:
        line += f" ({reported} digest(s) as the server reports them)"
    return line
