"""Byte counts as people read them, one wording for every message and table."""

from __future__ import annotations


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
