"""The table report's text without rich, for output that has no colour (pipes, files, CI logs).

Importing and setting up rich costs ~40 ms, a fifth of a small scan. The table reporter builds
its tables with these stand-ins for ``rich.table.Table`` and ``rich.text.Text`` (the few calls
it uses), and ``render`` lays them out as rich does for plain text: the same column widths
(rich's measure, then shrinking the widest wrapping columns), word wrap with long words
folded, boxes, centred titles. What rich would lay out differently than this module knows
(wide or combining characters, tabs, markup in a plain string cell, a table that cannot fit)
returns None and the reporter uses rich itself. A test compares both on many tables.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Characters one cell wide in rich (and every terminal): printable ASCII and a few marks
# petgov's own messages use. Anything else goes to rich.
_NARROW = re.compile(r"[\x20-\x7e\n\u2014\u2013\u2026\u2019\u2192]*")
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


class Unsupported(Exception):
    """Something rich would lay out in a way this module does not reproduce."""


class Text:
    """The part of ``rich.text.Text`` the table reporter uses; styles are not kept (no colour)."""

    def __init__(self, text: str = "", style: str | None = None) -> None:
        self.plain = text

    def append(self, text: str, style: str | None = None) -> Text:
        self.plain += text
        return self

    def join(self, lines: Iterable[Text]) -> Text:
        return Text(self.plain.join(line.plain for line in lines))


@dataclass
class _Column:
    header: str
    no_wrap: bool
    fold: bool
    max_width: int | None
    justify: str
    cells: list[str] = field(default_factory=list)


class Table:
    """The part of ``rich.table.Table`` the table reporter uses (heavy-head box, padding 1)."""

    def __init__(self, title: str | None = None, **kwargs: object) -> None:
        if kwargs.get("show_header", True) is not True or kwargs.get("show_lines", False):
            raise Unsupported("table options")
        if kwargs.get("expand", False):
            raise Unsupported("table options")
        self.title = title
        self.columns: list[_Column] = []

    def add_column(
        self,
        header: str = "",
        *,
        no_wrap: bool = False,
        overflow: str | None = None,
        max_width: int | None = None,
        justify: str = "left",
    ) -> None:
        if justify not in ("left", "right"):
            raise Unsupported("justify")
        _markup_free(header)
        self.columns.append(_Column(header, no_wrap, overflow == "fold", max_width, justify))

    def add_row(self, *cells: str | Text) -> None:
        if len(cells) != len(self.columns):
            raise Unsupported("row length")
        for column, cell in zip(self.columns, cells, strict=True):
            column.cells.append(cell.plain if isinstance(cell, Text) else _markup_free(cell))


def _markup_free(text: str) -> str:
    """A plain string cell is rich markup (``[b]``) and emoji codes (``:x:``) to rich."""
    if "[" in text or ":" in text:
        raise Unsupported("markup")
    return text


def render(blocks: Sequence[Table | Text | str], width: int) -> str | None:
    """What ``Console(width=width, no_color=True).print(block)`` of each block exports, or
    None when rich would lay something out differently."""
    try:
        out: list[str] = []
        for block in blocks:
            if isinstance(block, Table):
                out.extend(_table_lines(block, width))
            else:
                text = block.plain if isinstance(block, Text) else _markup_free(block)
                _check(text)
                out.extend(_wrap(text, width, justify=None))
        return "".join(line + "\n" for line in out)
    except Unsupported:
        return None


def _check(text: str) -> None:
    if not _NARROW.fullmatch(text):
        raise Unsupported("character widths")


def _measure(text: str, limit: int) -> tuple[int, int]:
    """rich's (minimum, maximum) width of a padded cell holding ``text``, at most ``limit``."""
    _check(text)
    lines = text.splitlines()
    longest = max((len(line) for line in lines), default=0)
    words = text.split()
    shortest = max((len(w) for w in words), default=longest)
    low, high = min(shortest, limit), min(longest, limit)
    low = min(max(0, low), high)
    if high < 1:  # an empty cell: just its padding
        low = high = 0
    if limit - 2 < 1:
        return limit, limit
    low, high = min(low + 2, limit), min(high + 2, limit)
    return min(low, high), high


def _column_range(column: _Column, limit: int) -> tuple[int, int]:
    if limit < 1:
        return 0, 0
    ranges = [_measure(c, limit) for c in (column.header, *column.cells)]
    low = max(r[0] for r in ranges)
    high = max(r[1] for r in ranges)
    low, high = min(low, limit), min(high, limit)
    if column.max_width is not None:
        cap = column.max_width + 2
        low, high = min(low, cap), min(high, cap)
    return low, high


def _reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    """Take ``total`` off ``values`` in proportion to ``ratios``, each at most its maximum."""
    ratios = [r if m else 0 for r, m in zip(ratios, maximums, strict=True)]
    left_ratio = sum(ratios)
    if not left_ratio:
        return values[:]
    remaining = total
    out = []
    for ratio, maximum, value in zip(ratios, maximums, values, strict=True):
        if ratio and left_ratio > 0:
            taken = min(maximum, round(ratio * remaining / left_ratio))
            out.append(value - taken)
            remaining -= taken
            left_ratio -= ratio
        else:
            out.append(value)
    return out


