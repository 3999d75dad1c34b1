"""The sanctioned-AI list: ``[shadow_ai]`` in the user's petgov.toml (or
``[tool.petgov.shadow_ai]``), never in the folder being scanned.

```toml
[shadow_ai]
sanctioned_models = ["sentence-transformers/all-MiniLM-L6-v2", "meta-llama/*"]
allowed_revisions = { "sentence-transformers/all-MiniLM-L6-v2" = ["<40-hex commit sha>"] }
allowed_providers = ["openai"]
provider_models = ["gpt-4o*"]          # optional; empty = any model of an allowed provider
require_pinned_revision = true
```
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov import config
from petgov.config import ConfigFile
from petgov.errors import ConfigError
from petgov.shadow.detect import ModelUse


@dataclass
class SanctionedList:
    """What the org allows; patterns use shell wildcards."""

    models: list[str] = field(default_factory=list)
    revisions: dict[str, list[str]] = field(default_factory=dict)
    providers: list[str] = field(default_factory=list)
    provider_models: list[str] = field(default_factory=list)
    require_pinned: bool = True
    source: str = ""

    def model_allowed(self, ident: str) -> bool:
        low = ident.lower()
        return any(fnmatch.fnmatchcase(low, p.lower()) for p in self.models)

    def revision_allowed(self, ident: str, revision: str | None) -> bool:
        allowed = self.revisions.get(ident)
        return allowed is None or (revision is not None and revision in allowed)

    def provider_allowed(self, use: ModelUse) -> bool:
        if use.provider not in self.providers:
            return False
        if use.id is None or not self.provider_models:
            return True
        return any(fnmatch.fnmatchcase(use.id, p) for p in self.provider_models)


def _strings(value: Any, key: str, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: shadow_ai.{key} must be a list of strings")
    return list(value)


def parse(table: dict[str, Any], where: str) -> SanctionedList:
    """Validate a ``[shadow_ai]`` table."""
    revisions = table.get("allowed_revisions", {})
    if not isinstance(revisions, dict):
        raise ConfigError(f"{where}: shadow_ai.allowed_revisions must be a table")
    return SanctionedList(
        models=_strings(table.get("sanctioned_models"), "sanctioned_models", where),
        revisions={k: _strings(v, f"allowed_revisions.{k}", where) for k, v in revisions.items()},
        providers=_strings(table.get("allowed_providers"), "allowed_providers", where),
        provider_models=_strings(table.get("provider_models"), "provider_models", where),
        require_pinned=bool(table.get("require_pinned_revision", True)),
        source=where,
    )


def _section(found: ConfigFile) -> SanctionedList | None:
    table = found.section("shadow_ai")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{found.path}: shadow_ai must be a table")
    return parse(table, str(found.path))


def find(explicit: str | Path | None) -> SanctionedList | None:
    """The ``[shadow_ai]`` table of the user's configuration: the file named (``--config``,
    ``--policy``), else the one petgov.config discovers in the working directory.

    Never a file inside the scanned folder: a repo that shipped its own petgov.toml would
    sanction its own models.
    """
    found = config.read(Path(explicit)) if explicit else config.discover()
    return _section(found) if found is not None else None


def require(explicit: str | Path) -> SanctionedList:
    """The ``[shadow_ai]`` table of a file the user named; a file without one is a usage error."""
    found = find(explicit)
    if found is None:
        raise ConfigError(f"{explicit}: no [shadow_ai] table")
    return found
