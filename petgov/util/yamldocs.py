"""YAML documents parsed once per process.

Every scan reads the built-in rules twice: the rule catalog (a finding's id, title, severity)
and the policy pack (the rules themselves). PyYAML builds its objects in Python, ~25 ms for
the 62 rule files: the second reader gets the first one's documents.
"""

from __future__ import annotations

import functools
from typing import Any

# Larger inputs (a user's pack file may hold 256 KiB) are parsed each time, not kept.
CACHED_BYTES = 64 * 1024


def documents(raw: bytes) -> tuple[Any, ...]:
    """Every document of ``raw`` (safe loader, libyaml when present); treat them as read-only."""
    if len(raw) > CACHED_BYTES:
        return _parse(raw)
    return _cached(raw)


@functools.lru_cache(maxsize=256)
def _cached(raw: bytes) -> tuple[Any, ...]:
    return _parse(raw)


def _parse(raw: bytes) -> tuple[Any, ...]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(yaml.load_all(raw, Loader=loader))
