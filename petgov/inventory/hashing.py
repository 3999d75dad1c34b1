"""Streaming sha256, large files in parallel threads (hashlib releases the GIL)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from petgov.targets.interface import Source

CHUNK = 1 << 20


def sha256_source(source: Source) -> str:
    """sha256 of a source, streamed; a local file goes through ``hashlib.file_digest``."""
    path = source.local_path
    h = hashlib.sha256()
    with source.open() as fh:
        if path is not None and hasattr(hashlib, "file_digest"):  # 3.11+: fast, GIL released
            return hashlib.file_digest(fh, "sha256").hexdigest()  # type: ignore[arg-type]
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_many(sources: Sequence[Source], jobs: int | None = None) -> list[str]:
    """Hash many sources, in parallel when there are several; order is preserved."""
    if len(sources) <= 1:
        return [sha256_source(s) for s in sources]
    workers = jobs or min(8, (os.cpu_count() or 2) + 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(sha256_source, sources))
