"""Text mode: every cell or line, deduplicated, regex-prefiltered, analysed in batches.

Per distinct candidate cell it gives the findings presidio gives when called on that cell
alone (cells are joined with a separator wider than presidio's context window), at a fraction
of the per-call overhead; big inputs are spread over worker processes in chunks.
"""

from __future__ import annotations

import bisect
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from petgov.pii.engine import CHUNK as ENGINE_CHUNK
from petgov.pii.engine import Hit
from petgov.pii.prefilter import PREFILTER, may_hold_pii, needed

__all__ = [
    "PREFILTER",
    "Tally",
    "TextScan",
    "merge_text",
    "needed",
    "scan_cells",
    "tally",
    "text_partial",
]

CHUNK = ENGINE_CHUNK  # kept for callers: values per presidio call
JOB = 1_000  # distinct cells per worker job: enough to group by prefilter, small enough to balance
PARALLEL_MIN = 5_000  # candidate cells before worker processes pay off
DEDUP_LIMIT = 500_000  # distinct cells held at once; beyond it, flush and start again
EXAMPLES = 3  # redacted examples per entity: the smallest shapes, so any merge order agrees


@dataclass
class Tally:
    """One entity in one text field: how many cells, how many occurrences, shapes."""

    cells: int = 0
    occurrences: int = 0
    max_score: float = 0.0
    recognizers: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)


@dataclass
class TextScan:
    """Result of a text-mode pass over one field."""

    cells: int = 0
    distinct: int = 0
    candidates: int = 0
    tallies: dict[str, Tally] = field(default_factory=dict)

    def merge(self, other: TextScan) -> None:
        """Add ``other`` in place: sums, maxima and the smallest examples (order-free)."""
        self.cells += other.cells
        self.distinct += other.distinct
        self.candidates += other.candidates
        for entity, t in other.tallies.items():
            mine = self.tallies.setdefault(entity, Tally())
            mine.cells += t.cells
            mine.occurrences += t.occurrences
            mine.max_score = max(mine.max_score, t.max_score)
            mine.recognizers.update(t.recognizers)
            mine.examples = sorted(mine.examples + t.examples)[:EXAMPLES]


def merge_text(a: TextScan, b: TextScan) -> TextScan:
    """The associative, commutative merge of two text-mode partials (neither is changed)."""
    out = TextScan()
    out.merge(a)
    out.merge(b)
    return out


def _analyze_chunk(
    args: tuple[list[str], list[int], list[str], list[str], str | None, bool, bool],
) -> TextScan:
    from petgov.pii.engine import get_engine

    values, counts, entities, context, nlp_model, per_cell, prefilter = args
    engine = get_engine(nlp_model)
    if per_cell:
        results = [engine.analyze(v, entities, context) for v in values]
    else:
        results = engine.analyze_values(values, entities, context, prefilter=prefilter)
    return tally(values, counts, results)


def candidates(values: Iterable[str], prefilter: bool) -> list[str]:
    """The distinct values worth analysing: non-blank and, with ``prefilter``, pattern-shaped."""
    return [v for v in values if v.strip() and (not prefilter or may_hold_pii(v))]


def text_partial(
    counts: Mapping[str, int],
    entities: Sequence[str],
    *,
    context: Sequence[str] = (),
    nlp_model: str | None = None,
    prefilter: bool = True,
    per_cell: bool = False,
) -> TextScan:
    """Text mode's partial count over distinct values and how often each occurs.

    Partials over disjoint sets of distinct values merge (``merge_text``) to the partial of
    their union, which is how both the local scan and a distributed one add up.
    """
    values = candidates(counts, prefilter)
    out = _analyze_chunk(
        (
            values,
            [counts[v] for v in values],
            list(entities),
            list(context),
            nlp_model,
            per_cell,
            prefilter,
        )
    )
    out.cells = sum(counts.values())
    out.distinct = len(counts)
    out.candidates = len(values)
    return out


def tally(
    values: Sequence[str], counts: Sequence[int], results: Sequence[Sequence[Hit]]
) -> TextScan:
    """Fold per-value hits into per-entity tallies, weighted by how often each value occurs."""
    from petgov.pii.redact import redact

    out = TextScan()
    for value, count, hits in zip(values, counts, results, strict=True):
        for h in hits:
            t = out.tallies.setdefault(h.entity, Tally())
            t.occurrences += count
            t.max_score = max(t.max_score, h.score)
            t.recognizers[h.recognizer] += 1
            shape = redact(value[h.start : h.end])
            if len(t.examples) < EXAMPLES or shape < t.examples[-1]:
                bisect.insort(t.examples, shape)
                del t.examples[EXAMPLES:]
        for entity in {h.entity for h in hits}:
            out.tallies[entity].cells += count
    return out


def scan_cells(
    cells: Iterable[str],
    entities: Sequence[str],
    *,
    context: Sequence[str] = (),
    nlp_model: str | None = None,
    workers: int | None = None,
    prefilter: bool = True,
    per_cell: bool = False,
) -> TextScan:
    """Dedup, prefilter and analyse ``cells``; counts are weighted by repeats."""
    total = TextScan()
    seen: Counter[str] = Counter()
    for cell in cells:
        total.cells += 1
        seen[cell] += 1
        if len(seen) >= DEDUP_LIMIT:
            total.merge(_flush(seen, entities, context, nlp_model, workers, prefilter, per_cell))
            seen = Counter()
    total.merge(_flush(seen, entities, context, nlp_model, workers, prefilter, per_cell))
    return total


def _flush(
    seen: Counter[str],
    entities: Sequence[str],
    context: Sequence[str],
    nlp_model: str | None,
    workers: int | None,
    prefilter: bool,
    per_cell: bool,
) -> TextScan:
    values = candidates(seen, prefilter)
    n_workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    parallel = n_workers > 1 and len(values) >= PARALLEL_MIN
    size = ENGINE_CHUNK if per_cell else (JOB if parallel else max(len(values), 1))
    jobs = [
        (
            chunk,
            [seen[v] for v in chunk],
            list(entities),
            list(context),
            nlp_model,
            per_cell,
            prefilter,
        )
        for chunk in (values[i : i + size] for i in range(0, len(values), size))
    ]
    out = TextScan()
    if parallel:
        for part in _pool(nlp_model, n_workers, entities).map(_analyze_chunk, jobs):
            out.merge(part)
    else:
        for job in jobs:
            out.merge(_analyze_chunk(job))
    out.distinct = len(seen)
    out.candidates = len(values)
    return out


_POOLS: dict[tuple[str | None, int], Any] = {}


def _pool(nlp_model: str | None, n_workers: int, entities: Sequence[str]) -> Any:
    """Worker processes forked once per engine, after the engine is built and compiled."""
    key = (nlp_model, n_workers)
    pool = _POOLS.get(key)
    if pool is None:
        import atexit
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from petgov.pii.engine import get_engine

        get_engine(nlp_model).warm(entities)  # forked workers inherit the compiled patterns
        pool = ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("fork"))
        _POOLS[key] = pool
        atexit.register(pool.shutdown, cancel_futures=True)
    return pool


def shutdown_pools() -> None:
    """Stop the worker pools (a forked scan calls it: it exits without running atexit)."""
    while _POOLS:
        _, pool = _POOLS.popitem()
        pool.shutdown(cancel_futures=True)
