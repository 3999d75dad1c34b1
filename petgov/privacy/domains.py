"""Column domains a provider declares: bins for numbers, a category list for the rest.

Differential privacy needs the domain fixed before the data is seen: bounds read from the data
would leak its extremes. Every modelled column has one extra cell, "other", for nulls and
values outside the declared categories (numbers outside the bounds are clamped into them, as
DP releases usually do); "other" is written back as null.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ColumnDomain:
    """How one column is cut into cells and written back."""

    name: str
    bounds: tuple[float, float] | None = None  # numeric: equal-width bins over [lo, hi]
    bins: int = 16
    categories: tuple[str, ...] = ()  # categorical: the declared values
    integer: bool = False  # numeric values are written back as whole numbers

    @property
    def size(self) -> int:
        """Cells including "other"."""
        return (self.bins if self.bounds else len(self.categories)) + 1

    @property
    def other(self) -> int:
        return self.size - 1

    def encode(self, values: Sequence[Any]) -> np.ndarray:
        """Cell index of every value (int64)."""
        n = len(values)
        out = np.full(n, self.other, dtype=np.int64)
        if self.bounds is not None:
            lo, hi = self.bounds
            nums = np.full(n, np.nan)
            for i, v in enumerate(values):
                if v is None or isinstance(v, bool):
                    continue
                try:
                    nums[i] = float(v)
                except (TypeError, ValueError):
                    continue
            ok = np.isfinite(nums)
            width = (hi - lo) / self.bins
            cells = np.floor((np.clip(nums[ok], lo, hi) - lo) / width).astype(np.int64)
            out[ok] = np.minimum(cells, self.bins - 1)
            return out
        index = {c: i for i, c in enumerate(self.categories)}
        for i, v in enumerate(values):
            if v is not None:
                out[i] = index.get(str(v), self.other)
        return out

    def decode(self, cells: np.ndarray, rng: np.random.Generator) -> list[Any]:
        """A value for every cell: uniform inside a numeric bin, the category, or null."""
        out: list[Any] = []
        if self.bounds is not None:
            lo, hi = self.bounds
            width = (hi - lo) / self.bins
            draws = rng.random(len(cells))
            for c, u in zip(cells.tolist(), draws.tolist(), strict=True):
                if c == self.other:
                    out.append(None)
                    continue
                value = lo + (c + u) * width
                out.append(int(min(max(round(value), lo), hi)) if self.integer else round(value, 6))
            return out
        return [None if c == self.other else self.categories[c] for c in cells.tolist()]


def distribution(cells: np.ndarray, size: int) -> np.ndarray:
    """Normalized histogram of cell indices (all zeros for no rows)."""
    counts = np.bincount(cells, minlength=size)[:size].astype(float)
    total = counts.sum()
    return counts / total if total else counts


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """Half the L1 distance between two distributions on the same cells (0 same, 1 disjoint)."""
    return float(0.5 * np.abs(p - q).sum())
