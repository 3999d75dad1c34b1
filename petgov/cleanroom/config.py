"""Clean rooms as configuration: `[cleanrooms.NAME]` in petgov.toml, or a YAML file.

A clean room is stricter than a local scan: its threshold, required signer, minimum AI-BOM
completeness and allowed PII entities are gates. Everything is validated when loaded, so the
promotion code can trust it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov.attestation.interface import EVIDENCE_TYPES
from petgov.errors import ConfigError
from petgov.model import Severity
from petgov.provenance.interface import TrustMaterial
from petgov.util.durations import parse_duration

BINDINGS = ("nonce-and-key", "unbound")
SIGNER_SETTINGS = {
    "key": "signer_key",
    "identity": "signer_identity",
    "issuer": "signer_issuer",
    "trust_root": "trust_root",
}


@dataclass(frozen=True)
class CleanRoom:
    """One clean room's destination, trust requirements and data-use terms."""

    name: str
    destination: str  # a folder, or an fsspec URL such as s3://bucket/prefix
    evidence: str
    reference: Path
    state_dir: Path
    fail_on: Severity = Severity.MEDIUM
    policy: Path | None = None
    require_signature: bool = True
    signer_identity: str | None = None
    signer_issuer: str | None = None
    signer_key: Path | None = None
    trust_root: Path | None = None  # Sigstore trusted_root.json for a keyless signer_identity
    min_bom_completeness: int = 0
    allowed_pii: tuple[str, ...] = ()
    purpose: str = ""
    retention_seconds: int = 30 * 86400
    challenge_ttl_seconds: int = 600
    binding: str = "nonce-and-key"
    jwks: Path | None = None  # pinned JWKS for token evidence
    operator_key: Path | None = None  # ECDSA P-256 PEM: signs audit records and receipts
    storage_options: Mapping[str, Any] = field(default_factory=dict)
    audit_checkpoint: Path | None = None  # a second place for the audit log's checkpoint
    providers: Mapping[str, Path] = field(default_factory=dict)  # data provider -> public key
    data_policies: tuple[Path, ...] = ()  # the providers' signed policies for the room's data

    @property
    def audit_log(self) -> Path:
        return self.state_dir / "audit.jsonl"

    @property
    def is_remote(self) -> bool:
        return "://" in self.destination and not self.destination.startswith("file://")

    def signer_trust(self) -> TrustMaterial:
        """What the provenance scanner verifies signatures against: the room's signer settings."""
        return TrustMaterial(
            key=self.signer_key,
            identity=self.signer_identity,
            issuer=self.signer_issuer,
            trust_root=self.trust_root,
        )

    def check_signer(self) -> None:
        """A signer key or trust root that cannot be read is a config error (exit 2), named by
        its setting, before any nonce is spent: not a signature that failed."""
        self.signer_trust().check(SIGNER_SETTINGS)


def load(name: str, config: Path | None = None) -> CleanRoom:
    """Find clean room ``name`` in ``config`` (a TOML or YAML file) or the discovered config."""
    from petgov import config as petgov_config

    found = petgov_config.read(config) if config else petgov_config.discover()
    if found is None or found.path is None:
        raise ConfigError(
            "no petgov.toml (or pyproject.toml with [tool.petgov]) in the working directory",
            hint="describe clean rooms under [cleanrooms.NAME] in petgov.toml or pass --config",
        )
    rooms = found.section("cleanrooms")
    if not isinstance(rooms, dict) or name not in rooms:
        known = ", ".join(sorted(rooms)) if isinstance(rooms, dict) else "none"
        raise ConfigError(f"{found.path}: no clean room named {name!r}", hint=f"known: {known}")
    return from_mapping(name, rooms[name], base=found.path.parent)


def from_mapping(name: str, raw: Mapping[str, Any], *, base: Path) -> CleanRoom:
    """Validate one clean room's settings; relative paths are taken from the config's folder."""
    where = f"cleanroom {name!r}"

    def need(key: str) -> Any:
        if key not in raw or raw[key] in (None, ""):
            raise ConfigError(f"{where}: '{key}' is required")
        return raw[key]

    def rel(value: Any) -> Path:
        p = Path(str(value)).expanduser()
        return p if p.is_absolute() else base / p

    known = set(CleanRoom.__dataclass_fields__) | {"retention", "challenge_ttl"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{where}: unknown settings {sorted(unknown)}")
    evidence = str(need("evidence"))
    if evidence not in EVIDENCE_TYPES:
        raise ConfigError(f"{where}: evidence {evidence!r}", hint=f"one of {EVIDENCE_TYPES}")
    binding = str(raw.get("binding", "nonce-and-key"))
    if binding not in BINDINGS:
        raise ConfigError(f"{where}: binding {binding!r}", hint=f"one of {BINDINGS}")
    destination = str(need("destination"))
    if "://" not in destination:
        destination = str(rel(destination))
    score = int(raw.get("min_bom_completeness", 0))
    if not 0 <= score <= 100:
        raise ConfigError(f"{where}: min_bom_completeness must be 0..100")
    return CleanRoom(
        name=name,
        destination=destination,
        evidence=evidence,
        reference=rel(need("reference")),
        state_dir=rel(raw.get("state_dir", f".petgov/cleanrooms/{name}")),
        fail_on=Severity.parse(str(raw.get("fail_on", "medium"))),
        policy=rel(raw["policy"]) if raw.get("policy") else None,
        require_signature=bool(raw.get("require_signature", True)),
        signer_identity=raw.get("signer_identity"),
        signer_issuer=raw.get("signer_issuer"),
        signer_key=rel(raw["signer_key"]) if raw.get("signer_key") else None,
        trust_root=rel(raw["trust_root"]) if raw.get("trust_root") else None,
        min_bom_completeness=score,
        allowed_pii=tuple(str(e) for e in raw.get("allowed_pii", ())),
        purpose=str(raw.get("purpose", "")),
        retention_seconds=parse_duration(str(raw.get("retention", "30d")), what="retention"),
        challenge_ttl_seconds=parse_duration(
            str(raw.get("challenge_ttl", "10m")), what="challenge_ttl"
        ),
        binding=binding,
        jwks=rel(raw["jwks"]) if raw.get("jwks") else None,
        operator_key=rel(raw["operator_key"]) if raw.get("operator_key") else None,
        storage_options=dict(raw.get("storage_options", {})),
        audit_checkpoint=rel(raw["audit_checkpoint"]) if raw.get("audit_checkpoint") else None,
        providers=_providers(raw.get("providers") or {}, where, rel),
        data_policies=tuple(rel(p) for p in _list(raw.get("data_policies"), where)),
    )


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ConfigError(f"{where}: data_policies must be a list of policy files")
    return list(value)


def _providers(value: Any, where: str, rel: Any) -> dict[str, Path]:
    """Provider name -> the public key (PEM) its dataset policies must verify with."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: providers must map a provider name to its public key")
    return {str(name): rel(key) for name, key in value.items()}
