"""The privacy budget ledger: ε spent on previews of each dataset, against its provider's total.

One JSON file in the room's state folder, updated under a lock and replaced atomically. A
preview is charged *before* its output is written: the noise was drawn from the real data, so
the budget is spent whether or not the preview is kept.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from petgov.errors import ConfigError, VerificationError
from petgov.util.atomic import write_text_atomic

LEDGER = "privacy-ledger.json"
_TOLERANCE = 1e-9  # float sums of shares must not refuse the last exact spend


def path(state_dir: Path) -> Path:
    return state_dir / LEDGER


@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / (LEDGER + ".lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read(state_dir: Path) -> dict[str, Any]:
    p = path(state_dir)
    if not p.exists():
        return {}
    try:
        data = json.loads(p.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{p}: the privacy ledger is unreadable: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: the privacy ledger is not a JSON object")
    return data


def spent(state_dir: Path, key: str) -> float:
    """ε already spent on previews of dataset ``key``."""
    entry = _read(state_dir).get(key) or {}
    return float(entry.get("spent", 0.0))


def charge(
    state_dir: Path, key: str, epsilon: float, total: float, record: Mapping[str, Any]
) -> float:
    """Add ``epsilon`` to ``key``'s spend, or refuse (a failed check) past ``total``.

    Returns the new spend. The check and the write happen under one lock.
    """
    with _locked(state_dir):
        data = _read(state_dir)
        entry = data.setdefault(key, {"spent": 0.0, "previews": []})
        before = float(entry.get("spent", 0.0))
        if before + epsilon > total + _TOLERANCE:
            raise VerificationError(
                f"privacy budget of {key}: ε {epsilon:g} asked, {before:g} of {total:g} "
                f"already spent ({max(total - before, 0):g} left)",
                hint="ask for a smaller --epsilon, use --mechanism schema, or ask the data "
                "provider for a larger budget",
            )
        entry["spent"] = round(before + epsilon, 12)
        entry["total"] = total
        entry["previews"].append(dict(record))
        write_text_atomic(path(state_dir), json.dumps(data, indent=2, sort_keys=True))
        return float(entry["spent"])


def totals(state_dir: Path) -> dict[str, float]:
    """ε spent per dataset, as the ledger says."""
    return {str(k): float((v or {}).get("spent", 0.0)) for k, v in _read(state_dir).items()}


def against_log(state_dir: Path, records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Where the ledger says less was spent than the audit log's DP previews add up to: a
    ledger edited or restored from an old copy to win back budget."""
    logged: dict[str, float] = {}
    for rec in records:
        data = rec.get("data") or {}
        if rec.get("event") == "preview.made" and data.get("ledger_key"):
            key = str(data["ledger_key"])
            logged[key] = logged.get(key, 0.0) + float(data.get("epsilon") or 0.0)
    try:
        booked = totals(state_dir)
    except ConfigError as exc:
        return [exc.message]
    return [
        f"privacy ledger: {key} shows ε {booked.get(key, 0.0):g} spent, the audit log records "
        f"{eps:g} of DP previews"
        for key, eps in sorted(logged.items())
        if booked.get(key, 0.0) + _TOLERANCE < eps
    ]
