"""Text mode: every cell or line, deduplicated, regex-prefiltered, analysed in batches.

Per distinct candidate cell it gives the findings presidio gives when called on that cell
alone (cells are joined with a separator wider than presidio's context window), at a fraction
of the per-call overhead; big inputs are spread over worker processes in chunks.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from petgov.pii.engine import Hit

# Every enabled pattern recognizer needs one of these; a cell without any cannot match.
PREFILTER = re.compile(r"\d|@|://|\.[A-Za-z]{2,}|[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}")
# Per entity, a necessary condition for presidio's (and petgov's) recognizer to match: a cell
# is only shown to the recognizers that could possibly fire on it, so findings are unchanged.
_NEEDS: dict[str, re.Pattern[str]] = {
    "EMAIL_ADDRESS": re.compile(r"@"),
    "CREDIT_CARD": re.compile(r"\d(?:[ -]?\d){11}"),
    "IBAN_CODE": re.compile(r"[A-Za-z]{2}\d{2}"),
    "IP_ADDRESS": re.compile(r"\d\.\d|:"),
    "US_SSN": re.compile(r"\d{3}[- .]?\d{2}[- .]?\d{4}|\d{5}-\d{4}|\d{3}-\d{6}"),
    "URL": re.compile(r"\.[A-Za-z]{2}|://"),
    "CRYPTO": re.compile(r"[13][A-Za-z0-9]{25}|bc1", re.IGNORECASE),
    "MAC_ADDRESS": re.compile(r"[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"),
    "UK_NHS": re.compile(r"\d{3}[- ]?\d{3}[- ]?\d{4}"),
    "MEDICAL_LICENSE": re.compile(r"[A-Za-z][A-Za-z9]\d{7}"),
}
_DIGIT = re.compile(r"\d")
PHONE_MIN_DIGITS = 5


def needed(value: str, entities: Sequence[str]) -> tuple[str, ...]:
    """The entities whose recognizers could fire on ``value`` (unknown ones always could)."""
    out = []
    for entity in entities:
        if entity == "PHONE_NUMBER":
            if len(_DIGIT.findall(value)) >= PHONE_MIN_DIGITS:
                out.append(entity)
        else:
            need = _NEEDS.get(entity)
            if need is None or need.search(value):
                out.append(entity)
    return tuple(out)


CHUNK = 50  # presidio's duplicate removal is quadratic in matches per text
PARALLEL_MIN = 5_000  # candidate cells before worker processes pay off
DEDUP_LIMIT = 500_000  # distinct cells held at once; beyond it, flush and start again


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
        self.cells += other.cells
        self.distinct += other.distinct
        self.candidates += other.candidates
        for entity, t in other.tallies.items():
            mine = self.tallies.setdefault(entity, Tally())
            mine.cells += t.cells
            mine.occurrences += t.occurrences
            mine.max_score = max(mine.max_score, t.max_score)
            mine.recognizers.update(t.recognizers)
            mine.examples.extend(t.examples[: 3 - len(mine.examples)])


def _analyze_chunk(
    args: tuple[list[str], list[int], list[str], list[str], str | None, bool],
) -> TextScan:
    from petgov.pii.engine import get_engine

    values, counts, entities, context, nlp_model, per_cell = args
    engine = get_engine(nlp_model)
    if per_cell:
        results = [engine.analyze(v, entities, context) for v in values]
    else:
        results = engine.analyze_many(values, entities, context)
    return tally(values, counts, results)


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
            if len(t.examples) < 3:
                t.examples.append(redact(value[h.start : h.end]))
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
    out = TextScan(distinct=len(seen))
    values = [v for v in seen if v.strip() and (not prefilter or PREFILTER.search(v))]
    out.candidates = len(values)
    groups: dict[tuple[str, ...], list[str]] = {}
    for v in values:
        wanted = needed(v, entities) if prefilter else tuple(entities)
        if wanted:
            groups.setdefault(wanted, []).append(v)
    jobs = [
        (chunk, [seen[v] for v in chunk], list(ents), list(context), nlp_model, per_cell)
        for ents, group in groups.items()
        for chunk in (group[i : i + CHUNK] for i in range(0, len(group), CHUNK))
    ]
    n_workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    if n_workers > 1 and len(values) >= PARALLEL_MIN:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from petgov.pii.engine import get_engine

        get_engine(nlp_model)  # build once; forked workers inherit it
        with ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("fork")) as ex:
            for part in ex.map(_analyze_chunk, jobs):
                out.merge(part)
    else:
        for job in jobs:
            out.merge(_analyze_chunk(job))
    out.distinct = len(seen)
    out.candidates = len(values)
    return out
