"""Minimal protobuf wire-format walking over bytes or an mmap, by offsets, without copies.

Length-delimited fields are returned as (start, end) spans into the buffer, so a 2 GB ONNX file
is walked without reading its tensor bytes: only the spans of messages we descend into are ever
touched. Every length is checked against its enclosing message.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from typing import TypeAlias

from petgov.formats import FormatError

Buffer: TypeAlias = bytes | mmap.mmap  # integer indexing gives a byte, slicing gives bytes


VARINT, I64, LEN, I32 = 0, 1, 2, 5


def varint(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
    """Decode a varint at ``pos``; returns (value, next position)."""
    value = 0
    shift = 0
    while True:
        if pos >= end or shift > 63:
            raise FormatError("bad_varint", f"truncated or overlong varint at offset {pos}")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def fields(buf: Buffer, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, a, b) for each field of the message in [start, end).

    For VARINT ``a`` is the value; for LEN, [a, b) is the payload span; fixed-width fields
    give their span too. Groups (wire types 3/4) are not used by ONNX and are an error.
    """
    pos = start
    while pos < end:
        key, pos = varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise FormatError("bad_field", f"field number 0 at offset {pos}")
        if wire == VARINT:
            value, pos = varint(buf, pos, end)
            yield number, wire, value, 0
        elif wire == LEN:
            n, pos = varint(buf, pos, end)
            if pos + n > end:
                raise FormatError("length_past_end", f"field {number} at {pos} overruns its parent")
            yield number, wire, pos, pos + n
            pos += n
        elif wire in (I64, I32):
            width = 8 if wire == I64 else 4
            if pos + width > end:
                raise FormatError("length_past_end", f"field {number} at {pos} overruns its parent")
            yield number, wire, pos, pos + width
            pos += width
        else:
            raise FormatError("bad_wire_type", f"wire type {wire} at offset {pos}")


def text(buf: Buffer, start: int, end: int, limit: int = 1 << 20) -> str:
    """A string field, decoded as UTF-8 with replacement, cut at ``limit`` bytes."""
    return buf[start : min(end, start + limit)].decode("utf-8", "replace")
