"""A small, strict CBOR decoder (RFC 8949) for COSE_Sign1 attestation documents.

Only what Nitro documents use: integers, byte/text strings, arrays, maps, tags, simple values.
Bounded depth and lengths, so hostile input yields a clean error, never a hang or OOM.
"""

from __future__ import annotations

import struct
from typing import Any


class CborError(ValueError):
    """The bytes are not well-formed CBOR (or use a feature this decoder refuses)."""


MAX_DEPTH = 16


class Tagged:
    def __init__(self, tag: int, value: Any) -> None:
        self.tag = tag
        self.value = value


def loads(data: bytes) -> Any:
    value, end = _item(data, 0, 0)
    if end != len(data):
        raise CborError(f"{len(data) - end} trailing bytes")
    return value


def _head(data: bytes, pos: int) -> tuple[int, int, int]:
    if pos >= len(data):
        raise CborError("truncated")
    first = data[pos]
    major, info = first >> 5, first & 0x1F
    pos += 1
    if info < 24:
        return major, info, pos
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
    if size is None:
        raise CborError("indefinite lengths are not supported")
    if pos + size > len(data):
        raise CborError("truncated length")
    return major, int.from_bytes(data[pos : pos + size], "big"), pos + size


def _item(data: bytes, pos: int, depth: int) -> tuple[Any, int]:
    if depth > MAX_DEPTH:
        raise CborError("nesting too deep")
    start = pos
    major, arg, pos = _head(data, pos)
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        if pos + arg > len(data):
            raise CborError("truncated string")
        raw = data[pos : pos + arg]
        if major == 3:
            try:
                return raw.decode("utf-8"), pos + arg
            except UnicodeDecodeError:
                raise CborError("invalid UTF-8 text") from None
        return bytes(raw), pos + arg
    if major == 4:
        if arg > len(data) - pos:
            raise CborError("array longer than input")
        out = []
        for _ in range(arg):
            value, pos = _item(data, pos, depth + 1)
            out.append(value)
        return out, pos
    if major == 5:
        if arg > len(data) - pos:
            raise CborError("map longer than input")
        mapping: dict[Any, Any] = {}
        for _ in range(arg):
            key, pos = _item(data, pos, depth + 1)
            if isinstance(key, (list, dict)):
                raise CborError("unhashable map key")
            value, pos = _item(data, pos, depth + 1)
            mapping[key] = value
        return mapping, pos
    if major == 6:
        value, pos = _item(data, pos, depth + 1)
        return Tagged(arg, value), pos
    info = data[start] & 0x1F
    simple = {20: False, 21: True, 22: None, 23: None}
    if info in simple:
        return simple[info], pos
    if info == 25:
        return struct.unpack(">e", data[start + 1 : pos])[0], pos
    if info == 26:
        return struct.unpack(">f", data[start + 1 : pos])[0], pos
    if info == 27:
        return struct.unpack(">d", data[start + 1 : pos])[0], pos
    raise CborError(f"unsupported simple value {info}")


def _head_bytes(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise CborError("length too large")


def dumps_sig_structure(protected: bytes, payload: bytes) -> bytes:
    """Canonical CBOR of COSE's Sig_structure ['Signature1', protected, h'', payload]."""
    context = b"Signature1"
    return (
        _head_bytes(4, 4)
        + _head_bytes(3, len(context))
        + context
        + _head_bytes(2, len(protected))
        + protected
        + _head_bytes(2, 0)
        + _head_bytes(2, len(payload))
        + payload
    )
