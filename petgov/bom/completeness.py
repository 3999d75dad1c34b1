"""AI-BOM completeness: documented fields and weights, scored 0-100.

The weights follow what regulators and security teams ask first (EU AI Act Annex IV, the G7
"SBOM for AI" minimum elements): identity, integrity and license weigh most. A field that does
not apply (``base_model`` for a model that is not a fine-tune) is left out of the total instead
of counting as missing, so a from-scratch model can still reach 100. docs/aibom.md lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from petgov.bom.info import ModelInfo


@dataclass(frozen=True)
class Field:
    """One scored field: name, weight, whether it is present, whether it applies at all."""

    name: str
    weight: int
    present: bool
    applies: bool = True


@dataclass(frozen=True)
class Score:
    """The score and the fields behind it (missing ones first in ``missing``)."""

    value: int
    fields: tuple[Field, ...]

    @property
    def missing(self) -> list[str]:
        return [f.name for f in self.fields if f.applies and not f.present]


def _hashes(info: ModelInfo) -> bool:
    """Every file hashed, and at least one real weight file (not an LFS pointer) among them."""
    hashed = bool(info.files) and all(f.sha256 or f.digest_pending for f in info.files)
    real_weights = any(not f.lfs_pointer for f in info.weights)
    return hashed and real_weights


# (name, weight, present?) — the weights sum to 100.
FIELDS: tuple[tuple[str, int, Callable[[ModelInfo], bool]], ...] = (
    ("name", 5, lambda i: bool(i.name)),
    ("version", 10, lambda i: bool(i.version)),
    ("purl", 5, lambda i: bool(i.purl)),
    ("hashes", 15, _hashes),
    ("license", 15, lambda i: i.license is not None),
    ("supplier", 10, lambda i: bool(i.supplier)),
    ("task", 10, lambda i: bool(i.task)),
    ("architecture", 5, lambda i: bool(i.architecture or i.family)),
    ("datasets", 10, lambda i: bool(i.datasets)),
    ("base_model", 10, lambda i: bool(i.base_models)),
    ("evaluation", 5, lambda i: bool(i.eval_results)),
)


def score(info: ModelInfo) -> Score:
    """Score one model: the weight of present fields over the weight of applicable fields."""
    fields = []
    for name, weight, check in FIELDS:
        applies = info.fine_tuned if name == "base_model" else True
        fields.append(Field(name, weight, check(info), applies))
    total = sum(f.weight for f in fields if f.applies)
    got = sum(f.weight for f in fields if f.applies and f.present)
    return Score(round(100 * got / total) if total else 0, tuple(fields))
