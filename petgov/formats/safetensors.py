"""safetensors header reader: 8-byte length, JSON header, then a flat data buffer.

The checks follow what a loader relies on: the header length fits in the file (and under the
format's 100 MB header cap), the JSON is an object of tensors with a known dtype, a shape of
non-negative integers and ``data_offsets`` inside the data buffer whose size equals
``prod(shape) * itemsize``. Tensors must tile the buffer: overlaps (two names over the same
bytes), gaps and trailing bytes are where a polyglot file hides a second payload.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from petgov.formats import FormatError, Problem

MAX_HEADER = 100 * 1024 * 1024  # the format's own cap on the JSON header

# dtype -> size in bits (sub-byte float formats pack several values per byte)
DTYPE_BITS: dict[str, int] = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "I64": 64,
    "U64": 64,
    "F64": 64,
    "C64": 64,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
}


@dataclass(frozen=True)
class TensorInfo:
    """One tensor entry: offsets are relative to the start of the data buffer."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int

    @property
    def nbytes(self) -> int:
        return self.end - self.begin


@dataclass
class SafetensorsHeader:
    """A parsed header: tensors by name, the ``__metadata__`` strings, and problems found."""

    header_len: int
    data_start: int  # absolute offset of the data buffer (8 + header_len)
    file_size: int
    tensors: list[TensorInfo] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def strings(self) -> Iterator[tuple[str, str]]:
        """Every free-text string in the header as (key path, value), for secret scanning."""
        for key, value in self.metadata.items():
            yield f"__metadata__.{key}", value
        for t in self.tensors:
            yield f"tensors.{t.name}", t.name


def _pairs_no_dupes(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            out.setdefault("\x00duplicates", []).append(key)
        out[key] = value
    return out


# One decoder for every header: ``json.loads`` with a hook builds a new decoder per call.
_HEADER_JSON = json.JSONDecoder(object_pairs_hook=_pairs_no_dupes)


def read_header(fh: IO[bytes], size: int) -> SafetensorsHeader:
    """Parse the header of a safetensors stream of ``size`` bytes (positioned at 0).

    Raises FormatError when the header cannot be read at all; everything else is a Problem.
    """
    head = fh.read(8)
    if len(head) < 8:
        raise FormatError("truncated", f"file is {size} bytes, shorter than the 8-byte length")
    (n,) = struct.unpack("<Q", head)
    if n > MAX_HEADER:
        raise FormatError("header_too_large", f"header length {n} exceeds the 100 MB cap")
    if 8 + n > size:
        raise FormatError("header_past_end", f"header length {n} runs past the {size}-byte file")
    raw = fh.read(n)
    if len(raw) != n:
        raise FormatError("truncated", f"header cut short: {len(raw)} of {n} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError("bad_utf8", f"header is not UTF-8 ({exc.reason})") from None
    if not text.startswith("{"):
        raise FormatError("bad_json", "header does not start with '{'")
    try:
        doc = _HEADER_JSON.decode(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise FormatError("bad_json", f"header is not valid JSON: {str(exc)[:120]}") from None
    if not isinstance(doc, dict):
        raise FormatError("bad_json", "header is not a JSON object")
    header = SafetensorsHeader(header_len=n, data_start=8 + n, file_size=size)
    for key in doc.pop("\x00duplicates", []):
        header.problems.append(
            Problem("duplicate_key", f"key {key!r} appears twice; loaders keep different copies")
        )
    meta = doc.pop("__metadata__", None)
    if meta is not None:
        if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
            header.problems.append(Problem("bad_metadata", "__metadata__ is not a str->str map"))
        if isinstance(meta, dict):
            header.metadata = {str(k): str(v) for k, v in meta.items()}
    for name, spec in doc.items():
        tensor = _tensor(name, spec, header.problems)
        if tensor is not None:
            header.tensors.append(tensor)
    _check_layout(header)
    return header


def _tensor(name: str, spec: Any, problems: list[Problem]) -> TensorInfo | None:
    loc: dict[str, str | int] = {"tensor": name}
    if not isinstance(spec, dict):
        problems.append(Problem("bad_tensor", f"tensor {name!r} is not an object", loc))
        return None
    dtype, shape, offsets = spec.get("dtype"), spec.get("shape"), spec.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in DTYPE_BITS:
        problems.append(Problem("bad_dtype", f"tensor {name!r} has unknown dtype {dtype!r}", loc))
        return None
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        problems.append(Problem("bad_shape", f"tensor {name!r} has an invalid shape", loc))
        return None
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in offsets)
        or offsets[0] > offsets[1]
    ):
        problems.append(Problem("bad_offsets", f"tensor {name!r} has invalid data_offsets", loc))
        return None
    tensor = TensorInfo(name, dtype, tuple(shape), offsets[0], offsets[1])
    bits = math.prod(tensor.shape) * DTYPE_BITS[dtype]
    if (bits + 7) // 8 != tensor.nbytes:
        problems.append(
            Problem(
                "size_mismatch",
                f"tensor {name!r}: {dtype}{list(shape)} needs {(bits + 7) // 8} bytes, "
                f"offsets span {tensor.nbytes}",
                loc,
            )
        )
    return tensor


def _check_layout(header: SafetensorsHeader) -> None:
    data_len = header.file_size - header.data_start
    cursor = 0
    for t in sorted(header.tensors, key=lambda t: (t.begin, t.end)):
        loc: dict[str, str | int] = {"tensor": t.name, "offset": t.begin}
        if t.end > data_len:
            header.problems.append(
                Problem("offset_past_end", f"tensor {t.name!r} ends past the data buffer", loc)
            )
        if t.begin < cursor:
            header.problems.append(
                Problem("overlap", f"tensor {t.name!r} overlaps the previous tensor", loc)
            )
        elif t.begin > cursor:
            header.problems.append(
                Problem("gap", f"{t.begin - cursor} unindexed bytes before {t.name!r}", loc)
            )
        cursor = max(cursor, t.end)
    if cursor < data_len:
        header.problems.append(
            Problem(
                "trailing_data",
                f"{data_len - cursor} bytes after the last tensor are not indexed",
                {"offset": header.data_start + cursor},
            )
        )
