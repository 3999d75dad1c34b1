"""A bounds-checked Universal Binary JSON decoder (the subset XGBoost writes for ``.ubj``).

XGBoost's UBJSON is big-endian, keys carry no ``S`` marker, and numeric arrays use the typed,
counted form ``[$d#L<n>``. Every count is checked against the bytes left before anything is
allocated: a count no file can hold is the allocation a C++ loader would attempt.
"""

from __future__ import annotations

import struct
from typing import Any

from petgov.formats import FormatError

MAX_DEPTH = 64
# marker -> (struct code, size) for the fixed-size scalars
_SCALARS: dict[int, tuple[str, int]] = {
    ord("i"): (">b", 1),
    ord("U"): (">B", 1),
    ord("I"): (">h", 2),
    ord("l"): (">i", 4),
    ord("L"): (">q", 8),
    ord("d"): (">f", 4),
    ord("D"): (">d", 8),
}
_INTS = frozenset(ord(c) for c in "iUIlL")


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise FormatError("truncated", f"UBJSON ends at byte {self.pos} inside a value")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise FormatError(
                "length_overflow",
                f"UBJSON length {n} at byte {self.pos} is past the end of the file",
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def scalar(self, marker: int) -> Any:
        code, size = _SCALARS[marker]
        return struct.unpack(code, self.take(size))[0]

    def length(self) -> int:
        marker = self.byte()
        if marker not in _INTS:
            raise FormatError("bad_marker", f"UBJSON length marker {marker!r} is not an integer")
        n = int(self.scalar(marker))
        if n < 0:
            raise FormatError("length_overflow", f"UBJSON negative length {n}")
        return n

    def value(self, marker: int, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise FormatError("too_deep", f"UBJSON nesting deeper than {MAX_DEPTH}")
        if marker in _SCALARS:
            return self.scalar(marker)
        if marker in (ord("S"), ord("H")):
            return self.take(self.length()).decode("utf-8", "replace")
        if marker == ord("C"):
            return chr(self.byte())
        if marker == ord("T"):
            return True
        if marker == ord("F"):
            return False
        if marker == ord("Z"):
            return None
        if marker == ord("["):
            return self.array(depth)
        if marker == ord("{"):
            return self.obj(depth)
        raise FormatError("bad_marker", f"unknown UBJSON marker {marker!r} at byte {self.pos - 1}")

    def _container_head(self) -> tuple[int | None, int | None]:
        """The optional ``$type`` and ``#count`` of a container."""
        typ = count = None
        if self.pos < len(self.data) and self.data[self.pos] == ord("$"):
            self.pos += 1
            typ = self.byte()
            if self.pos >= len(self.data) or self.data[self.pos] != ord("#"):
                raise FormatError("bad_marker", "UBJSON typed container without a count")
        if self.pos < len(self.data) and self.data[self.pos] == ord("#"):
            self.pos += 1
            count = self.length()
            width = _SCALARS.get(typ, ("", 1))[1] if typ is not None else 1
            if count * width > len(self.data) - self.pos:
                raise FormatError(
                    "count_overflow",
                    f"UBJSON container of {count} elements at byte {self.pos} is larger than "
                    "the rest of the file",
                )
        return typ, count

    def array(self, depth: int) -> list[Any]:
        typ, count = self._container_head()
        if count is not None and typ in _SCALARS:
            code, size = _SCALARS[typ]
            raw = self.take(count * size)
            return list(struct.unpack(f">{count}{code[1]}", raw))
        out: list[Any] = []
        while count is None or len(out) < count:
            marker = typ if typ is not None else self.byte()
            if count is None and marker == ord("]"):
                break
            out.append(self.value(marker, depth + 1))
        return out

    def obj(self, depth: int) -> dict[str, Any]:
        typ, count = self._container_head()
        out: dict[str, Any] = {}
        n = 0
        while count is None or n < count:
            if count is None and self.pos < len(self.data) and self.data[self.pos] == ord("}"):
                self.pos += 1
                break
            key = self.take(self.length()).decode("utf-8", "replace")
            marker = typ if typ is not None else self.byte()
            out[key] = self.value(marker, depth + 1)
            n += 1
        return out


def loads(data: bytes) -> Any:
    """Decode one UBJSON value; FormatError for damage (codes as the header readers use)."""
    reader = _Reader(data)
    value = reader.value(reader.byte(), 0)
    return value
