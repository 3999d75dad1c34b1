"""Human durations in configuration ('30d', '10m'): shared by clean-room and attestation files."""

from __future__ import annotations

import re

from petgov.errors import ConfigError

_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, *, what: str) -> int:
    """'30d', '10m', '12h', '45s' -> seconds; anything else is a ConfigError naming ``what``."""
    m = _DURATION.match(str(text).strip())
    if not m:
        raise ConfigError(f"{what}: {text!r} is not a duration", hint="use e.g. 10m, 12h, 30d")
    return int(m.group(1)) * _UNITS[m.group(2)]
