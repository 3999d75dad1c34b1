"""The audit log of a clean room, checked against everything else the room keeps.

A log and its head can be emptied or rolled back together; the room's other state cannot be
made to agree as easily: the checkpoint (kept where ``audit_checkpoint`` says), the audit
position each release's manifest and signed receipt carry, the releases present in the
destination and the nonces already used. ``verify_room`` hands all of it to the log check.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from petgov.cleanroom import challenges
from petgov.cleanroom.audit_log import AuditLog, AuditVerdict, Position, RoomHistory, verify
from petgov.cleanroom.config import CleanRoom
from petgov.cleanroom.destination import RECEIPT, Destination
from petgov.errors import ConfigError, PetgovError


def operator_key(room: CleanRoom) -> Any | None:
    """The operator's signing key, when the room has one."""
    if room.operator_key is None:
        return None
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(room.operator_key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"{room.operator_key}: not a usable operator key: {exc}") from exc


def open_log(room: CleanRoom) -> AuditLog:
    """The room's audit log, signing with the operator key and writing the room's checkpoint."""
    return AuditLog(
        room.audit_log, signing_key=operator_key(room), checkpoint=room.audit_checkpoint
    )


def history(room: CleanRoom, public_key: Any | None = None) -> tuple[RoomHistory, list[str]]:
    """What the destination and the nonce store say the log holds, and any unusable receipt."""
    from petgov.cleanroom import receipt

    found = RoomHistory()
    problems: list[str] = []
    try:
        releases = Destination(room.destination, room.storage_options).releases()
    except (OSError, ValueError) as exc:  # unreachable or damaged: it cannot vouch, so say so
        releases = []
        problems.append(f"{room.destination}: cannot list the releases: {exc}")
    for release in releases:
        rid = str(release.manifest.get("release_id"))
        found.release_ids.append(rid)
        pos = release.manifest.get("audit")
        signed = Path(release.location) / RECEIPT
        if public_key is not None and not room.is_remote and signed.exists():
            try:
                stmt = receipt.verify(json.loads(signed.read_bytes()), public_key)
            except (OSError, ValueError, PetgovError) as exc:
                problems.append(f"release {rid}: receipt does not verify: {exc}")
                continue
            pos = stmt["predicate"].get("audit", pos)
        if isinstance(pos, dict) and isinstance(pos.get("seq"), int):
            found.positions.append(Position(f"release {rid}", pos["seq"], str(pos.get("hash"))))
    store = challenges.store_path(room.state_dir)
    if store.exists():
        try:
            nonces = json.loads(store.read_text())
            found.used_nonces = sum(1 for v in nonces.values() if v.get("used_at"))
        except (OSError, ValueError, AttributeError):
            problems.append(f"{store}: the challenge store is unreadable")
    return found, problems


def _ledger_problems(room: CleanRoom) -> list[str]:
    """The privacy ledger must account for every DP preview the log records."""
    from petgov.cleanroom import ledger

    if not room.audit_log.exists():
        return []
    lines = room.audit_log.read_bytes().splitlines()
    records = [r for r in map(_record, lines) if r is not None]
    return ledger.against_log(room.state_dir, records)


def _record(line: bytes) -> dict[str, Any] | None:
    """One log line as JSON; a torn or edited line is None (the log check itself reports it)."""
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def overdue(room: CleanRoom, now: dt.datetime) -> list[str]:
    """Releases past their ``expires_at`` that are still in the destination (not swept)."""
    from petgov.util.clock import parse_instant

    out: list[str] = []
    try:
        releases = Destination(room.destination, room.storage_options).releases()
    except (OSError, ValueError):
        return out  # history() already says the destination cannot be listed
    for release in releases:
        expires = str(release.manifest.get("expires_at") or "")
        rid = release.manifest.get("release_id")
        if not expires:
            out.append(f"release {rid} carries no expiry (expires_at): retention cannot apply")
        elif parse_instant(expires) <= now:
            out.append(
                f"release {rid} expired at {expires} and was not swept "
                f"(run: petgov cleanroom sweep {room.name})"
            )
    return out


def verify_room(
    room: CleanRoom, public_key: Any | None = None, now: dt.datetime | None = None
) -> AuditVerdict:
    """Verify the room's log with its checkpoint and against its releases and nonces; with
    ``now``, also that no release outlived its retention."""
    found, problems = history(room, public_key)
    if now is not None:
        problems += overdue(room, now)
    problems += _ledger_problems(room)
    verdict = verify(room.audit_log, public_key, checkpoint=room.audit_checkpoint, history=found)
    verdict.problems += problems
    verdict.ok = not verdict.problems
    return verdict
