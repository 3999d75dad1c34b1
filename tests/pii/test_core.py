"""The engine-neutral core: merges are associative and commutative, and however a table is
split into batches (or partitions), the sample and the text tallies are the same."""

from __future__ import annotations

import functools
import itertools
import random
from collections import Counter
from typing import Any

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from petgov.pii.core import (
    SamplePartial,
    finalize_sample,
    merge_samples,
    row_keys,
    sample_batches,
    sample_partial,
    top_recognizer,
)
from petgov.pii.engine import Hit, get_engine
from petgov.pii.text import TextScan, merge_text, tally, text_partial
from tests.fuzzing import budget

K = 7


def _table(rows: int) -> pa.Table:
    return pa.table(
        {
            "id": pa.array(range(rows), type=pa.int64()),
            "email": [f"user{i}@example.org" if i % 3 else None for i in range(rows)],
            "note": [f"note {i}".encode() for i in range(rows)],
        }
    )


def _split(table: pa.Table, cuts: list[int]) -> list[tuple[int, pa.RecordBatch]]:
    """(first row, batch) pieces of ``table`` cut at ``cuts`` (empty pieces included)."""
    bounds = [0, *sorted(c % (table.num_rows + 1) for c in cuts), table.num_rows]
    out = []
    for start, end in itertools.pairwise(bounds):
        piece = table.slice(start, end - start).combine_chunks().to_batches()
        empty = pa.RecordBatch.from_pylist([], schema=table.schema)
        out.append((start, piece[0] if piece else empty))
    return out


def _partials(table: pa.Table, cuts: list[int], seed: int) -> list[SamplePartial]:
    return [sample_partial(b, first, K, seed) for first, b in _split(table, cuts)]


@given(
    rows=st.integers(0, 60),
    cuts=st.lists(st.integers(0, 60), max_size=6),
    seed=st.integers(0, 2**64 - 1),
    order=st.randoms(use_true_random=False),
)
@budget()
def test_any_split_and_merge_order_gives_the_one_batch_sample(
    rows: int, cuts: list[int], seed: int, order: random.Random
) -> None:
    table = _table(rows)
    whole = finalize_sample(sample_batches(table.to_batches() or [], K, seed))
    parts = _partials(table, cuts, seed)
    order.shuffle(parts)  # partitions arrive in any order
    merged = functools.reduce(merge_samples, parts, SamplePartial(k=K))
    assert finalize_sample(merged) == whole or rows == 0
    assert merged.rows == rows
    assert len(merged.picks) == min(rows, K)


@given(
    rows=st.integers(1, 60),
    cuts=st.lists(st.integers(0, 60), min_size=2, max_size=2),
    seed=st.integers(0, 2**32),
)
@budget()
def test_merge_is_associative_and_commutative(rows: int, cuts: list[int], seed: int) -> None:
    a, b, c = _partials(_table(rows), cuts, seed)
    left = merge_samples(merge_samples(a, b), c)
    right = merge_samples(a, merge_samples(b, c))
    assert left == right
    assert merge_samples(a, b) == merge_samples(b, a)


def test_the_sample_is_the_k_smallest_keys_of_all_rows() -> None:
    """An oracle written independently: sort every row's key, take k."""
    table = _table(500)
    keys = row_keys(11, 0, 500)
    expected = sorted(range(500), key=lambda i: (int(keys[i]), i))[:K]
    got = sample_batches(table.to_batches(max_chunksize=64), K, 11)
    assert [row for _, row, _ in got.picks] == expected
    sample = finalize_sample(got)
    assert sample.rows == 500 and sample.sampled_rows == K
    # an integer column named like an identifier is sampled too (its digits may carry a check)
    assert sample.columns["id"].values == [str(i) for i in expected]
    assert sample.columns["note"].values == [f"note {i}" for i in expected]
    assert sample.columns["email"].values == [f"user{i}@example.org" for i in expected if i % 3]


def test_seeds_pick_different_rows_and_keys_do_not_depend_on_the_batch() -> None:
    assert list(row_keys(3, 100, 5)) == list(row_keys(3, 0, 105)[100:])
    one = {r for _, r, _ in sample_batches(_table(300).to_batches(), K, 1).picks}
    two = {r for _, r, _ in sample_batches(_table(300).to_batches(), K, 2).picks}
    assert one != two


_ENTITIES = ("EMAIL_ADDRESS", "US_SSN", "PHONE_NUMBER")
_hits = st.lists(
    st.builds(
        Hit,
        st.sampled_from(_ENTITIES),
        st.integers(0, 3),
        st.integers(4, 8),
        st.floats(0.5, 1.0),
        st.sampled_from(("a", "b", "c")),
    ),
    max_size=3,
)


def _text_partial(rows: list[tuple[str, int, list[Hit]]]) -> TextScan:
    out = tally([v for v, _, _ in rows], [c for _, c, _ in rows], [h for _, _, h in rows])
    out.cells = sum(c for _, c, _ in rows)
    out.distinct = out.candidates = len(rows)
    return out


def _same(a: TextScan, b: TextScan) -> bool:
    def norm(t: TextScan) -> Any:
        return (
            t.cells,
            t.distinct,
            t.candidates,
            {
                e: (x.cells, x.occurrences, x.max_score, dict(x.recognizers), x.examples)
                for e, x in t.tallies.items()
            },
        )

    return bool(norm(a) == norm(b))


@given(
    rows=st.lists(st.tuples(st.text(min_size=8, max_size=12), st.integers(1, 5), _hits)),
    cuts=st.lists(st.integers(0, 40), min_size=2, max_size=2),
)
@budget()
def test_text_tallies_merge_in_any_grouping(
    rows: list[tuple[str, int, list[Hit]]], cuts: list[int]
) -> None:
    i, j = sorted(c % (len(rows) + 1) for c in cuts)
    a, b, c = (_text_partial(p) for p in (rows[:i], rows[i:j], rows[j:]))
    whole = _text_partial(rows)
    assert _same(merge_text(merge_text(a, b), c), whole)
    assert _same(merge_text(a, merge_text(b, c)), whole)
    assert _same(merge_text(c, merge_text(b, a)), whole)
    for t in whole.tallies.values():
        assert t.examples == sorted(t.examples) and len(t.examples) <= 3


def test_text_partials_with_the_real_engine_add_up() -> None:
    """Disjoint distinct values analysed apart equal the values analysed together."""
    get_engine(None)
    values = Counter(
        {
            "write to ann@example.org": 3,
            "ssn 536-22-1234 on file": 2,
            "call me on 212-555-0100 tonight": 1,
            "nothing here at all": 4,
            "card 4111 1111 1111 1111": 1,
        }
    )
    entities = get_engine(None).entities()
    whole = text_partial(values, entities)
    items = list(values.items())
    halves = [dict(items[:2]), dict(items[2:])]
    parts = [text_partial(h, entities) for h in halves]
    assert _same(merge_text(parts[1], parts[0]), whole)
    assert whole.cells == 11 and whole.distinct == 5
    assert {"EMAIL_ADDRESS", "US_SSN", "CREDIT_CARD"} <= set(whole.tallies)


def test_top_recognizer_ties_break_by_name() -> None:
    assert top_recognizer(Counter({"b": 2, "a": 2, "c": 1})) == "a"
    assert top_recognizer(Counter()) == ""
