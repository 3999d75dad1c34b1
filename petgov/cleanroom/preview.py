"""`cleanroom preview`: the programming stage's stand-in for a dataset, on its provider's terms.

A consumer writes and debugs code against the preview; only the execution stage touches the
real data. The provider's policy names the mechanisms allowed (`schema`: random values with the
source's columns and types; `dp-synthetic`: differentially private synthetic rows; `public`: a
named public dataset) and the privacy budget; flags may only ask for less. A DP preview is
charged to the dataset's ledger before anything is written, the preview is scanned for personal
data before it is written, and every outcome is recorded in the room's audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from petgov.cleanroom import data_policy, ledger
from petgov.cleanroom.config import CleanRoom
from petgov.cleanroom.data_policy import DataPolicy, PreviewTerms, Unusable
from petgov.cleanroom.engines import PiiVerdict
from petgov.cleanroom.room_audit import open_log
from petgov.errors import OutputError, UsageError, VerificationError
from petgov.inventory.hashing import sha256_file
from petgov.privacy import schema_random, synthetic_table, tables
from petgov.util.atomic import atomic_open

DEFAULT_EPSILON = 1.0  # per preview, when neither the flag nor the policy's epsilon_max says
DEFAULT_SCHEMA_ROWS = 1000  # a schema preview's row count says nothing about the source
PiiScanner = Callable[[Path], PiiVerdict]


@dataclass
class PreviewResult:
    """What was made (or why not), as shown to the provider and recorded in the audit log."""

    allowed: bool
    cleanroom: str
    dataset: str
    source_sha256: str
    mechanism: str | None = None
    epsilon: float = 0.0
    seed: int | None = None
    policy: dict[str, Any] | None = None
    output: str | None = None
    output_sha256: str | None = None
    rows: int | None = None
    budget: dict[str, float] | None = None  # spent and total after this preview
    ledger_key: str | None = None  # whose budget a DP preview was charged to
    reasons: list[str] = field(default_factory=list)
    modelled: list[str] = field(default_factory=list)
    random_columns: dict[str, str] = field(default_factory=dict)
    tree: list[tuple[str, str]] = field(default_factory=list)
    utility: dict[str, float] = field(default_factory=dict)  # non-private: the provider's only

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def audit_data(self) -> dict[str, Any]:
        """The record: mechanism, ε, seed, source digest; never the utility (it reads the data)."""
        data = self.to_dict()
        data.pop("utility")
        return data


def _terms(
    policy: DataPolicy | Unusable | None, room: CleanRoom, result: PreviewResult
) -> PreviewTerms | None:
    """The provider's preview terms, or None (with the reason) when no preview may be made."""
    if isinstance(policy, Unusable):
        result.reasons.append(f"policy {policy.name}: not trusted: {policy.reason}")
        return None
    if policy is None:
        if room.data_policies:
            result.reasons.append(
                f"no data provider policy of room {room.name!r} covers this dataset "
                f"(sha256 {result.source_sha256[:16]}…): nothing may be previewed"
            )
            return None
        return PreviewTerms()  # no provider policies at all: the documented defaults
    result.policy = policy.summary()
    cite = f"policy {policy.name} clause"
    if room.purpose.strip().lower() not in {p.strip().lower() for p in policy.purposes}:
        result.reasons.append(f"{cite} purposes: room purpose {room.purpose!r} is not allowed")
    if policy.rooms and room.name not in policy.rooms:
        result.reasons.append(f"{cite} rooms: room {room.name!r} is not allowed")
    return None if result.reasons else policy.preview


def _cite(policy: DataPolicy | Unusable | None, clause: str) -> str:
    if isinstance(policy, DataPolicy):
        return f"policy {policy.name} clause {clause}"
    return f"default terms ({clause})"


def preview(
    dataset: Path,
    room: CleanRoom,
    output: Path,
    *,
    now: dt.datetime,
    pii_scanner: PiiScanner,
    mechanism: str | None = None,
    epsilon: float | None = None,
    seed: int | None = None,
    rows: int | None = None,
) -> PreviewResult:
    """Make, check and write one preview; the result says why when it was refused."""
    fmt = tables.format_of(dataset)
    if tables.format_of(output) != fmt:
        raise UsageError(f"{output}: a preview keeps the source's format ({fmt})")
    if not dataset.is_file():
        from petgov.errors import TargetError

        raise TargetError(f"{dataset}: no such dataset")
    if mechanism is not None and mechanism not in data_policy.MECHANISMS:
        raise UsageError(f"--mechanism {mechanism!r}", hint=f"one of {data_policy.MECHANISMS}")
    if epsilon is not None and mechanism not in (None, "dp-synthetic"):
        raise UsageError("--epsilon applies to --mechanism dp-synthetic only")
    if epsilon is not None and epsilon <= 0:
        raise UsageError("--epsilon must be above 0")
    if rows is not None and rows < 1:
        raise UsageError("--rows must be at least 1")
    audit = open_log(room)
    source_sha = sha256_file(dataset)
    result = PreviewResult(False, room.name, str(dataset), source_sha)
    policies = data_policy.load_room_policies(room)
    policy = data_policy.covering(policies, source_sha, dataset.name)
    terms = _terms(policy, room, result)
    if terms is None:
        return _deny(audit, result)
    chosen = mechanism or terms.mechanisms[0]
    result.mechanism = chosen
    if epsilon is not None and chosen != "dp-synthetic":
        raise UsageError(f"--epsilon applies to dp-synthetic, and this preview is {chosen}")
    if chosen not in terms.mechanisms:
        result.reasons.append(
            f"{_cite(policy, 'preview.mechanisms')}: {chosen!r} is not allowed "
            f"(allowed: {list(terms.mechanisms)})"
        )
        return _deny(audit, result)
    result.seed = seed if seed is not None else secrets.randbelow(1 << 31)
    key = policy.ledger_key if isinstance(policy, DataPolicy) else f"default/{dataset.name}"
    if chosen == "schema":
        source = tables.read(dataset)
        table = schema_random.table(
            source.schema, rows or DEFAULT_SCHEMA_ROWS, result.seed, terms.bounds
        )
        result.random_columns = {f.name: "schema" for f in source.schema}
    elif chosen == "public":
        table = _public(policy, terms)
    else:
        table = _dp(dataset, room, terms, policy, key, result, pii_scanner, epsilon, rows, now)
        if table is None:
            return _deny(audit, result)
    return _check_and_write(table, fmt, output, room, audit, result, pii_scanner)


