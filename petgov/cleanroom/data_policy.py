"""Data providers' policies: one signed file per dataset, enforced at release, preview and review.

A clean room serves datasets owned by others. Each owner (a *provider*) writes a policy for its
dataset (purposes, rooms, TEE types and measurements, retention, output approval, preview
mechanism and budget, output thresholds) and signs it with ``petgov sign POLICY --key`` (the
model-signing format petgov already verifies). The room lists the providers' public keys and
the policies it serves. A policy is trusted only when its signature verifies with the key of
the provider it names: unsigned, wrongly signed or damaged policies fail closed, and every
decision names the policy and the clause it applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov.cleanroom.config import CleanRoom
from petgov.errors import ConfigError, PetgovError
from petgov.provenance.interface import TrustMaterial

SCHEMA = "petgov-data-policy-v1"
MECHANISMS = ("schema", "dp-synthetic", "public")
DEFAULT_EPSILON_TOTAL = 10.0  # with no provider policy: a conservative documented ceiling
DEFAULT_MECHANISMS = ("schema", "dp-synthetic")
DEFAULT_MIN_CELL = 10
DEFAULT_MIN_ROWS = 10
DEFAULT_K = 5
_KNOWN = {
    "schema",
    "provider",
    "dataset",
    "sha256",
    "purposes",
    "rooms",
    "tee",
    "measurements",
    "retention_days",
    "output_approval",
    "preview",
    "review",
}
_PREVIEW_KNOWN = {
    "mechanisms",
    "epsilon_total",
    "epsilon_max",
    "bounds",
    "categories",
    "bins",
    "pii",
    "public",
}
_REVIEW_KNOWN = {"min_rows", "min_cell", "quasi_identifiers", "k"}


@dataclass(frozen=True)
class PreviewTerms:
    """What a programming-stage preview of the dataset may be, and how much ε it may spend."""

    mechanisms: tuple[str, ...] = DEFAULT_MECHANISMS
    epsilon_total: float = DEFAULT_EPSILON_TOTAL
    epsilon_max: float | None = None  # per preview; None: up to what is left of the total
    bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    bins: int = 16
    keep_pii: bool = False  # PII columns keep their synthetic values instead of random ones
    keep_pii_columns: tuple[str, ...] = ()  # ... or only these columns do
    public: str | None = None  # the public stand-in dataset (a path) for mechanism `public`


@dataclass(frozen=True)
class ReviewTerms:
    """Thresholds an execution-stage output must meet before it leaves the room."""

    min_rows: int = DEFAULT_MIN_ROWS
    min_cell: int = DEFAULT_MIN_CELL
    quasi_identifiers: tuple[str, ...] = ()
    k: int = DEFAULT_K


@dataclass(frozen=True)
class DataPolicy:
    """One provider's verified policy for one dataset."""

    path: Path
    provider: str
    dataset: str
    sha256: str | None
    purposes: tuple[str, ...]
    rooms: tuple[str, ...]
    tee: tuple[str, ...]
    measurements: Mapping[str, tuple[str, ...]]
    retention_days: float
    output_approval: bool
    preview: PreviewTerms
    review: ReviewTerms
    digest: str  # sha256 of the policy file as signed

    @property
    def name(self) -> str:
        """How decisions cite the policy: provider/dataset and its file."""
        return f"{self.provider}/{self.dataset} ({self.path.name})"

    @property
    def ledger_key(self) -> str:
        return f"{self.provider}/{self.dataset}"

    def summary(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "dataset": self.dataset,
            "path": str(self.path),
            "sha256": self.digest,
        }


@dataclass(frozen=True)
class Unusable:
    """A policy the room lists but cannot trust; every decision that needs it fails."""

    path: Path
    reason: str

    @property
    def name(self) -> str:
        return self.path.name


def signature_path(policy: Path) -> Path:
    """Where ``petgov sign POLICY`` puts the signature: POLICY.sig beside it."""
    return policy.with_name(policy.name + ".sig")


def load_room_policies(room: CleanRoom) -> list[DataPolicy | Unusable]:
    """Every policy the room lists, verified against its providers' keys."""
    return [load(path, room.providers) for path in room.data_policies]


