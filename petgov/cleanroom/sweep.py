"""Retention: remove releases past their `expires_at`, and log every removal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from petgov.cleanroom.config import CleanRoom
from petgov.cleanroom.destination import Destination, Release
from petgov.cleanroom.room_audit import open_log
from petgov.util.clock import parse_instant


@dataclass(frozen=True)
class Expired:
    """A release past retention and whether it was removed."""

    release: Release
    expires_at: str
    removed: bool


def sweep(room: CleanRoom, now: dt.datetime, *, dry_run: bool = False) -> list[Expired]:
    """Find (and unless ``dry_run``, remove and audit) every expired release of ``room``."""
    dest = Destination(room.destination, room.storage_options)
    audit = open_log(room)  # signed like promotions, with the room's checkpoint
    out: list[Expired] = []
    for release in dest.releases():
        expires = str(release.manifest.get("expires_at", ""))
        if not expires or parse_instant(expires) > now:
            continue
        if not dry_run:
            dest.remove(release)
            audit.append(
                "retention.removed",
                {
                    "cleanroom": room.name,
                    "release_id": release.manifest.get("release_id"),
                    "location": release.location,
                    "expires_at": expires,
                    "artifact_sha256": (release.manifest.get("artifact") or {}).get("sha256"),
                },
            )
        out.append(Expired(release, expires, removed=not dry_run))
    return out
