"""Import heavy engines only when a command needs them, with a typed error when absent."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from petgov.errors import EngineError


def require(module: str, *, purpose: str, package: str | None = None) -> ModuleType:
    """Import ``module`` or raise EngineError naming the package to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        pkg = package or module.split(".")[0]
        raise EngineError(
            f"{purpose} needs the '{pkg}' package, which failed to import: {exc}",
            hint=f"pip install {pkg}",
        ) from exc


def available(module: str) -> bool:
    """Whether ``module`` could be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