def load(path: Path, providers: Mapping[str, Path]) -> DataPolicy | Unusable:
    """Verify ``path`` with the key of the provider it names, then parse it; fail closed."""
    import yaml

    from petgov.errors import VerificationError
    from petgov.provenance.modelsig import verify_model

    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"data policy {path}: {exc.strerror}") from None
    try:
        raw = yaml.safe_load(raw_bytes)
    except yaml.YAMLError:
        return Unusable(path, "not a YAML policy")
    if not isinstance(raw, dict):
        return Unusable(path, "not a YAML mapping")
    provider = str(raw.get("provider") or "")
    if provider not in providers:
        known = ", ".join(sorted(providers)) or "none"
        return Unusable(path, f"names provider {provider!r}, not one of the room's ({known})")
    sig = signature_path(path)
    if not sig.exists():
        return Unusable(path, f"unsigned: no {sig.name} (sign it: petgov sign {path.name} --key)")
    try:
        verify_model(path, sig, TrustMaterial(key=providers[provider]))
    except (VerificationError, PetgovError) as exc:
        return Unusable(path, f"signature does not verify with {provider}'s key: {exc.message}")
    try:
        return _parse(path, raw, hashlib.sha256(raw_bytes).hexdigest())
    except (ConfigError, TypeError, ValueError) as exc:
        why = exc.message if isinstance(exc, ConfigError) else str(exc)
        return Unusable(path, f"signed but malformed: {why}")


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ConfigError(f"{what} must be a list")
    return tuple(str(v) for v in value)


def _parse(path: Path, raw: Mapping[str, Any], digest: str) -> DataPolicy:
    if raw.get("schema") != SCHEMA:
        raise ConfigError(f"schema must be {SCHEMA!r}")
    unknown = set(raw) - _KNOWN
    if unknown:
        raise ConfigError(f"unknown clauses {sorted(unknown)}")
    for need in ("dataset", "purposes", "retention_days"):
        if raw.get(need) in (None, "", []):
            raise ConfigError(f"clause {need!r} is required")
    retention = float(raw["retention_days"])
    if retention <= 0:
        raise ConfigError("retention_days must be positive")
    measurements = raw.get("measurements") or {}
    if not isinstance(measurements, Mapping):
        raise ConfigError("measurements must map a name to a list of allowed hex values")
    return DataPolicy(
        path=path,
        provider=str(raw["provider"]),
        dataset=str(raw["dataset"]),
        sha256=str(raw["sha256"]).lower() if raw.get("sha256") else None,
        purposes=_strings(raw["purposes"], "purposes"),
        rooms=_strings(raw.get("rooms"), "rooms"),
        tee=_strings(raw.get("tee"), "tee"),
        measurements={
            str(k): tuple(v.lower() for v in _strings(vs, f"measurements.{k}"))
            for k, vs in measurements.items()
        },
        retention_days=retention,
        output_approval=bool(raw.get("output_approval", True)),
        preview=_preview(raw.get("preview") or {}),
        review=_review(raw.get("review") or {}),
        digest=digest,
    )


