"""Freshness: single-use nonces with an expiry, so old evidence cannot be replayed.

`issue` records a random nonce; `consume` accepts it once, before it expires, and never again
(it is marked used even when the promotion it served is then denied).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from petgov.errors import VerificationError
from petgov.util.atomic import write_text_atomic
from petgov.util.clock import iso, parse_instant, system_clock


class ReplayError(VerificationError):
    """A nonce is unknown, expired or already used."""

    default_hint = "ask for a fresh challenge with 'petgov cleanroom challenge NAME'"


@contextlib.contextmanager
def _locked(store: Path) -> Iterator[dict[str, Any]]:
    store.parent.mkdir(parents=True, exist_ok=True)
    with open(store.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data: dict[str, Any] = json.loads(store.read_text()) if store.exists() else {}
        try:
            yield data
        finally:  # a refused nonce is still burned: persist whatever changed
            write_text_atomic(store, json.dumps(data, indent=1, sort_keys=True))
            fcntl.flock(lock, fcntl.LOCK_UN)


def store_path(state_dir: Path) -> Path:
    """The challenge store of a clean room."""
    return state_dir / "challenges.json"


def issue(state_dir: Path, ttl_seconds: int, now: dt.datetime | None = None) -> dict[str, str]:
    """Create a 32-byte nonce valid for ``ttl_seconds``; returns its record."""
    now = now or system_clock()
    nonce = os.urandom(32).hex()
    record = {
        "nonce": nonce,
        "issued_at": iso(now),
        "expires_at": iso(now + dt.timedelta(seconds=ttl_seconds)),
    }
    with _locked(store_path(state_dir)) as data:
        # Drop long-expired records so the store stays small.
        for key in [k for k, v in data.items() if _expired(v, now, grace=86400)]:
            del data[key]
        data[nonce] = {**record, "used_at": None}
    return record


def consume(state_dir: Path, nonce: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Mark ``nonce`` used, or raise ReplayError saying why it cannot be."""
    now = now or system_clock()
    with _locked(store_path(state_dir)) as data:
        rec = data.get(nonce.lower())
        if rec is None:
            raise ReplayError("unknown nonce: it was not issued by this clean room")
        if rec.get("used_at"):
            raise ReplayError(f"nonce already used at {rec['used_at']} (replay)")
        rec["used_at"] = iso(now)
        if _expired(rec, now):
            raise ReplayError(f"nonce expired at {rec['expires_at']}")
        return dict(rec)


def _expired(rec: dict[str, Any], now: dt.datetime, grace: int = 0) -> bool:
    return parse_instant(rec["expires_at"]) + dt.timedelta(seconds=grace) < now
