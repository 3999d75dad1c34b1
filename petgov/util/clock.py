"""One injectable clock, so expiry, waivers and attestation freshness are testable."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

Clock = Callable[[], dt.datetime]

_override: dt.datetime | None = None


def system_clock() -> dt.datetime:
    """The current UTC time, or PETGOV_NOW (ISO 8601) when set for reproducible runs."""
    if _override is not None:
        return _override
    fixed = os.environ.get("PETGOV_NOW")
    if fixed:
        return parse_instant(fixed)
    return dt.datetime.now(dt.timezone.utc)


def set_now(value: dt.datetime | None) -> None:
    """Pin (or with None, unpin) the clock for this process; used by --now and tests."""
    global _override
    _override = value


def parse_instant(text: str) -> dt.datetime:
    """Parse ISO 8601 (date or date-time, 'Z' allowed); naive values are taken as UTC."""
    from petgov.errors import UsageError

    raw = text.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise UsageError(
            f"not an ISO 8601 time: {text!r}", hint="e.g. 2026-01-31 or 2026-01-31T12:00:00Z"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


def iso(value: dt.datetime) -> str:
    """Render a UTC timestamp the way every petgov output does (seconds, 'Z')."""
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
