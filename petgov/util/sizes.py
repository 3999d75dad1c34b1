"""Byte counts and ages as people read and write them, one wording for every message and table."""

from __future__ import annotations

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def human_size(n: int) -> str:
    """``512 B``, ``1.5 KiB``, ``3.2 MiB``; GiB is the largest unit."""
    if n < 1024:
        return f"{n} B"
    value = n / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def parse_size(text: str, what: str = "--max-bytes") -> int:
    """``512M`` -> 536870912; a plain number is bytes. Bad input is a usage error."""
    from petgov.errors import UsageError

    raw = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = raw[-1:] if raw[-1:] in _UNITS else ""
    number = raw[: len(raw) - len(unit)]
    if not number.isdigit() or int(number) == 0:
        raise UsageError(f"{what} {text!r} is not a size", hint="use e.g. 512M, 8G or 1048576")
    return int(number) * _UNITS[unit]


def parse_age(text: str, what: str = "--older-than") -> float:
    """``30d`` -> seconds (units s, m, h, d, w; a plain number is days). Bad input: usage error."""
    from petgov.errors import UsageError

    raw = text.strip().lower()
    unit = raw[-1:] if raw[-1:] in _SECONDS else "d"
    number = raw[:-1] if raw[-1:] in _SECONDS else raw
    if not number.isdigit():
        raise UsageError(f"{what} {text!r} is not an age", hint="use e.g. 30d, 12h or 2w")
    return int(number) * _SECONDS[unit]
