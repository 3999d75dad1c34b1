"""Redaction: a report shows the *shape* of a value, never the value."""

from __future__ import annotations

from collections.abc import Iterable

_KEEP = set("@.-:/()+ _")


def redact(value: str, limit: int = 32) -> str:
    """Digits become '#', letters 'x' (all of them), separators stay: '###-##-####'."""
    out = []
    for ch in value[:limit]:
        if ch.isdigit():
            out.append("#")
        elif ch.isalpha():
            out.append("x")
        elif ch in _KEEP:
            out.append(ch)
        else:
            out.append("*")
    if len(value) > limit:
        out.append("…")
    return "".join(out)


def smallest_shapes(values: Iterable[str], n: int = 3) -> list[str]:
    """The ``n`` smallest redacted shapes: examples that do not depend on the order values
    came in (a table's rows have none, and a distributed scan meets them in any order)."""
    return sorted(redact(v) for v in values)[:n]
