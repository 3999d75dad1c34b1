"""The engine-neutral PII core: ``partial`` per batch, an associative ``merge``, one ``finalize``.

The single-machine scan and the distributed one (Spark) call the same functions, so their
verdicts are the same rules by construction; an engine only decides where batches are read
and where partials meet.

- Column mode: every row gets a seeded random key from its row index in the file (splitmix64),
  and the sample is the ``k`` rows with the smallest keys. Keeping the ``k`` smallest per batch
  (or per partition) and again after a merge gives the global ``k`` smallest whatever the
  split, so "sampled n of N" and every verdict match the local run for the same seed. The
  work per partition is bounded by ``k``, not by the partition count.
- Text mode: per-entity tallies over distinct values (``text.TextScan``) merge by addition;
  the examples kept are the smallest redacted shapes, so the order of merges never shows.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from petgov.pii.column import Column, Sample, read_as_text
from petgov.pii.readers import to_text

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix64(z: int) -> int:
    z = (z + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def row_keys(seed: int, first_row: int, n: int) -> Any:
    """The random keys (uint64, numpy) of rows ``first_row .. first_row+n-1`` for ``seed``.

    splitmix64 of (row index + a seed-derived offset): a counter-based generator, so any
    engine that knows a row's index in its file computes the same key without a shared state.
    """
    import numpy as np

    offset = np.uint64(_mix64(seed & _MASK))
    z = np.arange(first_row, first_row + n, dtype=np.uint64) * np.uint64(_GOLDEN) + offset
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


Pick = tuple[int, int, tuple[str | None, ...]]  # (key, row index, text of each textual column)


@dataclass
class SamplePartial:
    """Column mode's partial count: rows seen and the ``k`` smallest-key rows among them."""

    k: int
    rows: int = 0
    schema: tuple[tuple[str, str, bool], ...] = ()  # (name, arrow type, textual) per column
    picks: list[Pick] = field(default_factory=list)  # sorted by (key, row), at most k

    @property
    def threshold(self) -> int | None:
        """A row whose key is not below this cannot enter the sample (None: not full yet)."""
        return self.picks[-1][0] if len(self.picks) >= self.k else None


def schema_of(batch: Any) -> tuple[tuple[str, str, bool], ...]:
    return tuple(
        (str(name), str(typ), read_as_text(str(name), typ))
        for name, typ in zip(batch.schema.names, batch.schema.types, strict=True)
    )


def sample_partial(
    batch: Any,
    first_row: int,
    k: int,
    seed: int,
    below: int | None = None,
    keys: Any = None,
) -> SamplePartial:
    """The partial of one record batch whose first row has index ``first_row`` in its file.

    ``below`` skips rows that cannot enter a sample already holding keys under it (a pure
    shortcut: merging gives the same result without it). ``keys`` replaces the row-index keys
    (a table without row order keys rows by content instead).
    """
    import numpy as np

    schema = schema_of(batch)
    n = batch.num_rows
    out = SamplePartial(k=k, rows=n, schema=schema)
    if n == 0 or k <= 0:
        return out
    if keys is None:
        keys = row_keys(seed, first_row, n)
    keys = np.asarray(keys, dtype=np.uint64)
    candidates = np.arange(n) if below is None else np.flatnonzero(keys < np.uint64(below))
    if len(candidates) > k:
        order = np.argpartition(keys[candidates], k - 1)[:k]
        candidates = candidates[order]
    if len(candidates) == 0:
        return out
    index = _index_array(candidates)
    columns = [
        [None if v is None else to_text(v) for v in batch.column(i).take(index).to_pylist()]
        for i, (_, _, textual) in enumerate(schema)
        if textual
    ]
    rows = zip(*columns, strict=True) if columns else itertools.repeat((), len(candidates))
    out.picks = sorted(
        (int(keys[c]), first_row + int(c), tuple(values))
        for c, values in zip(candidates, rows, strict=False)
    )
    return out


def _index_array(rows: Any) -> Any:
    """Row indices as an arrow int64 array, from the numpy buffer: ``pa.array`` imports pandas
    (~0.7 s, ~60 MiB) to check whether its argument is a pandas object."""
    import numpy as np
    import pyarrow as pa

    ints = np.ascontiguousarray(rows, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(ints), [None, pa.py_buffer(ints)])