def _widths(table: Table, room: int) -> list[int]:
    """Column widths with padding: each column's widest cell, then the widest wrapping
    columns shrunk in turn until the table fits in ``room``."""
    widths = [_column_range(c, room)[1] or 1 for c in table.columns]
    if sum(widths) <= room:
        return widths
    wrapping = [not c.no_wrap for c in table.columns]
    excess = sum(widths) - room
    if any(wrapping):
        while sum(widths) and excess > 0:
            widest = max(w for w, wraps in zip(widths, wrapping, strict=True) if wraps)
            second = max(
                w if wraps and w != widest else 0 for w, wraps in zip(widths, wrapping, strict=True)
            )
            ratios = [int(w == widest and wraps) for w, wraps in zip(widths, wrapping, strict=True)]
            if not any(ratios) or not widest - second:
                break
            cap = [min(excess, widest - second)] * len(widths)
            widths = _reduce(excess, ratios, cap, widths)
            excess = sum(widths) - room
    if sum(widths) > room:
        raise Unsupported("the table does not fit")  # rich shrinks unwrappable columns too
    return [_column_range(c, w)[1] for c, w in zip(table.columns, widths, strict=True)]


def _divide(line: str, width: int) -> list[str]:
    """One line word-wrapped to ``width`` as rich does: a word that does not fit starts a new
    line; a word longer than a line is folded; each piece keeps its trailing spaces."""
    breaks: list[int] = []
    used = 0
    for match in _WORD.finditer(line):
        start, word = match.start(), match.group(0)
        size = len(word.rstrip())
        if width - used >= size:
            used += len(word)
        elif size > width:
            pieces = [word[i : i + width] for i in range(0, len(word), width)]
            for index, piece in enumerate(pieces):
                if start:
                    breaks.append(start)
                if index == len(pieces) - 1:
                    used = len(piece)
                else:
                    start += len(piece)
        elif used and start:
            breaks.append(start)
            used = len(word)
    bounds = [0, *breaks, len(line)]
    return [line[a:b] for a, b in itertools.pairwise(bounds)]


def _wrap(text: str, width: int, *, justify: str | None, no_wrap: bool = False) -> list[str]:
    """``Text(text).wrap(width)`` with fold overflow; ``justify`` left/right/center pads."""
    out: list[str] = []
    for line in text.split("\n"):
        if no_wrap:
            if len(line) > width:
                raise Unsupported("cropped cell")
            pieces = [line]
        else:
            pieces = _divide(line, width)
            pieces = [_rstrip_past(p, width) for p in pieces]
        for piece in pieces:
            if justify == "left":
                piece = piece[:width].ljust(width)
            elif justify == "right":
                piece = piece.rstrip()[:width]
                piece = " " * (width - len(piece)) + piece
            elif justify == "center":
                piece = piece.rstrip()[:width]
                piece = " " * ((width - len(piece)) // 2) + piece
                piece = piece + " " * (width - len(piece))
            out.append(piece[:width])
    return out


def _rstrip_past(piece: str, width: int) -> str:
    """Trailing spaces past ``width`` are dropped; other trailing spaces stay."""
    excess = len(piece) - width
    if excess <= 0:
        return piece
    found = _TRAILING_SPACE.search(piece)
    if found is None:
        return piece
    return piece[: len(piece) - min(len(found.group(0)), excess)]


def _table_lines(table: Table, width: int) -> list[str]:
    if not table.columns:
        raise Unsupported("no columns")
    extra = 2 + len(table.columns) - 1
    widths = _widths(table, width - extra)
    table_width = sum(widths) + extra
    lines: list[str] = []
    if table.title:
        _check(_markup_free(table.title))
        lines.extend(_wrap(table.title, table_width, justify="center"))
    lines.append("┏" + "┳".join("━" * w for w in widths) + "┓")
    rows = [[c.header for c in table.columns]]
    rows += [list(r) for r in zip(*(c.cells for c in table.columns), strict=True)]
    for index, row in enumerate(rows):
        cells = []
        for column, w, text in zip(table.columns, widths, row, strict=True):
            inner = max(w - 2, 0)
            if inner < 1:
                raise Unsupported("a column too narrow for its padding")
            justify = column.justify
            too_long = any(len(word) > inner for word in text.split())
            if too_long and not column.no_wrap and not column.fold:
                raise Unsupported("ellipsis overflow")
            wrapped = _wrap(text, inner, justify=justify, no_wrap=column.no_wrap)
            cells.append([" " + piece + " " for piece in wrapped])
        height = max(len(c) for c in cells)
        blank = [" " * w for w in widths]
        if index == 0:  # the header row is aligned to the bottom, the others to the top
            cells = [[blank[i]] * (height - len(c)) + c for i, c in enumerate(cells)]
        else:
            cells = [c + [blank[i]] * (height - len(c)) for i, c in enumerate(cells)]
        bar = "┃" if index == 0 else "│"
        lines.extend(bar + bar.join(c[n] for c in cells) + bar for n in range(height))
        if index == 0:
            lines.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    lines.append("└" + "┴".join("─" * w for w in widths) + "┘")
    return lines
