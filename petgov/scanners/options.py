"""Typed options, one frozen dataclass per scanner that takes any, built once by the caller.

The CLI builds them from its flags and the clean room from its config; each scanner reads only
its own field of :class:`ScannerOptions`. A typo or a missing setting is a type error, not a
dictionary key nobody reads (a clean room's signer key once went unused that way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from petgov.provenance.interface import TrustMaterial


@dataclass(frozen=True)
class ProvenanceOptions:
    """What signatures are verified against, and the hub lock for hf:// targets."""

    trust: TrustMaterial = field(default_factory=TrustMaterial)
    lock: Path | None = None  # None: ./petgov.lock when present


class PiiEngineName(str, Enum):
    """Where the PII partial counts are computed; the verdicts are the same either way."""

    LOCAL = "local"
    SPARK = "spark"


@dataclass(frozen=True)
class PiiOptions:
    """The NER model and how much of each dataset is read."""

    nlp_model: Path | None = None  # a local spaCy model folder; None: pattern recognisers only
    exhaustive: bool = False  # every cell in text mode instead of sampled columns
    sample_rows: int = 1000
    max_values: int = 100
    min_rate: float = 0.3
    seed: int = 0
    workers: int | None = None  # text-mode processes; None: the engine decides
    engine: str = "local"  # "spark": tabular files are read and counted by Apache Spark
    spark_master: str | None = None  # None: the active session, else $MASTER or local[*]
    countries: tuple[str, ...] | None = None  # national ids checked; None: every known country


@dataclass(frozen=True)
class DependencyOptions:
    """Where vulnerabilities come from and whether the running environment is listed too."""

    environment: bool = False
    osv_db: Path | None = None  # None: the default cache made by `petgov db import`


@dataclass(frozen=True)
class ShadowOptions:
    """The file holding the sanctioned [shadow_ai] list; None: found next to the target."""

    sanctioned: Path | None = None


@dataclass(frozen=True)
class PickleOptions:
    """Work bounds of the static pickle VM per item; past one, the item is a coverage gap."""

    max_ops: int | None = None  # None: pickle_vm.MAX_OPS
    max_memo: int | None = None  # None: pickle_vm.MAX_MEMO
    timeout: float | None = None  # seconds per item; None: only the operation budget


@dataclass(frozen=True)
class ScannerOptions:
    """Every scanner's options; a scanner reads its own field and nothing else."""

    provenance: ProvenanceOptions = field(default_factory=ProvenanceOptions)
    pii: PiiOptions = field(default_factory=PiiOptions)
    dependencies: DependencyOptions = field(default_factory=DependencyOptions)
    shadow: ShadowOptions = field(default_factory=ShadowOptions)
    pickle: PickleOptions = field(default_factory=PickleOptions)
