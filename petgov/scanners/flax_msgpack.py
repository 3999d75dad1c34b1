"""Flax msgpack checkpoints: a state dict of arrays, judged leaf by leaf.

flax restores the map with its own ext hook; a leaf flax never writes (an unknown ext type, an
object dtype, bytes that disagree with shape x dtype) is either damage or meant for a different
reader, so it is reported; a checkpoint flax wrote is silent.
"""

from __future__ import annotations

from typing import ClassVar

from petgov import filetypes as F
from petgov.formats.flax_msgpack import read_flax
from petgov.scanners.format_findings import MalformedRule, read_structure
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult

ENGINE = "flax"
MALFORMED = MalformedRule(ENGINE, "ser.flax_malformed", "flax msgpack")


class FlaxMsgpackScanner(ItemScanner):
    """Checks that every leaf of a flax msgpack state is an array, scalar or map flax writes."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"ser.flax_malformed"})

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format == F.FLAX_MSGPACK

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        state = read_structure(entry, read_flax, MALFORMED, out, what="state")
        if state is None:
            return out
        out.scanned(path, ENGINE, f"{state.arrays} arrays, {state.parameters} parameters")
        out.facts[path] = {"flax.arrays": state.arrays, "flax.parameters": state.parameters}
        return out
