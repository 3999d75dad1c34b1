"""Golden files with an update switch: ``PETGOV_UPDATE_GOLDEN=1 make unit`` rewrites them.

A golden file pins a whole output, so an unintended change in any field shows up as a diff in
review; an intended one is accepted by regenerating and committing the new file.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

UPDATE_ENV = "PETGOV_UPDATE_GOLDEN"


def updating() -> bool:
    """Whether this run rewrites golden files instead of comparing against them."""
    return os.environ.get(UPDATE_ENV, "") not in ("", "0")


def check(path: Path, actual: str) -> None:
    """Compare ``actual`` with the golden file at ``path`` (or write it when updating)."""
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        raise AssertionError(f"{path} is missing; create it with {UPDATE_ENV}=1")
    expected = path.read_text(encoding="utf-8")
    if expected != actual:
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "golden", "actual", lineterm="", n=2
        )
        shown = "\n".join(list(diff)[:60])
        raise AssertionError(
            f"{path.name} differs (rerun with {UPDATE_ENV}=1 if intended):\n{shown}"
        )