def _public(policy: DataPolicy | Unusable | None, terms: PreviewTerms) -> Any:
    if not terms.public or not isinstance(policy, DataPolicy):
        raise UsageError(
            "mechanism public needs the provider's policy to name a public dataset",
            hint="set preview.public in the dataset's policy",
        )
    public = Path(terms.public)
    return tables.read(public if public.is_absolute() else policy.path.parent / public)


def _dp(
    dataset: Path,
    room: CleanRoom,
    terms: PreviewTerms,
    policy: DataPolicy | Unusable | None,
    key: str,
    result: PreviewResult,
    pii_scanner: PiiScanner,
    epsilon: float | None,
    rows: int | None,
    now: dt.datetime,
) -> Any:
    """Charge the ledger, then synthesize; None (with reasons) when the budget says no."""
    cap = terms.epsilon_max if terms.epsilon_max is not None else DEFAULT_EPSILON
    eps = epsilon if epsilon is not None else min(cap, terms.epsilon_total)
    if terms.epsilon_max is not None and eps > terms.epsilon_max:
        result.reasons.append(
            f"{_cite(policy, 'preview.epsilon_max')}: ε {eps:g} asked, at most "
            f"{terms.epsilon_max:g} per preview"
        )
        return None
    source = tables.read(dataset)
    pii = pii_scanner(dataset)
    if pii.unread:
        result.reasons += [f"not checked for personal data: {u}" for u in pii.unread]
        return None
    personal = {
        c: "personal data: " + ", ".join(sorted(set(e)))
        for c, e in pii.columns.items()
        if not terms.keep_pii and c not in terms.keep_pii_columns
    }
    domains, skipped = synthetic_table.domains_for(
        source.schema, terms.bounds, terms.categories, terms.bins, personal
    )
    if not domains:
        raise UsageError(
            f"{dataset}: no column can be modelled with differential privacy",
            hint="the provider declares preview.bounds (numbers) or preview.categories in the "
            "policy; or use --mechanism schema",
        )
    record = {
        "time": now.isoformat(),
        "epsilon": eps,
        "seed": result.seed,
        "source_sha256": result.source_sha256,
    }
    result.ledger_key = key
    try:
        spent = ledger.charge(room.state_dir, key, eps, terms.epsilon_total, record)
    except VerificationError as exc:
        result.epsilon = eps
        result.reasons.append(f"{_cite(policy, 'preview.epsilon_total')}: {exc.message}")
        return None
    assert result.seed is not None
    synthetic = synthetic_table.make(source, domains, skipped, eps, result.seed, rows)
    result.epsilon = synthetic.epsilon
    result.budget = {"spent": spent, "total": terms.epsilon_total}
    result.modelled = synthetic.modelled
    result.random_columns = synthetic.random_columns
    result.tree = synthetic.tree
    result.utility = synthetic.utility
    return synthetic.table


def _check_and_write(
    table: Any,
    fmt: str,
    output: Path,
    room: CleanRoom,
    audit: Any,
    result: PreviewResult,
    pii_scanner: PiiScanner,
) -> PreviewResult:
    """Scan the encoded preview for personal data, then write it atomically and audit it."""
    body = tables.encode(table, fmt)
    with tempfile.TemporaryDirectory(prefix="petgov-preview-") as scratch:
        staged = Path(scratch) / f"preview{output.suffix}"
        staged.write_bytes(body)
        pii = pii_scanner(staged)
    extra = sorted(set(pii.from_values) - set(room.allowed_pii))
    if extra or pii.unread:
        result.reasons += [f"the preview holds personal data: {e}" for e in extra]
        result.reasons += [f"the preview could not be checked: {u}" for u in pii.unread]
        return _deny(audit, result)
    try:
        with atomic_open(output) as fh:
            fh.write(body)
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror}") from None
    result.allowed = True
    result.output = str(output)
    result.output_sha256 = hashlib.sha256(body).hexdigest()
    result.rows = table.num_rows
    audit.append("preview.made", result.audit_data())
    return result


def _deny(audit: Any, result: PreviewResult) -> PreviewResult:
    audit.append("preview.denied", result.audit_data())
    return result
