"""The target extension point: a resolver turns one target string into raw entries.

A raw entry is a path as shown to the user plus a ``Source`` that can be read (a local file,
an in-memory member, a lazily opened archive member). Formats and hashes come later, from
the inventory stage; findings about the target itself (unsafe archive members, bombs) are
returned beside the entries so they reach the report.
"""

from __future__ import annotations

import io
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from petgov.model import Coverage, Finding, Origin

if TYPE_CHECKING:
    from petgov.targets.filters import PathFilter


class Source(ABC):
    """Readable bytes of one item, never executed; ``local_path`` is set when they are a file."""

    size: int

    @abstractmethod
    def open(self) -> IO[bytes]:
        """Open a fresh binary stream at offset 0 (the caller closes it)."""

    @property
    def local_path(self) -> Path | None:
        """The file on disk holding exactly these bytes, when there is one."""
        return None

    def digest_memo(self) -> DigestMemo | None:
        """Where digests of these bytes are kept once computed (None: not kept)."""
        return None

    def read_head(self, n: int) -> bytes:
        """The first ``n`` bytes (fewer for a short item)."""
        held = self.held()
        if held is not None:
            return held[:n]
        with self.open() as fh:
            return fh.read(n)

    def held(self) -> bytes | None:
        """All the bytes, when they are in memory (every stage then reads them from there)."""
        return None

    def hold(self, limit: int) -> int:
        """Read the whole item into memory if it is at most ``limit`` bytes; returns how many
        bytes are now held. A small file is then read from disk once, not once per stage."""
        return 0

    def release(self) -> None:
        """Let go of held bytes (later reads go back to the file)."""
        return None

    def prepare(self, fmt: str, *, whole: bool = False) -> None:
        """Told the sniffed format: a remote source downloads (and verifies) what must be read
        whole; ``whole`` asks for every byte (``--digests all``). Local sources hold them all."""
        return None

    def partial(self) -> bool:
        """True while only some bytes were fetched (a remote header read): hashing would
        download the rest, so the digest is ``unread_digest()``."""
        return False

    def unread_digest(self) -> str | None:
        """The sha256 a server reported for bytes not (all) read here, if it reported one."""
        return None


class DigestMemo:
    """Digests of one source, computed once per run however many stages ask for them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[str, str] = {}


class FileSource(Source):
    """A regular local file; ``size`` when the caller has just stat'ed it (a folder walk)."""

    # Bytes kept from a released file: enough for a late look at its start (a Git-LFS pointer
    # check after the item scanners) without opening the file again.
    HEAD_KEPT = 64

    def __init__(self, path: Path | str, size: int | None = None) -> None:
        self._name = os.fspath(path)
        self._path = path if isinstance(path, Path) else None
        self.size = os.stat(self._name).st_size if size is None else size
        self._held: bytes | None = None
        self._head: bytes | None = None

    def held(self) -> bytes | None:
        return self._held

    def read_head(self, n: int) -> bytes:
        head = self._held if self._held is not None else self._head
        if head is not None and (n <= len(head) or len(head) == self.size):
            return head[:n]
        return super().read_head(n)

    def hold(self, limit: int) -> int:
        if self._held is None and 0 < self.size <= limit:
            fd = os.open(self._name, os.O_RDONLY)  # no file object: a third of the cost
            try:
                data = os.read(fd, self.size + 1)
            finally:
                os.close(fd)
            if len(data) == self.size:  # changed since listed (or a short read): read as a file
                self._held = data
        return 0 if self._held is None else len(self._held)

    def release(self) -> None:
        if self._held is not None:
            self._head = self._held[: self.HEAD_KEPT]
        self._held = None

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = Path(self._name)
        return self._path

    def open(self) -> IO[bytes]:
        if self._held is not None:
            return io.BytesIO(self._held)
        return open(self._name, "rb")

    @property
    def local_path(self) -> Path | None:
        return self.path


class BytesSource(Source):
    """Bytes already in memory (a small archive member, a decompressed stream)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def open(self) -> IO[bytes]:
        return io.BytesIO(self.data)

    def held(self) -> bytes | None:
        return self.data


@dataclass
class RawEntry:
    """A readable thing before sniffing: display path, source, origin and nesting."""

    path: str
    source: Source
    origin: Origin
    depth: int = 0
    parent: str | None = None
    # Bytes its loader only copies (a torch zip's tensor storage): typed binary, never sniffed,
    # because random tensor data matches a pickle or archive header by chance.
    raw_data: bool = False


@dataclass
class ResolvedTarget:
    """What a resolver made of one target string."""

    target: str
    root: Path | None  # the local folder or file the target maps to, when there is one
    entries: list[RawEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    facts: dict[str, dict[str, object]] = field(default_factory=dict)
    # Facts known only once the scan has read what it needed (bytes fetched from a remote).
    late_facts: list[Callable[[], dict[str, object]]] = field(default_factory=list)


class TargetResolver(ABC):
    """One kind of target (local path, hf:// repo)."""

    @abstractmethod
    def accepts(self, target: str) -> bool:
        """Whether this resolver handles ``target`` (cheap: scheme or path check)."""

    @abstractmethod
    def resolve(self, target: str, path_filter: PathFilter | None = None) -> ResolvedTarget:
        """Resolve ``target`` or raise TargetError with a hint; a walk honours ``path_filter``."""


def resolvers(target: str | None = None) -> Sequence[TargetResolver]:
    """Every resolver, most specific first; the local one accepts anything left. For a
    ``target`` without a scheme only the local one: every other resolver needs ``://``, and
    importing them (hub, object stores, web, network consent) is ~2 ms of a local scan."""
    from petgov.targets.local import LocalResolver

    if target is not None and "://" not in target:
        return [LocalResolver()]
    from petgov.targets.hf import HfResolver
    from petgov.targets.remote.objects import ObjectStoreResolver
    from petgov.targets.remote.webfile import HttpsResolver

    return [HfResolver(), ObjectStoreResolver(), HttpsResolver(), LocalResolver()]