def _section(raw: Any, name: str, known: set[str]) -> Mapping[str, Any]:
    """A sub-mapping of the policy, with no clause petgov does not know (a typo is no limit)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{name} must be a mapping")
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"unknown {name} clauses {sorted(unknown)}")
    return raw


def _preview(raw: Any) -> PreviewTerms:
    raw = _section(raw, "preview", _PREVIEW_KNOWN)
    mechanisms = _strings(raw.get("mechanisms"), "preview.mechanisms") or DEFAULT_MECHANISMS
    bad = sorted(set(mechanisms) - set(MECHANISMS))
    if bad:
        raise ConfigError(f"preview.mechanisms: unknown {bad}, use {list(MECHANISMS)}")
    total = float(raw.get("epsilon_total", DEFAULT_EPSILON_TOTAL))
    cap = float(raw["epsilon_max"]) if raw.get("epsilon_max") is not None else None
    if total < 0 or (cap is not None and cap <= 0):
        raise ConfigError("preview epsilon_total must be >= 0 and epsilon_max > 0")
    bounds: dict[str, tuple[float, float]] = {}
    for col, pair in (raw.get("bounds") or {}).items():
        lo, hi = (float(v) for v in pair)
        if not lo < hi:
            raise ConfigError(f"preview.bounds.{col}: lower must be below upper")
        bounds[str(col)] = (lo, hi)
    categories = raw.get("categories") or {}
    if not isinstance(categories, Mapping):
        raise ConfigError("preview.categories must map a column to its list of values")
    bins = int(raw.get("bins", 16))
    if not 2 <= bins <= 256:
        raise ConfigError("preview.bins must be 2..256")
    pii = raw.get("pii", "replace")
    keep_columns: tuple[str, ...] = ()
    if isinstance(pii, list):
        keep_columns, pii = _strings(pii, "preview.pii"), "replace"
    if pii not in ("replace", "keep"):
        raise ConfigError("preview.pii must be replace, keep, or a list of columns to keep")
    return PreviewTerms(
        mechanisms=mechanisms,
        epsilon_total=total,
        epsilon_max=cap,
        bounds=bounds,
        categories={str(c): _strings(v, f"preview.categories.{c}") for c, v in categories.items()},
        bins=bins,
        keep_pii=pii == "keep",
        keep_pii_columns=keep_columns,
        public=str(raw["public"]) if raw.get("public") else None,
    )


def _review(raw: Any) -> ReviewTerms:
    raw = _section(raw, "review", _REVIEW_KNOWN)
    terms = ReviewTerms(
        min_rows=int(raw.get("min_rows", DEFAULT_MIN_ROWS)),
        min_cell=int(raw.get("min_cell", DEFAULT_MIN_CELL)),
        quasi_identifiers=_strings(raw.get("quasi_identifiers"), "review.quasi_identifiers"),
        k=int(raw.get("k", DEFAULT_K)),
    )
    if terms.min_rows < 0 or terms.min_cell < 0 or terms.k < 1:
        raise ConfigError("review thresholds must be non-negative (k >= 1)")
    return terms


def release_reasons(
    policies: Sequence[DataPolicy | Unusable],
    room: CleanRoom,
    measurements: Mapping[str, str] | None,
) -> list[str]:
    """Why a release into ``room`` breaks a provider's policy; empty when every policy allows it.

    ``measurements`` are the attested ones (None: no verified evidence to read them from).
    """
    reasons: list[str] = []
    for p in policies:
        if isinstance(p, Unusable):
            reasons.append(f"policy {p.name}: not trusted: {p.reason}")
            continue
        cite = f"policy {p.name} clause"
        purpose = room.purpose.strip().lower()
        if purpose not in {x.strip().lower() for x in p.purposes}:
            reasons.append(
                f"{cite} purposes: room purpose {room.purpose!r} is not allowed "
                f"(allowed: {list(p.purposes)})"
            )
        if p.rooms and room.name not in p.rooms:
            reasons.append(f"{cite} rooms: room {room.name!r} is not allowed ({list(p.rooms)})")
        if p.tee and room.evidence not in p.tee:
            reasons.append(f"{cite} tee: TEE type {room.evidence!r} is not allowed ({list(p.tee)})")
        for name, allowed in sorted(p.measurements.items()):
            got = (measurements or {}).get(name)
            if got is None:
                reasons.append(f"{cite} measurements: no attested {name!r} to compare")
            elif got.lower() not in allowed:
                reasons.append(f"{cite} measurements: {name} {got[:16]}… is not allowed")
        days = room.retention_seconds / 86400
        if days > p.retention_days:
            reasons.append(
                f"{cite} retention_days: room retention {days:g}d exceeds {p.retention_days:g}d"
            )
    return reasons


def covering(
    policies: Sequence[DataPolicy | Unusable], dataset_sha256: str, dataset_name: str
) -> DataPolicy | Unusable | None:
    """The room's policy for one dataset: by content digest, else by the dataset's file name."""
    trusted = [p for p in policies if isinstance(p, DataPolicy)]
    for p in trusted:
        if p.sha256 == dataset_sha256:
            return p
    for p in trusted:
        if p.sha256 is None and p.dataset in (dataset_name, Path(dataset_name).stem):
            return p
    broken = [p for p in policies if isinstance(p, Unusable)]
    return broken[0] if broken else None
