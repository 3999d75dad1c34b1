"""How much one archive walk may read, and the bounded read that enforces it."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on what one walk may read. Defaults fit multi-GB model archives."""

    max_depth: int = 4
    max_members: int = 10_000
    max_member_bytes: int = 4 << 30  # one member, uncompressed
    max_total_bytes: int = 16 << 30  # all members of one archive, uncompressed
    max_ratio: float = 200.0  # uncompressed / compressed, per member
    max_inline_bytes: int = 512 << 20  # members read into memory (nested/compressed streams)


INLINE_MEMBER_BYTES = 4 << 20  # members up to this size are read once, while walking


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
