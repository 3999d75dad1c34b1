"""Finding kinds emitted anywhere in petgov, read from its own source (for `rules lint`).

Kinds are literals at the construction site (``kind="ser.modelscan"`` or the second argument of
a ``_finding("PG-...", "archive.bomb", ...)`` helper); a new scanner kind without a rule then
fails lint and the test suite.
"""

from __future__ import annotations

import re
from pathlib import Path

_PATTERNS = (
    re.compile(r'\bkind="([a-z_]+\.[a-z0-9_.]+)"'),
    re.compile(r'_finding\(\s*"PG-[A-Z]+-\d+",\s*"([a-z_]+\.[a-z0-9_.]+)"'),
)


def emitted_kinds(root: Path | None = None) -> dict[str, str]:
    """{kind: first source file that emits it}."""
    base = root or Path(__file__).resolve().parent.parent
    out: dict[str, str] = {}
    for py in sorted(base.rglob("*.py")):
        text = py.read_text(encoding="utf-8", errors="replace")
        for pat in _PATTERNS:
            for kind in pat.findall(text):
                out.setdefault(kind, py.relative_to(base.parent).as_posix())
    return out
