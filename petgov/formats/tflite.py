"""TFLite models: the FlatBuffer ``Model`` table, read by hand for its operator codes.

A ``.tflite`` file is a FlatBuffer (root offset, then ``TFL3``) whose ``operator_codes`` name
every kernel the interpreter must resolve: builtins are TFLite's own; a ``CUSTOM`` code names a
kernel the application registers (native code outside the model); ``Flex*`` custom codes run
TensorFlow ops through the Flex delegate. Only the tables on that path are read, every offset
bounds-checked (schema: tensorflow/lite/schema/schema.fbs).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import IO

from petgov.formats import FormatError, Problem

IDENTIFIER = b"TFL3"
BUILTIN_CUSTOM = 32  # BuiltinOperator.CUSTOM
PLACEHOLDER_FOR_GREATER_OP_CODES = 127
MAX_BYTES = 2 * 1024 * 1024 * 1024  # FlatBuffers address 2 GiB; larger models use offsets
MAX_OPCODES = 100_000
# Model table fields
_VERSION, _OPERATOR_CODES, _SUBGRAPHS, _DESCRIPTION = 0, 1, 2, 3
# OperatorCode table fields
_DEPRECATED_CODE, _CUSTOM_CODE, _OP_VERSION, _BUILTIN_CODE = 0, 1, 2, 3


@dataclass(frozen=True)
class OperatorCode:
    builtin: int
    custom: str | None
    version: int


@dataclass
class TfliteModel:
    version: int
    description: str | None
    subgraphs: int
    operator_codes: list[OperatorCode] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def custom_ops(self) -> list[str]:
        return [op.custom or "" for op in self.operator_codes if op.builtin == BUILTIN_CUSTOM]


class _Buf:
    """Bounds-checked FlatBuffer accessors over the whole file."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def _unpack(self, fmt: str, pos: int) -> int:
        size = struct.calcsize(fmt)
        if pos < 0 or pos + size > len(self.data):
            raise FormatError("offset_out_of_range", f"FlatBuffer offset {pos} is past the file")
        value: int = struct.unpack_from(fmt, self.data, pos)[0]
        return value

    def field_pos(self, table: int, index: int) -> int | None:
        """Absolute position of field ``index`` of the table at ``table``, or None if absent."""
        vtable = table - self._unpack("<i", table)
        vsize = self._unpack("<H", vtable)
        slot = 4 + 2 * index
        if slot + 2 > vsize:
            return None
        off = self._unpack("<H", vtable + slot)
        return table + off if off else None

    def scalar(self, table: int, index: int, fmt: str, default: int = 0) -> int:
        pos = self.field_pos(table, index)
        return default if pos is None else self._unpack(fmt, pos)

    def indirect(self, pos: int) -> int:
        return pos + self._unpack("<I", pos)

    def vector(self, table: int, index: int) -> tuple[int, int] | None:
        """(first element position, length) of a vector field."""
        pos = self.field_pos(table, index)
        if pos is None:
            return None
        start = self.indirect(pos)
        n = self._unpack("<I", start)
        if start + 4 + 4 * n > len(self.data):
            raise FormatError(
                "count_overflow", f"FlatBuffer vector of {n} elements at {start} is past the file"
            )
        return start + 4, n

    def string(self, table: int, index: int) -> str | None:
        pos = self.field_pos(table, index)
        if pos is None:
            return None
        start = self.indirect(pos)
        n = self._unpack("<I", start)
        if start + 4 + n > len(self.data):
            raise FormatError("length_overflow", f"FlatBuffer string of {n} bytes is past the file")
        return self.data[start + 4 : start + 4 + n].decode("utf-8", "replace")


def read_tflite(fh: IO[bytes], size: int) -> TfliteModel:
    """Parse the Model table and its operator codes; FormatError when they cannot be read."""
    if size > MAX_BYTES:
        raise FormatError("too_large", f"TFLite file of {size} bytes is over the 2 GiB FlatBuffer")
    buf = _Buf(fh.read(size))
    if buf.data[4:8] != IDENTIFIER:
        raise FormatError("bad_magic", "no TFL3 file identifier")
    root = buf.indirect(0)
    version = buf.scalar(root, _VERSION, "<I")
    subgraphs = buf.vector(root, _SUBGRAPHS)
    model = TfliteModel(version, buf.string(root, _DESCRIPTION), subgraphs[1] if subgraphs else 0)
    codes = buf.vector(root, _OPERATOR_CODES)
    if codes is None:
        model.problems.append(Problem("bad_structure", "Model has no operator_codes"))
        return model
    start, n = codes
    if n > MAX_OPCODES:
        raise FormatError("count_overflow", f"{n} operator codes")
    for i in range(n):
        table = buf.indirect(start + 4 * i)
        deprecated = buf.scalar(table, _DEPRECATED_CODE, "<b")
        builtin = buf.scalar(table, _BUILTIN_CODE, "<i")
        # TFLite's GetBuiltinCode: codes past 127 live in builtin_code, older files only in
        # the deprecated byte; the larger of the two is the operator.
        code = max(deprecated, builtin)
        model.operator_codes.append(
            OperatorCode(
                code, buf.string(table, _CUSTOM_CODE), buf.scalar(table, _OP_VERSION, "<i", 1)
            )
        )
    return model
