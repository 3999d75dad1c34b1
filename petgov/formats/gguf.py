"""GGUF header reader: magic, version, counts, metadata key/values and tensor infos.

Every length and count is checked against the bytes that remain before it is used, so a header
that claims 2**63 keys or a 1 TB string fails fast with a FormatError instead of allocating.
Numeric arrays are skipped by seeking; string arrays keep a bounded sample (tokenizer
vocabularies run to hundreds of thousands of entries and hold no secrets worth the memory).
Tensor infos are checked for dimension count, known ggml types, alignment and that their data
lies inside the file without overlapping.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from petgov.formats import FormatError, Problem

MAGIC = b"GGUF"
MAX_STRING = 64 * 1024 * 1024  # a single metadata string; chat templates are a few KB
# Counts and lengths at or past this are no model's: they are how a C reader is made to overflow
# (llama.cpp advisories: 2^62 string lengths, tensor counts past SIZE_MAX / sizeof(info)).
OVERFLOW_COUNT = 1 << 31
INT64_MAX = (1 << 63) - 1
MAX_DIMS = 4  # GGML_MAX_DIMS
ARRAY_SAMPLE = 256  # string-array items kept in memory
MAX_NESTING = 4

# GGUF value types: id -> (name, struct code or None for variable size)
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY = range(10)
UINT64, INT64, FLOAT64 = 10, 11, 12
_SCALAR: dict[int, str] = {
    UINT8: "B",
    INT8: "b",
    UINT16: "H",
    INT16: "h",
    UINT32: "I",
    INT32: "i",
    FLOAT32: "f",
    BOOL: "?",
    UINT64: "Q",
    INT64: "q",
    FLOAT64: "d",
}

# ggml tensor types: id -> (name, elements per block, bytes per block)
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 18),
    3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24),
    8: ("Q8_0", 32, 34),
    9: ("Q8_1", 32, 36),
    10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110),
    12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66),
    17: ("IQ2_XS", 256, 74),
    18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50),
    20: ("IQ4_NL", 32, 18),
    21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    27: ("I64", 1, 8),
    28: ("F64", 1, 8),
    29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2),
    34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66),
    39: ("MXFP4", 32, 17),
}


@dataclass(frozen=True)
class ArrayValue:
    """A metadata array: its item type, length and (for strings) the first items."""

    item_type: int
    count: int
    sample: tuple[Any, ...] = ()


@dataclass(frozen=True)
class GGUFTensor:
    """One tensor info; ``offset`` is relative to the aligned start of the data section."""

    name: str
    dims: tuple[int, ...]
    ggml_type: int
    offset: int
    nbytes: int | None  # None when the type is unknown


@dataclass
class GGUFHeader:
    """Parsed GGUF header: metadata by key, tensor infos, and the problems found."""

    version: int
    byte_order: str  # "<" or ">"
    tensor_count: int
    metadata: dict[str, Any] = field(default_factory=dict)
    tensors: list[GGUFTensor] = field(default_factory=list)
    alignment: int = 32
    data_start: int = 0
    file_size: int = 0
    problems: list[Problem] = field(default_factory=list)

    def strings(self) -> Iterator[tuple[str, str]]:
        """Every metadata string (and sampled string-array item) as (key, value)."""
        for key, value in self.metadata.items():
            if isinstance(value, str):
                yield key, value
            elif isinstance(value, ArrayValue):
                for i, item in enumerate(value.sample):
                    if isinstance(item, str):
                        yield f"{key}[{i}]", item

    def chat_templates(self) -> dict[str, str]:
        """``tokenizer.chat_template`` and its named variants (``tokenizer.chat_template.X``)."""
        return {
            k: v
            for k, v in self.metadata.items()
            if isinstance(v, str)
            and (k == "tokenizer.chat_template" or k.startswith("tokenizer.chat_template."))
        }


class _Reader:
    """Bounded little/big-endian reads over a stream of known size."""

    def __init__(self, fh: IO[bytes], size: int, order: str) -> None:
        self.fh = fh
        self.size = size
        self.order = order
        self.pos = 0

    @property
    def left(self) -> int:
        return self.size - self.pos

    def take(self, n: int, what: str) -> bytes:
        if n > self.left:
            raise FormatError("past_end", f"{what} needs {n} bytes at {self.pos}; {self.left} left")
        data = self.fh.read(n)
        if len(data) != n:
            raise FormatError("truncated", f"{what} cut short at offset {self.pos}")
        self.pos += n
        return data

    def skip(self, n: int, what: str) -> None:
        if n > self.left:
            raise FormatError("past_end", f"{what} needs {n} bytes at {self.pos}; {self.left} left")
        try:
            self.fh.seek(n, 1)
        except (OSError, ValueError):  # a streamed archive member: read past instead
            left = n
            while left:
                chunk = self.fh.read(min(left, 1 << 20))
                if not chunk:
                    raise FormatError(
                        "truncated", f"{what} cut short at offset {self.pos}"
                    ) from None
                left -= len(chunk)
        self.pos += n

    def scalar(self, code: str, what: str) -> Any:
        fmt = self.order + code
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))[0]

    def u32(self, what: str) -> int:
        value: int = self.scalar("I", what)
        return value

    def u64(self, what: str) -> int:
        value: int = self.scalar("Q", what)
        return value

    def string(self, what: str, count_code: str = "Q") -> str:
        n: int = self.scalar(count_code, what)
        if n >= OVERFLOW_COUNT:
            raise FormatError("length_overflow", f"{what} claims {n} bytes (a length overflow)")
        if n > MAX_STRING:
            raise FormatError("string_too_long", f"{what} claims {n} bytes")
        raw = self.take(n, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError("bad_utf8", f"{what} at offset {self.pos - n} is not UTF-8") from None


def read_header(fh: IO[bytes], size: int) -> GGUFHeader:
    """Parse a GGUF stream of ``size`` bytes (positioned at 0); FormatError if unreadable."""
    head = fh.read(8)
    if len(head) < 8 or head[:4] != MAGIC:
        raise FormatError("bad_magic", "file does not start with the GGUF magic")
    le, be = struct.unpack("<I", head[4:8])[0], struct.unpack(">I", head[4:8])[0]
    order, version = ("<", le) if le <= 0xFFFF else (">", be)
    if version not in (1, 2, 3):
        raise FormatError("bad_version", f"unknown GGUF version {version}")
    r = _Reader(fh, size, order)
    r.pos = 8
    count = "I" if version == 1 else "Q"
    n_tensors: int = r.scalar(count, "tensor count")
    n_kv: int = r.scalar(count, "metadata count")
    # every kv needs at least a key length and a type; every tensor a name length, dims, type
    for what, n in (("metadata count", n_kv), ("tensor count", n_tensors)):
        if n >= OVERFLOW_COUNT:
            raise FormatError("count_overflow", f"{what} {n} (a count overflow)")
    if n_kv * 12 > r.left:
        raise FormatError("count_too_large", f"metadata count {n_kv} exceeds the file")
    if n_tensors * 24 > r.left:
        raise FormatError("count_too_large", f"tensor count {n_tensors} exceeds the file")
    header = GGUFHeader(version=version, byte_order=order, tensor_count=n_tensors, file_size=size)
    for i in range(n_kv):
        key = r.string(f"metadata key #{i}", count)
        vtype = r.u32(f"type of {key!r}")
        if key in header.metadata:
            header.problems.append(Problem("duplicate_key", f"metadata key {key!r} repeats"))
        header.metadata[key] = _value(r, vtype, key, count, 0)
    align = header.metadata.get("general.alignment", 32)
    if not isinstance(align, int) or isinstance(align, bool) or align <= 0 or align & (align - 1):
        header.problems.append(Problem("bad_alignment", f"general.alignment {align!r} invalid"))
        align = 32
    header.alignment = align
    for i in range(n_tensors):
        header.tensors.append(_tensor(r, i, count, header.problems))
    header.data_start = -(-r.pos // align) * align
    _check_tensors(header)
    return header


def _value(r: _Reader, vtype: int, key: str, count: str, depth: int) -> Any:
    if vtype in _SCALAR:
        return r.scalar(_SCALAR[vtype], f"value of {key!r}")
    if vtype == STRING:
        return r.string(f"value of {key!r}", count)
    if vtype != ARRAY:
        raise FormatError("bad_type", f"metadata {key!r} has unknown value type {vtype}")
    if depth >= MAX_NESTING:
        raise FormatError("nesting", f"metadata {key!r} nests arrays deeper than {MAX_NESTING}")
    item_type = r.u32(f"array type of {key!r}")
    n: int = r.scalar(count, f"array length of {key!r}")
    if n >= OVERFLOW_COUNT:
        raise FormatError("length_overflow", f"array {key!r} claims {n} items (a length overflow)")
    if item_type in _SCALAR:
        width = struct.calcsize(_SCALAR[item_type])
        if item_type in (UINT8, INT8, BOOL) or n > ARRAY_SAMPLE:
            r.skip(n * width, f"array {key!r}")
            return ArrayValue(item_type, n)
        return ArrayValue(
            item_type, n, tuple(_value(r, item_type, key, count, depth + 1) for _ in range(n))
        )
    if item_type not in (STRING, ARRAY):
        raise FormatError("bad_type", f"array {key!r} has unknown item type {item_type}")
    if n * 8 > r.left:
        raise FormatError("count_too_large", f"array {key!r} claims {n} items")
    sample: list[Any] = []
    for _ in range(n):
        item = _value(r, item_type, key, count, depth + 1)
        if len(sample) < ARRAY_SAMPLE:
            sample.append(item)
    return ArrayValue(item_type, n, tuple(sample))


def _tensor(r: _Reader, i: int, count: str, problems: list[Problem]) -> GGUFTensor:
    name = r.string(f"tensor name #{i}", count)
    n_dims = r.u32(f"dims of {name!r}")
    if n_dims > MAX_DIMS:
        raise FormatError("too_many_dims", f"tensor {name!r} claims {n_dims} dimensions")
    dims = tuple(int(r.scalar(count, f"dim of {name!r}")) for _ in range(n_dims))
    ggml_type = r.u32(f"type of {name!r}")
    offset = r.u64(f"offset of {name!r}")
    loc: dict[str, str | int] = {"tensor": name}
    nbytes: int | None = None
    if any(d > INT64_MAX for d in dims):
        problems.append(Problem("dim_overflow", f"tensor {name!r} dims {dims} wrap int64", loc))
    if offset > INT64_MAX:
        problems.append(
            Problem("offset_out_of_range", f"tensor {name!r} offset {offset} wraps int64", loc)
        )
    if ggml_type not in GGML_TYPES:
        problems.append(Problem("unknown_tensor_type", f"tensor {name!r} type {ggml_type}", loc))
    else:
        _, block, type_size = GGML_TYPES[ggml_type]
        elements = 1
        for d in dims:
            elements *= d
        if dims and dims[0] % block:
            problems.append(
                Problem(
                    "bad_block", f"tensor {name!r} row {dims[0]} not a multiple of {block}", loc
                )
            )
        nbytes = -(-elements // block) * type_size
        if elements > INT64_MAX:
            problems.append(
                Problem("element_overflow", f"tensor {name!r} has {elements} elements", loc)
            )
        elif nbytes > INT64_MAX or offset + nbytes > 1 << 64:
            problems.append(
                Problem("size_overflow", f"tensor {name!r} byte size {nbytes} wraps", loc)
            )
    return GGUFTensor(name, dims, ggml_type, offset, nbytes)


def _check_tensors(header: GGUFHeader) -> None:
    data_len = header.file_size - header.data_start
    if data_len < 0:
        header.problems.append(Problem("data_past_end", "tensor data section starts past the end"))
        return
    names: set[str] = set()
    cursor = 0
    # The data section the header itself describes: every tensor, each aligned. A tensor past
    # it was placed there on purpose; one inside it but past the file is a cut-off download.
    span = sum(-(-(t.nbytes or 0) // header.alignment) * header.alignment for t in header.tensors)
    for t in sorted(header.tensors, key=lambda t: t.offset):
        loc: dict[str, str | int] = {"tensor": t.name, "offset": t.offset}
        if t.name in names:
            header.problems.append(Problem("duplicate_tensor", f"tensor {t.name!r} repeats", loc))
        names.add(t.name)
        if t.offset % header.alignment:
            header.problems.append(
                Problem(
                    "misaligned", f"tensor {t.name!r} offset not {header.alignment}-aligned", loc
                )
            )
        if t.nbytes is None:
            continue
        if t.offset + t.nbytes > span:
            header.problems.append(
                Problem(
                    "offset_out_of_range",
                    f"tensor {t.name!r} lies past the {span}-byte data section of its header",
                    loc,
                )
            )
        elif t.offset + t.nbytes > data_len:
            header.problems.append(
                Problem("offset_past_end", f"tensor {t.name!r} data runs past the file", loc)
            )
        if t.offset < cursor:
            header.problems.append(
                Problem("overlap", f"tensor {t.name!r} overlaps the previous tensor", loc)
            )
        cursor = max(cursor, t.offset + t.nbytes)
