"""Differentially private synthetic tables: noisy marginals over a tree of column pairs.

The design is MST's (McKenna, Miklau, Sheldon 2021) and PrivBayes' (Zhang et al. 2017), kept
small: (1) with part of the budget, every two-way marginal is measured with noise and the pairs
are scored by the mutual information of the noisy tables; a maximum spanning tree of the scores
says which pairs to keep (post-processing: no extra cost); (2) with the rest, every one-way
marginal and the tree's two-way marginals are measured again; (3) rows are sampled from the
tree: the root from its one-way marginal, each child from its noisy conditional on its parent.

Noise and accounting are OpenDP's: each marginal is a row-by-row projection to a histogram
(adding or removing one row moves one count by one, so its L1 stability is the number of rows
changed), followed by OpenDP's discrete Laplace; the marginals of a stage are one OpenDP
composition, and the two stages are queries to an OpenDP adaptive compositor whose privacy map
is the ε the caller declared. Pure ε-DP (δ = 0) under add/remove-one-row neighbours.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from petgov.errors import UsageError
from petgov.privacy.domains import ColumnDomain

SELECT_SHARE = 0.3  # of ε, to choose the tree (only when there are 3+ columns to choose among)
_SLACK = 1 + 1e-9  # scales a hair wider so float rounding never spends past a stage's ε
_MAX_CODE = 1 << 62


@dataclass
class Model:
    """The noisy marginals and the tree: everything a sample is drawn from (DP outputs only)."""

    domains: list[ColumnDomain]
    one_way: dict[int, np.ndarray]
    two_way: dict[tuple[int, int], np.ndarray]
    edges: list[tuple[int, int]]  # (parent, child) in sampling order
    rows: int  # a noisy row count
    epsilon: float  # what OpenDP's compositor charged
    marginals: list[str] = field(default_factory=list)


def _opendp() -> Any:
    import opendp.prelude as dp

    # contrib: the measurements and compositors; honest-but-curious: the row-by-row histogram
    # below, a user transformation whose stability map (d_in -> d_in) this module vouches for.
    dp.enable_features("contrib", "honest-but-curious")
    return dp


def _encode(
    domains: Sequence[ColumnDomain], cells: Sequence[np.ndarray]
) -> tuple[list[int], list[int]]:
    """One int64 per row (mixed radix over the columns' cells) and each column's radix."""
    radix, acc = [], 1
    for d in domains:
        radix.append(acc)
        acc *= d.size
    if acc >= _MAX_CODE:
        raise UsageError(
            "too many modelled columns for one synthetic table",
            hint="declare fewer columns' bounds or categories, or fewer bins",
        )
    codes = np.zeros(len(cells[0]) if cells else 0, dtype=np.int64)
    for r, c in zip(radix, cells, strict=True):
        codes += c * r
    return codes.tolist(), radix


def _marginal(
    dp: Any, cols: tuple[int, ...], domains: Sequence[ColumnDomain], radix: list[int], scale: float
) -> Any:
    """An OpenDP measurement: rows -> histogram over ``cols`` -> discrete Laplace(scale)."""
    sizes = [domains[c].size for c in cols]
    cells = math.prod(sizes)

    def histogram(rows: list[int]) -> list[int]:
        codes = np.asarray(rows, dtype=np.int64)
        index = np.zeros(len(codes), dtype=np.int64)
        for c, size in zip(cols, sizes, strict=True):
            index = index * size + (codes // radix[c]) % domains[c].size
        return np.bincount(index, minlength=cells)[:cells].tolist()  # type: ignore[no-any-return]

    space = dp.vector_domain(dp.atom_domain(T="i64")), dp.symmetric_distance()
    project = dp.t.make_user_transformation(
        *space,
        dp.vector_domain(dp.atom_domain(T="i64")),
        dp.l1_distance(T="i64"),
        function=histogram,
        stability_map=lambda d_in: d_in,
    )
    return project >> dp.m.then_laplace(scale=scale)


def _stage(
    dp: Any,
    queryable: Any,
    sets: Sequence[tuple[int, ...]],
    domains: Sequence[ColumnDomain],
    radix: list[int],
    epsilon: float,
) -> list[np.ndarray]:
    """Measure every marginal in ``sets`` with an equal share of ``epsilon`` (one composition)."""
    scale = len(sets) / epsilon * _SLACK
    composed = dp.c.make_composition([_marginal(dp, s, domains, radix, scale) for s in sets])
    answers = queryable(composed)
    return [
        np.asarray(a, dtype=float).reshape([domains[c].size for c in s])
        for a, s in zip(answers, sets, strict=True)
    ]


def _mutual_information(table: np.ndarray) -> float:
    joint = np.clip(table, 0, None)
    total = joint.sum()
    if total <= 0:
        return 0.0
    joint = joint / total
    outer = np.outer(joint.sum(axis=1), joint.sum(axis=0))
    mask = joint > 0
    return float((joint[mask] * np.log(joint[mask] / outer[mask])).sum())


def spanning_tree(n: int, score: Callable[[int, int], float]) -> list[tuple[int, int]]:
    """Maximum spanning tree (Prim) from column 0, as (parent, child) in sampling order."""
    if n <= 1:
        return []
    inside, edges = {0}, []
    while len(inside) < n:
        best = max(
            ((a, b) for a in inside for b in range(n) if b not in inside),
            key=lambda e: score(*e),
        )
        edges.append(best)
        inside.add(best[1])
    return edges


def fit(domains: list[ColumnDomain], cells: list[np.ndarray], epsilon: float) -> Model:
    """Measure the marginals with exactly ``epsilon`` (OpenDP's accounting) and build the tree."""
    if epsilon <= 0:
        raise UsageError("a dp-synthetic preview needs an epsilon above 0")
    if not domains:
        raise UsageError(
            "no column can be modelled: the data provider declared no bounds or categories",
            hint="declare preview.bounds or preview.categories in the policy, or use schema",
        )
    dp = _opendp()
    codes, radix = _encode(domains, cells)
    n = len(domains)
    pairs = list(itertools.combinations(range(n), 2))
    select = epsilon * SELECT_SHARE if n >= 3 else 0.0
    stages = [select, epsilon - select] if select else [epsilon]
    space = dp.vector_domain(dp.atom_domain(T="i64")), dp.symmetric_distance()
    compositor = dp.c.make_adaptive_composition(*space, dp.max_divergence(), d_in=1, d_mids=stages)
    queryable = compositor(codes)
    noisy_pairs: dict[tuple[int, int], np.ndarray] = {}
    marginals: list[str] = []
    if select:
        selected = _stage(dp, queryable, pairs, domains, radix, select)
        noisy_pairs = dict(zip(pairs, selected, strict=True))
        marginals += [f"select:{domains[a].name} & {domains[b].name}" for a, b in pairs]
        tree = spanning_tree(
            n, lambda a, b: _mutual_information(noisy_pairs[(min(a, b), max(a, b))])
        )
    else:
        tree = [(0, 1)] if n == 2 else []
    sets: list[tuple[int, ...]] = [(i,) for i in range(n)]
    sets += [(min(a, b), max(a, b)) for a, b in tree]
    answers = _stage(dp, queryable, sets, domains, radix, stages[-1])
    one_way = {i: answers[i] for i in range(n)}
    two_way: dict[tuple[int, int], np.ndarray] = {}
    measure_scale = len(sets) / stages[-1]
    select_scale = len(pairs) / select if select else 0.0
    for key, table in zip(sets[n:], answers[n:], strict=True):
        pair = (key[0], key[1])
        if pair in noisy_pairs:  # two noisy looks at one table: weight by inverse variance
            w = select_scale**2 / (select_scale**2 + measure_scale**2)
            table = w * table + (1 - w) * noisy_pairs[pair]
        two_way[pair] = table
    marginals += ["measure:" + " & ".join(domains[c].name for c in s) for s in sets]
    totals = sorted(float(np.clip(t, 0, None).sum()) for t in one_way.values())
    return Model(
        domains=domains,
        one_way=one_way,
        two_way=two_way,
        edges=tree,
        rows=max(1, round(totals[len(totals) // 2])),
        epsilon=float(compositor.map(1)),
        marginals=marginals,
    )


def _normalized(weights: np.ndarray) -> np.ndarray:
    w = np.clip(weights, 0, None)
    total = w.sum()
    return w / total if total > 0 else np.full(len(w), 1.0 / len(w))


def sample(model: Model, rows: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Cells for ``rows`` synthetic rows, column by column along the tree (post-processing)."""
    n = len(model.domains)
    out: list[np.ndarray | None] = [None] * n
    roots = [0] + [i for i in range(1, n) if all(c != i for _, c in model.edges)]
    for r in roots:
        p = _normalized(model.one_way[r])
        out[r] = rng.choice(len(p), size=rows, p=p)
    for parent, child in model.edges:
        key = (min(parent, child), max(parent, child))
        table = model.two_way[key]
        table = table if key[0] == parent else table.T  # rows: parent cells
        fallback = _normalized(model.one_way[child])
        parent_cells = out[parent]
        assert parent_cells is not None
        child_cells = np.empty(rows, dtype=np.int64)
        for cell in np.unique(parent_cells):
            where = parent_cells == cell
            row = np.clip(table[cell], 0, None)
            p = row / row.sum() if row.sum() > 0 else fallback
            child_cells[where] = rng.choice(len(p), size=int(where.sum()), p=p)
        out[child] = child_cells
    return [c if c is not None else np.zeros(rows, dtype=np.int64) for c in out]
