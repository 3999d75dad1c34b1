"""`cleanroom review`: an execution-stage output checked before it may leave the room.

The job ran once on the real data inside the TEE; what it wrote is checked against the data
providers' policies: personal data (the PII scanner, only the room's ``allowed_pii``), the row
count, small cells in count columns, and k-anonymity on the declared quasi-identifiers. With
several providers the strictest threshold applies, and each reason names the policy it came
from. Approve or deny is recorded in the audit log; a denied output is never copied out.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from petgov.cleanroom import data_policy
from petgov.cleanroom.config import CleanRoom
from petgov.cleanroom.data_policy import DataPolicy, ReviewTerms, Unusable
from petgov.cleanroom.engines import PiiVerdict
from petgov.cleanroom.room_audit import open_log
from petgov.errors import OutputError
from petgov.inventory.hashing import sha256_file
from petgov.privacy import disclosure, tables
from petgov.util.atomic import atomic_open

PiiScanner = Callable[[Path], PiiVerdict]


@dataclass(frozen=True)
class Threshold:
    """One review threshold and the policy that set it (the strictest one wins)."""

    value: int
    source: str  # "policy bank/customers (file) clause review.min_cell", or "default"


@dataclass
class ReviewResult:
    """The verdict on one output, as shown and recorded."""

    approved: bool
    cleanroom: str
    output: str
    output_sha256: str
    rows: int = 0
    reasons: list[str] = field(default_factory=list)
    thresholds: dict[str, Any] = field(default_factory=dict)
    policies: list[dict[str, Any]] = field(default_factory=list)
    approval_required_by: list[str] = field(default_factory=list)
    copied_to: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _strictest(policies: Sequence[DataPolicy], clause: str, default: int) -> Threshold:
    """The highest value any provider's policy sets (a policy that is silent on the clause has
    the documented default); the default itself when the room has no policies."""
    if not policies:
        return Threshold(default, f"default {clause}")
    values = [(int(getattr(p.review, clause)), p) for p in policies]
    value, p = max(values, key=lambda vp: vp[0])
    return Threshold(value, f"policy {p.name} clause review.{clause}")


def review(
    output: Path,
    room: CleanRoom,
    *,
    now: dt.datetime,
    pii_scanner: PiiScanner,
    copy_to: Path | None = None,
) -> ReviewResult:
    """Check ``output``; copy it to ``copy_to`` only when every check passes; audit either way."""
    table = tables.read(output)
    audit = open_log(room)
    result = ReviewResult(False, room.name, str(output), sha256_file(output), rows=table.num_rows)
    loaded = data_policy.load_room_policies(room)
    result.reasons += [
        f"policy {p.name}: not trusted: {p.reason}" for p in loaded if isinstance(p, Unusable)
    ]
    policies = [p for p in loaded if isinstance(p, DataPolicy)]
    result.policies = [p.summary() for p in policies]
    result.approval_required_by = sorted({p.provider for p in policies if p.output_approval})
    defaults = ReviewTerms()
    min_rows = _strictest(policies, "min_rows", defaults.min_rows)
    min_cell = _strictest(policies, "min_cell", defaults.min_cell)
    k = _strictest(policies, "k", defaults.k)
    qis = sorted({q for p in policies for q in p.review.quasi_identifiers})
    result.thresholds = {
        "min_rows": asdict(min_rows),
        "min_cell": asdict(min_cell),
        "k": asdict(k),
        "quasi_identifiers": qis,
    }
    pii = pii_scanner(output)
    result.reasons += [
        f"personal data not allowed in this clean room's outputs: {e}"
        for e in sorted(set(pii.entities) - set(room.allowed_pii))
    ]
    result.reasons += [f"not checked for personal data: {u}" for u in pii.unread]
    counts = disclosure.count_columns(table)
    if counts:
        cells = disclosure.small_cells(table, counts, min_cell.value)
        if cells:
            where = ", ".join(f"row {r + 1} {c}={v}" for r, c, v in cells[:5])
            more = f" and {len(cells) - 5} more" if len(cells) > 5 else ""
            result.reasons.append(
                f"{min_cell.source}: {len(cells)} count(s) below {min_cell.value}: {where}{more}"
            )
    elif table.num_rows < min_rows.value:
        result.reasons.append(
            f"{min_rows.source}: {table.num_rows} row(s), at least {min_rows.value} needed"
        )
    present = [q for q in qis if q in table.schema.names]
    if present and not counts:
        groups = disclosure.small_groups(table, present, k.value)
        if groups:
            result.reasons.append(
                f"{k.source}: {len(groups)} combination(s) of {present} are shared by fewer "
                f"than k={k.value} rows (smallest: {groups[0][1]})"
            )
    result.approved = not result.reasons
    if result.approved and copy_to is not None:
        result.copied_to = str(copy_to)
    audit.append("review.approved" if result.approved else "review.denied", result.to_dict())
    if result.copied_to is not None:  # recorded first: nothing leaves the room unaudited
        try:
            with open(output, "rb") as src, atomic_open(Path(result.copied_to)) as dst:
                shutil.copyfileobj(src, dst)
        except OSError as exc:
            raise OutputError(
                f"approved, but copying to {copy_to} failed: {exc.strerror}",
                hint="the approval is recorded; fix the target and review again",
            ) from None
    return result
