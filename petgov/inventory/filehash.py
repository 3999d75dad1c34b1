"""sha256 of large local files on daemon threads that hold the GIL as little as possible.

Why not a thread pool over ``hashlib.file_digest``: that loop takes the GIL back for every
256 KiB read and every update, and while the main thread imports or scans (pure Python) a
thread asking for the GIL waits up to the switch interval (5 ms) each time, so a 300 MB file
took 0.36-0.50 s to hash next to a busy main thread instead of 0.2 s alone. Here a worker reads
1 MiB at a time into one reused buffer (the read and the update release the GIL) and the switch
interval is lowered to 0.1 ms while a worker is busy (restored when none is), so the main thread
hands the GIL over within 0.1 ms. Biggest files go first, on up to one thread per core.

Stdlib only: the CLI starts these before the pipeline is imported (``inventory.early``).
A digest is trusted only for the file state it was computed from: the worker stamps the file
(device, inode, size, mtime, ctime) before and after reading it, and ``FileDigest.confirmed``
compares both with the file as it is when the digest is collected; a file that changed is hashed
again. Workers are daemon threads and stop at the next chunk when their job is cancelled, so an
error never waits for a hash to finish.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import os
import sys
import threading
from collections.abc import Callable

CHUNK = 1 << 20  # 1 MiB: peak memory as with file_digest (4 MiB buffers added 6 MiB to it)
MAX_WORKERS = 8  # each holds a 1 MiB buffer while it reads
SWITCH_INTERVAL = 1e-4  # seconds, while a worker hashes
ATTEMPTS = 3  # a file still changing after this many reads is reported, not trusted

Stamp = tuple[int, int, int, int, int]


def stamp_of(st: os.stat_result) -> Stamp:
    """What identifies a file's state without reading it (as make and git's index do)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class Cancelled(Exception):
    """A job called off before it finished (its scan ended first)."""


class FileChanged(OSError):
    """A file that kept changing while it was read: no digest of it can be trusted."""


def hash_file(path: str, cancelled: Callable[[], bool] = lambda: False) -> tuple[str, Stamp, Stamp]:
    """sha256 of ``path`` with its stamp before and after the read (equal: a consistent read).

    Reads, not a memory map: a mapped file that another process truncates kills the reader
    with SIGBUS (a test that rewrites a file mid-scan did); the copy costs ~10% more CPU.
    """
    h = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    try:
        with open(path, "rb", buffering=0) as fh:
            fd = fh.fileno()
            before = stamp_of(os.fstat(fd))
            while n := fh.readinto(buf):
                if cancelled():
                    raise Cancelled(path)
                h.update(view[:n] if n < CHUNK else buf)
            after = stamp_of(os.fstat(fd))
    finally:
        view.release()
    return h.hexdigest(), before, after


class FileDigest:
    """One file's sha256, computed by a worker; ``listed`` is the file's stamp when submitted."""

    def __init__(self, path: str, listed: Stamp) -> None:
        self.path = path
        self.listed = listed
        self.size = listed[2]
        self._event = threading.Event()
        self._digest: str | None = None
        self._stamps: tuple[Stamp, Stamp] | None = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[FileDigest], None]] = []
        self._lock = threading.Lock()
        self.cancelled = False

    def cancel(self) -> None:
        """Stop at the next chunk (or before starting); a cancelled job is never adopted."""
        self.cancelled = True

    def done(self) -> bool:
        return self._event.is_set()

    @property
    def error(self) -> BaseException | None:
        """What the worker's read raised (None: a digest, or not done yet)."""
        return self._error

    def on_done(self, callback: Callable[[FileDigest], None]) -> None:
        """Call ``callback(self)`` once the worker is done (at once when it already is)."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback(self)

    def run(self) -> None:
        """Hash the file (on a worker thread); errors are kept for the collector."""
        try:
            if self.cancelled:
                raise Cancelled(self.path)
            digest, before, after = hash_file(self.path, lambda: self.cancelled)
            self._digest, self._stamps = digest, (before, after)
        except BaseException as exc:  # said when the digest is collected
            self._error = exc
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)

    def confirmed(self) -> str:
        """The digest, once the file is checked unchanged since it was read (else read again).

        Waits for the worker; raises what the read raised (OSError for an unreadable file).
        """
        self._event.wait()
        if self._error is not None:
            raise self._error
        assert self._digest is not None and self._stamps is not None
        digest, (before, after) = self._digest, self._stamps
        for _ in range(ATTEMPTS):
            if before == after == stamp_of(os.stat(self.path)):
                return digest
            digest, before, after = hash_file(self.path)
        raise FileChanged(f"{self.path}: changed while it was hashed")


class DigestWorkers:
    """Daemon threads hashing queued files, biggest first; threads start as jobs arrive."""

    def __init__(self, workers: int | None = None) -> None:
        self._max = workers or _cores()
        self._queue: list[tuple[int, int, FileDigest]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._threads = 0
        self._idle = 0
        self._busy = 0
        self._saved_interval: float | None = None

    def submit(self, path: str, listed: Stamp) -> FileDigest:
        job = FileDigest(path, listed)
        with self._cond:
            heapq.heappush(self._queue, (-job.size, next(self._order), job))
            if self._idle:
                self._cond.notify()
            elif self._threads < self._max:
                self._threads += 1
                threading.Thread(target=self._work, name="sha256", daemon=True).start()
        return job

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._queue:
                    self._idle += 1
                    self._cond.wait()
                    self._idle -= 1
                job = heapq.heappop(self._queue)[2]
                self._busy += 1
                if self._busy == 1:
                    self._saved_interval = sys.getswitchinterval()
                    sys.setswitchinterval(SWITCH_INTERVAL)
            try:
                job.run()
            finally:
                with self._cond:
                    self._busy -= 1
                    if self._busy == 0 and self._saved_interval is not None:
                        sys.setswitchinterval(self._saved_interval)
                        self._saved_interval = None


def _cores() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 2
    return max(1, min(MAX_WORKERS, cores))


_shared: DigestWorkers | None = None
_shared_lock = threading.Lock()


def workers() -> DigestWorkers:
    """The process's digest workers (the CLI's early start and the pipeline share them)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = DigestWorkers()
        return _shared
