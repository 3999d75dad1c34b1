"""Run one call in a forked child and collect its result later: a second core for work that
holds the GIL (regex scans, presidio), with the parent's state shared copy-on-write.

The child sends its result back as JSON through a private pipe: plain data, never a pickle, so
nothing the parent reads back can run code whatever a scanned file put into a finding. When the
child cannot deliver (it crashed, was killed, or its result is not JSON) ``result`` says so with
``None`` and the caller runs the call itself, so the verdict never depends on the fork.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
DEFAULT_SWITCH = 0.005  # CPython's GIL switch interval


def cores() -> int:
    """CPUs this process may run on (a container's affinity, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def available() -> bool:
    """fork is cheap and safe enough here: Linux, with a second core to run on."""
    return sys.platform == "linux" and hasattr(os, "fork") and cores() >= 2


class Forked(Generic[T]):
    """A call running in a child process; ``result`` waits for it (once)."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid = pid
        self._fd = fd
        self._done = False

    def result(self) -> T | None:
        """The call's return value, or None when the child did not deliver one."""
        if self._done:
            return None
        chunks = []
        try:
            while chunk := os.read(self._fd, 1 << 20):
                chunks.append(chunk)
        finally:
            self._reap()
        try:
            ok, value = json.loads(b"".join(chunks))
        except (ValueError, TypeError):
            return None
        return value if ok else None

    def cancel(self) -> None:
        """Stop the child if it still runs (the parent is leaving early)."""
        if not self._done:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> None:
        self._done = True
        os.close(self._fd)
        os.waitpid(self._pid, 0)


def start(call: Callable[[], T], cleanup: Callable[[], None] | None = None) -> Forked[T] | None:
    """Fork a child that runs ``call`` (then ``cleanup``); None when forking is not available."""
    if not available():
        return None
    read, write = os.pipe()
    sys.stdout.flush()  # nothing buffered may be written twice
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.close(write)
        return Forked(pid, read)
    code = 1
    try:  # the child: never returns into the parent's code, never runs its atexit handlers
        os.close(read)
        sys.setswitchinterval(DEFAULT_SWITCH)  # the parent's hashing threads are not here
        try:
            payload = json.dumps([True, call()], allow_nan=False).encode()
        except BaseException:
            payload = b"[false, null]"
        finally:
            if cleanup is not None:
                cleanup()
        view = memoryview(payload)
        while view:
            view = view[os.write(write, view) :]
        code = 0
    finally:
        os._exit(code)
