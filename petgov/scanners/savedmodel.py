"""TF SavedModel graphs: ops that run Python or touch files, found without TensorFlow.

``saved_model.pb`` is walked as protobuf wire format: every length-delimited field that parses
as a message is descended into, and NodeDef ``op`` fields (field 2 of a message whose field 1 is
its name) are collected from graphs and function libraries alike.
"""

from __future__ import annotations

from typing import Any, ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.model import Severity
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult
from petgov.scanners.tf_ops import DANGEROUS_OPS

ENGINE = "savedmodel"
MAX_DEPTH = 12


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    shift = 0
    value = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def _fields(buf: memoryview) -> list[tuple[int, int, Any]]:
    """(field, wire type, value) of one message; raises ValueError if it is not one."""
    out: list[tuple[int, int, Any]] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wt = key >> 3, key & 7
        if field == 0:
            raise ValueError("field 0")
        if wt == 0:
            val, pos = _varint(buf, pos)
            out.append((field, wt, val))
        elif wt == 1:
            pos += 8
        elif wt == 5:
            pos += 4
        elif wt == 2:
            n, pos = _varint(buf, pos)
            if pos + n > len(buf):
                raise ValueError("length past end")
            out.append((field, wt, buf[pos : pos + n]))
            pos += n
        else:
            raise ValueError("group or bad wire type")
    if pos != len(buf):
        raise ValueError("overrun")
    return out


def find_ops(data: bytes) -> list[str]:
    """Every NodeDef op name in a serialized SavedModel or GraphDef."""
    ops: list[str] = []

    def walk(buf: memoryview, depth: int) -> None:
        if depth > MAX_DEPTH or len(buf) < 2:
            return
        try:
            fields = _fields(buf)
        except ValueError:
            return
        strings = {f: v for f, wt, v in fields if wt == 2}
        name, op = strings.get(1), strings.get(2)
        if name is not None and op is not None and 0 < len(op) < 128:
            try:
                text = bytes(op).decode("ascii")
                bytes(name).decode("utf-8")
                if text.isidentifier():
                    ops.append(text)
            except UnicodeDecodeError:
                pass
        for _f, wt, v in fields:
            if wt == 2 and len(v) >= 2:
                walk(v, depth + 1)

    walk(memoryview(data), 0)
    return ops


class SavedModelScanner(ItemScanner):
    """Flags dangerous ops in ``saved_model.pb`` graphs and function libraries."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    judges_code: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"ser.tf_op"})

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format == F.SAVEDMODEL

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        if entry.source.size > 2 << 30:
            out.not_scanned(path, ENGINE, "saved_model.pb larger than 2 GiB (protobuf limit)")
            return out
        with entry.source.open() as fh:
            data = fh.read()
        ops = find_ops(data)
        for op in sorted(set(ops) & set(DANGEROUS_OPS)):
            severity, why = DANGEROUS_OPS[op]
            out.findings.append(
                finding(
                    "ser.tf_op",
                    path,
                    f"{op} {why}; it runs when the graph is loaded and executed "
                    f"({ops.count(op)} node(s))",
                    engine=ENGINE,
                    evidence={"op": op, "nodes": ops.count(op)},
                    severity=severity,
                    cwe=("CWE-94",) if severity is Severity.CRITICAL else ("CWE-73",),
                )
            )
        out.scanned(path, ENGINE, f"{len(ops)} graph nodes")
        out.facts[path] = {"tf.ops": sorted(set(ops))[:200]}
        return out
