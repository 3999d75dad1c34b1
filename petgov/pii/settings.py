"""``[tool.petgov.pii]``: which countries' identifiers are checked, and how to redact.

Read through petgov's one config reader; a wrong key or value is a clear exit 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov.config import ConfigFile
from petgov.errors import ConfigError

REDACT_METHODS = ("mask", "fake", "hash", "drop", "keep")


@dataclass(frozen=True)
class RedactSettings:
    """How ``petgov redact`` rewrites what the scan found (per entity, per column)."""

    default: str = "mask"
    entities: Mapping[str, str] = field(default_factory=dict)
    columns: Mapping[str, str] = field(default_factory=dict)
    key_env: str = "PETGOV_REDACT_KEY"  # the keyed hash's secret comes from this variable


@dataclass(frozen=True)
class PiiSettings:
    """The ``[pii]`` table: countries (None: all known) and redaction."""

    countries: tuple[str, ...] | None = None
    redact: RedactSettings = field(default_factory=RedactSettings)


def load(config_file: Path | None) -> PiiSettings:
    """``[pii]`` of the named config file, else of the one discovered from the working dir."""
    from petgov import config

    return pii_settings(config.read(config_file) if config_file else config.discover())


def pii_settings(found: ConfigFile | None) -> PiiSettings:
    """The ``[pii]`` table of a config file (defaults when there is none)."""
    raw = found.section("pii") if found is not None else None
    if raw is None or found is None:
        return PiiSettings()
    where = f"{found.path} [pii]"
    _table(raw, where, {"countries", "redact"})
    countries = raw.get("countries")
    if countries is not None:
        countries = _countries(countries, where)
    redact = raw.get("redact")
    return PiiSettings(
        countries, _redact(redact, f"{where[:-1]}.redact]") if redact else RedactSettings()
    )


def _table(raw: Any, where: str, known: set[str]) -> None:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown settings {', '.join(unknown)}",
            hint=f"known: {', '.join(sorted(known))}",
        )


def _countries(value: Any, where: str) -> tuple[str, ...]:
    from petgov.pii.national_ids import COUNTRIES

    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise ConfigError(f"{where}: countries must be a list of ISO country codes")
    known = set(COUNTRIES) | {"US", "GB", "UK"}
    bad = sorted(c for c in value if c.upper() not in known and c.lower() != "all")
    if bad:
        raise ConfigError(
            f"{where}: unknown countries {', '.join(bad)}",
            hint=f"known: {', '.join(sorted(known))}",
        )
    if any(c.lower() == "all" for c in value):
        return tuple(sorted(COUNTRIES))
    return tuple(c.upper() for c in value)


def _redact(raw: Any, where: str) -> RedactSettings:
    _table(raw, where, {"default", "entities", "columns", "key_env"})
    default = raw.get("default", "mask")
    _method(default, f"{where} default")
    maps: dict[str, dict[str, str]] = {}
    for key in ("entities", "columns"):
        table = raw.get(key, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where} {key}: expected a table of name = method")
        for name, method in table.items():
            _method(method, f"{where} {key}.{name}")
        maps[key] = {str(k): str(v) for k, v in table.items()}
    key_env = raw.get("key_env", "PETGOV_REDACT_KEY")
    if not isinstance(key_env, str) or not key_env:
        raise ConfigError(f"{where} key_env: expected an environment variable name")
    return RedactSettings(default, maps["entities"], maps["columns"], key_env)


def _method(value: Any, where: str) -> None:
    if value not in REDACT_METHODS:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(REDACT_METHODS)}")
