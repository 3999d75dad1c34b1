"""Run one item scanner over bytes built in a test, the way the pipeline would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from petgov.model import Item
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult
from petgov.targets.interface import BytesSource, FileSource, Source

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def run_scanner(
    scanner: ItemScanner, name: str, fmt: str, data: bytes | Path, root: Path | None = None
) -> ScanResult:
    """Scan ``data`` (bytes, or a file) as an item named ``name`` with sniffed format ``fmt``."""
    source: Source = FileSource(data) if isinstance(data, Path) else BytesSource(data)
    entry = Entry(Item(name, fmt, source.size, None), source)
    ctx = ScanContext(now=NOW)
    assert scanner.applies_to(entry, ctx)
    return scanner.scan(entry, ctx)
