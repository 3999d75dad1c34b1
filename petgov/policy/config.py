"""Policy configuration from ``petgov.toml`` or ``[tool.petgov]`` in ``pyproject.toml``.

Layering without forking: packs load in order (later packs override earlier rule ids), then
``overrides`` change severity/mode or disable a rule by id (glob), then ``fail_on``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov.errors import PolicyError
from petgov.model import Mode, Severity

REMOTE_SCHEMES = ("https://", "oci://")


@dataclass
class PackRef:
    """Where one pack comes from: ``builtin``, a folder, a tarball pinned by sha256, or a URL."""

    source: str
    sha256: str | None = None

    @property
    def remote(self) -> bool:
        """Named by URL (``https://``, ``oci://``): fetched by digest (policy.remote)."""
        return self.source.startswith(REMOTE_SCHEMES)


@dataclass
class Override:
    rule: str  # id or glob
    severity: Severity | None = None
    mode: Mode | None = None
    disable: bool = False


@dataclass
class PolicyConfig:
    packs: list[PackRef] = field(default_factory=lambda: [PackRef("builtin")])
    overrides: list[Override] = field(default_factory=list)
    fail_on: Severity | None = None
    require_signature: bool = False
    pack_keys: list[Path] = field(default_factory=list)  # public keys trusted to sign packs
    waivers: str | None = None
    base: Path = field(default_factory=Path.cwd)
    origin: str = "defaults"


def find_config(policy_file: Path | None, config_dir: Path | None) -> PolicyConfig:
    """The explicit ``--policy`` file, else the discovered petgov config (petgov.config)."""
    from petgov import config

    if policy_file is not None:
        found: config.ConfigFile | None = config.read(policy_file)
    else:
        found = config.discover([config_dir or Path.cwd()])
    if found is None or found.path is None:
        return PolicyConfig(base=config_dir or Path.cwd())
    return parse_config(dict(found.table), found.path)


POLICY_KEYS = ("packs", "overrides", "fail_on", "require_signature", "pack_keys", "waivers")
# Other tables petgov reads from the same file, and pyproject.toml's own tables.
OTHER_KEYS = (
    "cleanrooms",
    "shadow_ai",
    "limits",
    "pii",
    "tool",
    "project",
    "build-system",
    "dependency-groups",
)


def parse_config(doc: Any, where: Path) -> PolicyConfig:
    if not isinstance(doc, dict):
        raise PolicyError(f"policy {where}: expected a table")
    unknown = sorted(set(doc) - set(POLICY_KEYS) - set(OTHER_KEYS))
    if unknown:  # a typo (fail-on, pack-keys) must not silently fall back to the defaults
        raise PolicyError(
            f"policy {where}: unknown settings {', '.join(unknown)}",
            hint=f"known: {', '.join(POLICY_KEYS + OTHER_KEYS[:3])}",
        )
    cfg = PolicyConfig(base=where.parent, origin=str(where))
    packs = doc.get("packs")
    if packs is not None:
        cfg.packs = []
        for p in packs if isinstance(packs, list) else [packs]:
            if isinstance(p, str):
                cfg.packs.append(PackRef(p))
            elif isinstance(p, dict) and p.get("source"):
                cfg.packs.append(PackRef(str(p["source"]), p.get("sha256")))
            else:
                raise PolicyError(f"policy {where}: each pack is a path or {{source, sha256}}")
    for o in _overrides(doc.get("overrides"), where):
        cfg.overrides.append(o)
    if doc.get("fail_on"):
        cfg.fail_on = Severity.parse(str(doc["fail_on"]))
    cfg.require_signature = bool(doc.get("require_signature", False))
    keys = doc.get("pack_keys", []) or []
    cfg.pack_keys = [cfg.base / str(k) for k in (keys if isinstance(keys, list) else [keys])]
    if doc.get("waivers"):
        cfg.waivers = str(doc["waivers"])
    return cfg


def _overrides(raw: Any, where: Path) -> list[Override]:
    """Accept ``[overrides.PG-X-1] severity=...`` tables or a list of ``{rule=...}``."""
    if raw is None:
        return []
    items = [{"rule": k, **v} for k, v in raw.items()] if isinstance(raw, dict) else raw
    out = []
    for o in items:
        if not isinstance(o, dict) or not o.get("rule"):
            raise PolicyError(f"policy {where}: each override needs a rule id")
        try:
            out.append(
                Override(
                    rule=str(o["rule"]),
                    severity=Severity(str(o["severity"]).lower()) if o.get("severity") else None,
                    mode=Mode(str(o["mode"]).lower()) if o.get("mode") else None,
                    disable=bool(o.get("disable", False)),
                )
            )
        except ValueError as exc:
            raise PolicyError(f"policy {where}: override {o['rule']}: {exc}") from None
    return out