def merge_samples(a: SamplePartial, b: SamplePartial) -> SamplePartial:
    """Associative and commutative: the k smallest of a union are the k smallest of both's."""
    k = max(a.k, b.k)
    return SamplePartial(
        k=k,
        rows=a.rows + b.rows,
        schema=a.schema or b.schema,
        picks=list(itertools.islice(heapq.merge(a.picks, b.picks), k)),
    )


def sample_batches(batches: Iterable[Any], k: int, seed: int) -> SamplePartial:
    """The single-machine reduction: one file's batches in order, merged as they come."""
    total = SamplePartial(k=k)
    for batch in batches:
        part = sample_partial(batch, total.rows, k, seed, below=total.threshold)
        total = merge_samples(total, part)
    return total


def finalize_sample(partial: SamplePartial) -> Sample:
    """The sample every verdict is computed from: rows in key order, non-text columns skipped."""
    columns: dict[str, Column] = {}
    textual = 0
    for name, typ, is_text in partial.schema:
        col = Column(name=name, arrow_type=typ)
        if is_text:
            col.values = [v for _, _, values in partial.picks if (v := values[textual]) is not None]
            textual += 1
        else:
            col.skip_reason = f"non-text type {typ}"
        columns[name] = col
    return Sample(rows=partial.rows, sampled_rows=len(partial.picks), columns=columns)


@dataclass(frozen=True)
class FieldPlan:
    """Which fields a dataset's verdicts come from: sampled columns or every cell."""

    mode: str  # "column" or "text"
    columns: tuple[str, ...]  # classified from the sample
    text_fields: tuple[str, ...]  # every cell analysed
    skipped: dict[str, str]


def plan_fields(sample: Sample, *, is_text: bool, exhaustive: bool) -> FieldPlan:
    """Text files and ``--exhaustive`` read every cell; free-text columns do too.

    Under ``--exhaustive`` a structured column gets its column-mode verdict too, so the
    verdict does not change with the mode; every-cell hits only add to it.
    """
    columns: list[str] = []
    text_fields: list[str] = []
    skipped: dict[str, str] = {}
    for col in sample.columns.values():
        if col.skip_reason:
            skipped[col.name] = col.skip_reason
        elif is_text or col.free_text:
            text_fields.append(col.name)
        elif exhaustive:  # the column verdict, plus whatever every cell adds beyond it
            columns.append(col.name)
            text_fields.append(col.name)
        else:
            columns.append(col.name)
    mode = "text" if is_text or exhaustive else "column"
    return FieldPlan(mode, tuple(columns), tuple(text_fields), skipped)


def top_recognizer(counts: Any) -> str:
    """The recognizer with most hits, ties broken by name (not by arrival order)."""
    if not counts:
        return ""
    return str(min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0])


def column_verdicts(
    sample: Sample,
    plan: FieldPlan,
    engine: Any,
    *,
    max_values: int,
    min_rate: float,
    seed: int,
    countries: Sequence[str] | None = None,
) -> list[Any]:
    """Finalize column mode: the verdicts of each sampled column (on one machine, the driver).

    Columns that turn out numeric are added to ``plan.skipped``.
    """
    from petgov.pii.column import classify

    out: list[Any] = []
    for name in plan.columns:
        col = sample.columns[name]
        out.extend(
            classify(
                col,
                engine,
                max_values=max_values,
                min_rate=min_rate,
                seed=seed,
                countries=countries,
            )
        )
        if col.skip_reason:
            plan.skipped[name] = col.skip_reason
    return out


# Text-mode hits enter ``pii.entities`` at full weight only past these bars; below them they
# are reported as stray (low confidence): an ISBN that passes the SSN pattern, one order
# number in 60 that passes Luhn.
TEXT_MIN_CELLS = 3
# Entities whose validators a random string passes rarely (mod-97, structure, domains).
STRONG = frozenset({"EMAIL_ADDRESS", "IBAN_CODE", "IP_ADDRESS", "CRYPTO"})


def stray(entity: str, cells: int, total: int, *, structured: bool, min_rate: float) -> bool:
    """Too few hits for the entity to count: a structured column needs the column-mode rate
    (strong entities: TEXT_MIN_CELLS cells); free text and text files need TEXT_MIN_CELLS
    cells or the column-mode rate."""
    rate = cells / max(total, 1)
    if rate >= min_rate:
        return False
    if structured and entity not in STRONG:
        return True
    return cells < TEXT_MIN_CELLS
