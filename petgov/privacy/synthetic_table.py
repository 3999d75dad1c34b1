"""A whole DP-synthetic table: the modelled columns from :mod:`petgov.privacy.synth`, the rest
schema-random, each column back in its source type."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from petgov.privacy import schema_random, synth
from petgov.privacy.domains import ColumnDomain, distribution, total_variation


@dataclass
class Synthetic:
    """The synthetic table and what it cost and kept."""

    table: Any  # pyarrow.Table
    epsilon: float
    modelled: list[str]
    random_columns: dict[str, str]  # column -> why it is schema-random
    tree: list[tuple[str, str]]
    marginals: list[str]
    utility: dict[str, float] = field(default_factory=dict)  # column -> TVD (non-private)


def domains_for(
    schema: Any,
    bounds: Mapping[str, tuple[float, float]],
    categories: Mapping[str, Collection[str]],
    bins: int,
    random_columns: Mapping[str, str],
) -> tuple[list[ColumnDomain], dict[str, str]]:
    """The declared domain of each column that may be modelled, and why the others are not."""
    import pyarrow.types as t

    domains: list[ColumnDomain] = []
    skipped = dict(random_columns)
    for f in schema:
        if f.name in skipped:
            continue
        if f.name in bounds:
            integer = t.is_integer(f.type)
            domains.append(ColumnDomain(f.name, bounds[f.name], bins, integer=integer))
        elif f.name in categories:
            domains.append(ColumnDomain(f.name, categories=tuple(categories[f.name])))
        else:
            skipped[f.name] = "no declared bounds or categories"
    return domains, skipped


def _typed(values: list[Any], arrow_type: Any) -> Any:
    import pyarrow as pa

    try:
        return pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        try:
            return pa.array([None if v is None else str(v) for v in values]).cast(arrow_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return pa.array([None if v is None else str(v) for v in values])


def make(
    source: Any,
    domains: list[ColumnDomain],
    skipped: Mapping[str, str],
    epsilon: float,
    seed: int,
    rows: int | None = None,
) -> Synthetic:
    """Fit on ``source`` with ``epsilon``, sample, and fill the unmodelled columns at random."""
    import pyarrow as pa

    cells = [d.encode(source.column(d.name).to_pylist()) for d in domains]
    model = synth.fit(domains, cells, epsilon)
    n = rows if rows is not None else model.rows
    rng = np.random.default_rng(seed)
    sampled = synth.sample(model, n, rng)
    by_name = {d.name: (d, c) for d, c in zip(domains, sampled, strict=True)}
    filler = random.Random(seed)
    arrays = []
    for f in source.schema:
        if f.name in by_name:
            d, c = by_name[f.name]
            arrays.append(_typed(d.decode(c, rng), f.type))
        else:
            arrays.append(schema_random.column(f.type, n, filler))
    table = pa.table(arrays, names=source.schema.names)
    utility = {
        d.name: round(total_variation(distribution(src, d.size), distribution(syn, d.size)), 4)
        for d, src, syn in zip(domains, cells, sampled, strict=True)
    }
    return Synthetic(
        table=table,
        epsilon=model.epsilon,
        modelled=[d.name for d in domains],
        random_columns=dict(skipped),
        tree=[(domains[a].name, domains[b].name) for a, b in model.edges],
        marginals=model.marginals,
        utility=utility,
    )
