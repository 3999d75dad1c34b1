"""Disclosure checks on a table leaving a clean room: small counts and k-anonymity.

Statistical disclosure control's two simplest rules: an aggregate cell counting fewer than a
threshold of people can single them out (small-cell suppression), and a row-level output whose
quasi-identifier combination is shared by fewer than k rows can be re-identified (Sweeney's
k-anonymity). Zero counts are allowed: they say that nobody is in the cell.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

COUNT_COLUMNS = ("count", "n", "cnt", "freq", "frequency", "num_rows", "size", "total")


def count_columns(table: Any, names: Collection[str] = COUNT_COLUMNS) -> list[str]:
    """The table's numeric columns named like counts (case-insensitive)."""
    import pyarrow.types as t

    wanted = {n.lower() for n in names}
    return [
        f.name
        for f in table.schema
        if f.name.lower() in wanted and (t.is_integer(f.type) or t.is_floating(f.type))
    ]


def small_cells(table: Any, columns: Sequence[str], threshold: int) -> list[tuple[int, str, Any]]:
    """(row, column, value) of every count above zero and below ``threshold``."""
    out = []
    for name in columns:
        for row, value in enumerate(table.column(name).to_pylist()):
            if value is not None and 0 < value < threshold:
                out.append((row, name, value))
    return out


def small_groups(table: Any, quasi_identifiers: Sequence[str], k: int) -> list[tuple[Any, int]]:
    """Quasi-identifier combinations shared by fewer than ``k`` rows, with their sizes."""
    columns = [table.column(q).to_pylist() for q in quasi_identifiers]
    groups = Counter(zip(*columns, strict=True))
    return sorted(((key, n) for key, n in groups.items() if n < k), key=lambda g: g[1])
