"""Flax ``flax_model.msgpack`` checkpoints: a MessagePack state dict, read without msgpack.

``flax.serialization.to_bytes`` writes nested maps of string keys whose leaves are Python
scalars or MessagePack ext values flax defines: 1 an ndarray, 2 a complex, 3 a NumPy scalar;
ndarray and scalar payloads are themselves ``(shape, dtype name, raw bytes)``. Anything else
(other ext codes, object dtypes, arrays whose bytes disagree with shape x dtype) is not what
flax writes, and is where a reader with its own ext hook decodes something else.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from petgov.formats import FormatError, Problem

MAX_BYTES = 4 * 1024 * 1024 * 1024
MAX_DEPTH = 64
MAX_PROBLEMS = 50
FLAX_EXT = {1: "ndarray", 2: "complex", 3: "npscalar"}
# numpy dtype names flax arrays use (bfloat16 through JAX), with their item sizes
DTYPES = {
    "bool": 1,
    "int8": 1,
    "uint8": 1,
    "int16": 2,
    "uint16": 2,
    "float16": 2,
    "bfloat16": 2,
    "int32": 4,
    "uint32": 4,
    "float32": 4,
    "int64": 8,
    "uint64": 8,
    "float64": 8,
    "complex64": 8,
    "complex128": 16,
    "float8_e4m3fn": 1,
    "float8_e5m2": 1,
}


@dataclass(frozen=True)
class Ext:
    code: int
    data: bytes


@dataclass
class FlaxState:
    arrays: int = 0
    parameters: int = 0
    problems: list[Problem] = field(default_factory=list)

    def problem(self, code: str, message: str, where: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(code, message, {"key": where}))


class _Unpacker:
    """MessagePack decoding with every length checked against the bytes left."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise FormatError(
                "length_overflow", f"msgpack length {n} at byte {self.pos} is past the end"
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def num(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def count(self, n: int) -> int:
        if n > len(self.data) - self.pos:  # every element takes at least one byte
            raise FormatError("count_overflow", f"msgpack container of {n} elements")
        return n

    def value(self, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise FormatError("too_deep", f"msgpack nesting deeper than {MAX_DEPTH}")
        b = self.take(1)[0]
        if b <= 0x7F:
            return b
        if b >= 0xE0:
            return b - 0x100
        if 0x80 <= b <= 0x8F:
            return self.map(b & 0x0F, depth)
        if 0x90 <= b <= 0x9F:
            return self.array(b & 0x0F, depth)
        if 0xA0 <= b <= 0xBF:
            return self.take(b & 0x1F).decode("utf-8", "replace")
        simple: dict[int, Any] = {0xC0: None, 0xC2: False, 0xC3: True}
        if b in simple:
            return simple[b]
        fixed = {
            0xCA: ">f", 0xCB: ">d", 0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q",
            0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q",
        }  # fmt: skip
        if b in fixed:
            return self.num(fixed[b])
        sized = {0xC4: ">B", 0xC5: ">H", 0xC6: ">I", 0xD9: ">B", 0xDA: ">H", 0xDB: ">I"}
        if b in sized:
            raw = self.take(self.num(sized[b]))
            return raw if b <= 0xC6 else raw.decode("utf-8", "replace")
        if b in (0xDC, 0xDD):
            return self.array(self.num(">H" if b == 0xDC else ">I"), depth)
        if b in (0xDE, 0xDF):
            return self.map(self.num(">H" if b == 0xDE else ">I"), depth)
        if 0xD4 <= b <= 0xD8:  # fixext 1..16
            code = self.num(">b")
            return Ext(code, self.take(1 << (b - 0xD4)))
        if b in (0xC7, 0xC8, 0xC9):
            n = self.num({0xC7: ">B", 0xC8: ">H", 0xC9: ">I"}[b])
            code = self.num(">b")
            return Ext(code, self.take(n))
        raise FormatError("bad_marker", f"msgpack marker 0x{b:02x} at byte {self.pos - 1}")

    def array(self, n: int, depth: int) -> list[Any]:
        return [self.value(depth + 1) for _ in range(self.count(n))]

    def map(self, n: int, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for _ in range(self.count(n)):
            key = self.value(depth + 1)
            out[key if isinstance(key, str | int | bytes) else repr(key)] = self.value(depth + 1)
        return out


def unpack(data: bytes) -> Any:
    reader = _Unpacker(data)
    value = reader.value()
    if reader.pos != len(data):
        raise FormatError("trailing_bytes", f"{len(data) - reader.pos} bytes after the state")
    return value


def read_flax(fh: IO[bytes], size: int) -> FlaxState:
    """Decode the state dict and check every leaf is what flax writes."""
    if size > MAX_BYTES:
        raise FormatError("too_large", f"msgpack file of {size} bytes")
    root = unpack(fh.read(size))
    if not isinstance(root, dict):
        raise FormatError("bad_structure", "a flax state is a map at the top")
    state = FlaxState()
    for where, leaf in _leaves(root, ""):
        _check_leaf(where, leaf, state)
    return state


def _leaves(node: Any, where: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, f"{where}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, f"{where}[{i}]")
    else:
        yield where or "/", node


def _check_leaf(where: str, leaf: Any, state: FlaxState) -> None:
    if not isinstance(leaf, Ext):
        if isinstance(leaf, bytes):
            state.problem("unexpected_bytes", f"{where}: raw bytes where flax writes arrays", where)
        return
    kind = FLAX_EXT.get(leaf.code)
    if kind is None:
        state.problem(
            "unknown_ext",
            f"{where}: msgpack ext type {leaf.code} is not one flax writes (1-3); a reader "
            "with its own ext hook decodes it as something else",
            where,
        )
        return
    if kind == "complex":
        return
    try:
        payload = unpack(leaf.data)
    except FormatError as exc:
        state.problem("bad_array", f"{where}: {kind} payload does not decode: {exc}", where)
        return
    if not (isinstance(payload, list) and len(payload) == 3):
        state.problem("bad_array", f"{where}: {kind} payload is not (shape, dtype, bytes)", where)
        return
    shape, dtype, raw = payload
    if not isinstance(dtype, str) or dtype not in DTYPES:
        state.problem(
            "object_dtype",
            f"{where}: {kind} dtype {dtype!r} is not a numeric dtype flax writes (an object or "
            "structured dtype is how arrays carry pickles)",
            where,
        )
        return
    if not (isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)):
        state.problem("bad_array", f"{where}: shape {shape!r} is not a list of sizes", where)
        return
    elements = math.prod(shape)
    if elements * DTYPES[dtype] >= 1 << 63:
        state.problem("element_overflow", f"{where}: shape {shape} overflows int64", where)
        return
    if not isinstance(raw, bytes) or len(raw) != elements * DTYPES[dtype]:
        got = len(raw) if isinstance(raw, bytes) else type(raw).__name__
        state.problem(
            "size_mismatch",
            f"{where}: shape {shape} of {dtype} needs {elements * DTYPES[dtype]} bytes, has {got}",
            where,
        )
        return
    state.arrays += 1
    state.parameters += elements
