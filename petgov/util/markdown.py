"""Markdown text that is safe to interpolate: scanned strings cannot open links, tags or cells."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")  # links need [ ], so ( ) ! stay as they are


def md(value: object) -> str:
    """Inline-safe text: HTML entities for ``<&``, backslash before Markdown syntax, one line."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = " ".join(text.split())
    return _SPECIAL.sub(r"\\\1", text)
