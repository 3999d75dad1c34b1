"""petgov's configuration file: one reader and one discovery rule for every section.

The policy keys, ``[shadow_ai]`` and ``[cleanrooms.NAME]`` all live in one file: a
``petgov.toml``, or the ``[tool.petgov]`` table of a ``pyproject.toml``. A file the user names
(``--policy``, ``--shadow-config``, ``cleanroom --config``) is read as given: its
``[tool.petgov]`` table when it has one, else its top level (a clean room file may be YAML).
Otherwise each folder searched (the working directory first) offers its ``petgov.toml``, else a
``pyproject.toml`` that has a ``[tool.petgov]`` table.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov.errors import ConfigError

FILE_NAMES = ("petgov.toml", "pyproject.toml")


@dataclass(frozen=True)
class ConfigFile:
    """petgov's table of one configuration file (empty for the built-in defaults)."""

    path: Path | None
    table: Mapping[str, Any] = field(default_factory=dict)

    def section(self, key: str) -> Any:
        """One section (``shadow_ai``, ``cleanrooms``) or None when the file has none."""
        return self.table.get(key)


def read(path: Path) -> ConfigFile:
    """Read the file the user named; a file that is unreadable or malformed is refused."""
    if not path.exists():
        raise ConfigError(f"{path}: no such config file")
    doc = _read_yaml(path) if path.suffix in (".yaml", ".yml") else _read_toml(path)
    tool = doc.get("tool")
    own = tool.get("petgov") if isinstance(tool, dict) else None
    return ConfigFile(path, own if isinstance(own, dict) else doc)


def discover(folders: Iterable[Path] = ()) -> ConfigFile | None:
    """The configuration in the first folder (the working directory when none) that has one."""
    for folder in list(folders) or [Path.cwd()]:
        if (folder / "petgov.toml").is_file():
            return read(folder / "petgov.toml")
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            tool = _read_toml(pyproject).get("tool")
            own = tool.get("petgov") if isinstance(tool, dict) else None
            if isinstance(own, dict):
                return ConfigFile(pyproject, own)
    return None


# Parsed TOML by its text: a scan asks for its configuration once per section (policy, PII,
# shadow AI, clean rooms), and a large pyproject.toml costs ~1 ms to parse each time.
_PARSED: dict[str, dict[str, Any]] = {}


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        text = path.read_text(encoding="utf-8")
        data = _PARSED.get(text)
        if data is None:
            data = _PARSED[text] = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return copy.deepcopy(data)  # callers own what they get, the cache keeps the parse


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    from petgov.util.yamlerr import yaml_problem

    try:
        data = yaml.safe_load(path.read_bytes()) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {yaml_problem(exc)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of petgov settings")
    return data
