"""safetensors: header length, offsets inside the file, tiling without overlaps or gaps.

safetensors cannot run code, so a clean header is the whole verdict; a damaged one is reported
as suspicious because a file that only *looks* like safetensors to one reader can be something
else (a pickle, an archive) to another.
"""

from __future__ import annotations

from typing import ClassVar

from petgov import filetypes as F
from petgov.formats.safetensors import read_header
from petgov.scanners.format_findings import MalformedRule, read_structure
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult

ENGINE = "safetensors"
MALFORMED = MalformedRule(ENGINE, "ser.safetensors_malformed", "safetensors")


class SafetensorsScanner(ItemScanner):
    """Checks a safetensors header against the file it describes."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"ser.safetensors_malformed"})

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format == F.SAFETENSORS

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        header = read_structure(entry, read_header, MALFORMED, out)
        if header is None:
            return out
        out.scanned(path, ENGINE, f"{len(header.tensors)} tensors")
        out.facts[path] = {
            "safetensors.tensors": len(header.tensors),
            "safetensors.metadata_keys": sorted(header.metadata)[:50],
        }
        return out
