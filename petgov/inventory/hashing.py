"""Streaming sha256 in background threads, overlapped with the scanners (hashlib releases the GIL).

Which items get their own digest is a policy (``DigestMode``), because hashing is the one step
whose cost grows with tensor bytes:

- ``top`` (default): every file the user named or a folder holds, and every archive member that
  has structure (pickles, configs, nested models). Raw data members (``binary``: PyTorch storage
  blobs and the like) carry ``sha256: null``: the containing file's digest already covers their
  bytes, and hashing them again would read every tensor twice.
- ``all``: every item, members included (the cost of reading each tensor once more).
- ``none``: no digests at all (fast triage; a clean-room promotion needs ``top`` or ``all``).
"""

from __future__ import annotations

import enum
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from petgov import filetypes as F
from petgov.inventory import early
from petgov.inventory.filehash import FileDigest, stamp_of, workers
from petgov.targets.interface import Source

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

CHUNK = 1 << 20
# Smaller items are hashed on the spot: a thread-pool job costs more than hashing 256 KiB.
INLINE_BYTES = 256 * 1024


class DigestMode(str, enum.Enum):
    """Which inventory items get a sha256 (see the module docstring)."""

    TOP = "top"
    ALL = "all"
    NONE = "none"


def wants_digest(mode: DigestMode, depth: int, fmt: str) -> bool:
    """Whether an item at ``depth`` sniffed as ``fmt`` gets its own sha256 under ``mode``."""
    if mode is DigestMode.NONE:
        return False
    if mode is DigestMode.ALL or depth == 0:
        return True
    return fmt != F.BINARY


def sha256_source(source: Source) -> str:
    """sha256 of a source, streamed; kept in the source's memo when it has one."""
    memo = source.digest_memo()
    if memo is None:
        return _sha256(source)
    with memo.lock:  # a second caller waits for the first read instead of reading again
        if "sha256" not in memo.values:
            memo.values["sha256"] = _sha256(source)
        return memo.values["sha256"]


def git_blob_sha1(source: Source) -> str:
    """The git blob id of a source: how the hub names files that are not in LFS."""
    h = hashlib.sha1(f"blob {source.size}\0".encode(), usedforsecurity=False)
    with source.open() as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _sha256(source: Source) -> str:
    """sha256 of a source, streamed; a local file goes through ``hashlib.file_digest``."""
    held = source.held()
    if held is not None:
        return hashlib.sha256(held).hexdigest()
    with source.open() as fh:
        return _digest(fh, real_file=source.local_path is not None)


def sha256_file(path: Path) -> str:
    """sha256 (hex) of a local file, streamed: the one file hasher petgov uses.

    Raises OSError for the caller to word (a missing file is input, not a bug).
    """
    with open(path, "rb") as fh:
        return _digest(fh, real_file=True)


def _digest(fh: IO[bytes], *, real_file: bool) -> str:
    """``hashlib.file_digest`` (3.11+, GIL released) for real files, else 1 MiB chunks (3.10)."""
    if real_file and hasattr(hashlib, "file_digest"):
        return hashlib.file_digest(fh, "sha256").hexdigest()  # type: ignore[arg-type]
    h = hashlib.sha256()
    while chunk := fh.read(CHUNK):
        h.update(chunk)
    return h.hexdigest()


def _workers() -> int:
    return min(4, os.cpu_count() or 2)


def _in_hand(source: Source) -> bool:
    """A local file or bytes in memory: quick to hash on the spot (a remote read is not)."""
    return source.held() is not None or source.local_path is not None


class Digest(Protocol):
    """An item's sha256 as it comes: a thread pool's future, or one of the light forms below
    (a small file is hashed on the spot thousands of times a scan: a Future, with its lock and
    condition, cost more than the hash)."""

    def done(self) -> bool: ...

    def result(self) -> str | None: ...

    def exception(self) -> BaseException | None: ...


class Settled:
    """A digest known at once: the value, or what hashing raised."""

    __slots__ = ("_error", "_value")

    def __init__(self, value: str | None = None, error: BaseException | None = None) -> None:
        self._value, self._error = value, error

    def done(self) -> bool:
        return True

    def result(self) -> str | None:
        if self._error is not None:
            raise self._error
        return self._value

    def exception(self) -> BaseException | None:
        return self._error


class _FileResult:
    """A local file's digest from the shared workers (``filehash``): ``result()`` re-checks
    that the file is still in the state it was read in, so a changed file is hashed again."""

    __slots__ = ("job",)

    def __init__(self, job: FileDigest) -> None:
        self.job = job

    def done(self) -> bool:
        return self.job.done()

    def result(self) -> str | None:
        return self.job.confirmed()

    def exception(self) -> BaseException | None:
        try:
            self.job.confirmed()
        except Exception as exc:
            return exc
        return None


def settled(digest: Digest) -> bool:
    """Whether a digest is final already (hashed on the spot): a file's digest is not, it is
    checked against the file again when collected (the file may change while it is scanned)."""
    return digest.done() and not isinstance(digest, _FileResult)


class BackgroundHasher:
    """Hashes submitted while the inventory is still being built; results are awaited later.

    The scanners read the same files meanwhile, so the bytes come from the page cache once.
    Small items are hashed inline (the result is a finished future); large local files go to
    the shared digest workers, adopting a digest the CLI started early for the same file state.
    """

    def __init__(self, jobs: int | None = None) -> None:
        self._pool: ThreadPoolExecutor | None = None  # remote sources only
        self._jobs = jobs or _workers()
        self._files: list[FileDigest] = []

    def submit(self, source: Source) -> Digest:
        if source.partial():  # a remote header read: the server's digest (or none), no download
            return Settled(source.unread_digest())
        if source.size <= INLINE_BYTES and _in_hand(source):
            try:
                return Settled(sha256_source(source))
            except Exception as exc:  # said when the digest is collected, as for pool jobs
                return Settled(error=exc)
        local = source.local_path
        if local is not None and source.held() is None and source.digest_memo() is None:
            path = os.fspath(local)
            try:
                listed = stamp_of(os.stat(path))
            except OSError as exc:
                return Settled(error=exc)
            job = early.adopt(path, listed) or workers().submit(path, listed)
            self._files.append(job)
            return _FileResult(job)
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=self._jobs, thread_name_prefix="sha256")
        return self._pool.submit(sha256_source, source)

    def close(self) -> None:
        """Call off what nobody collected (an error ended the scan): never waits on a file."""
        for job in self._files:
            if not job.done():
                job.cancel()
        self._files.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def sha256_many(sources: Sequence[Source], jobs: int | None = None) -> list[str]:
    """Hash many sources, in parallel when there are several; order is preserved."""
    if len(sources) <= 1:
        return [sha256_source(s) for s in sources]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=jobs or _workers()) as pool:
        return list(pool.map(sha256_source, sources))
