"""Where the top-level ``rules/`` and ``templates/`` folders are, installed or not.

In a source checkout or editable install they sit next to the package; a wheel carries them
as ``petgov/data/rules`` and ``petgov/data/templates`` (links in the repo, copied at build).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def shipped_dir(name: str) -> Path | None:
    """The shipped folder ``name`` (``rules`` or ``templates``), or None when it is missing."""
    for candidate in (PACKAGE / "data" / name, PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    return None
