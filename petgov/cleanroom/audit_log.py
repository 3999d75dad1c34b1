"""A tamper-evident, append-only JSONL audit log.

Each record carries ``seq``, the previous record's hash and its own hash (SHA-256 over the
canonical JSON of everything else), optionally an operator signature over that hash. A head
file beside the log (``LOG.head``: last seq and hash, written atomically after each append)
makes truncation visible. A checkpoint (``LOG.checkpoint``, and a copy in a second place when the
room names one; signed with the operator key when there is one) repeats the last seq and hash,
so a log emptied or rolled back together with its head still fails: the checkpoint says how
long it was.
``verify`` finds edits, deletions, reordering, truncation and rollback and says at which record.
A crash between the writes leaves the log one record ahead of its head or checkpoint, which
verify accepts (and says); a torn final line is repaired on the next append.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov.util.atomic import write_text_atomic
from petgov.util.clock import iso, system_clock

GENESIS = "0" * 64


def _canonical(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: Mapping[str, Any]) -> str:
    """Hash of a record without its ``hash`` and ``sig`` fields."""
    body = {k: v for k, v in record.items() if k not in ("hash", "sig")}
    return hashlib.sha256(_canonical(body)).hexdigest()


def head_path(log: Path) -> Path:
    """Where the head marker of ``log`` lives."""
    return log.with_name(log.name + ".head")


def checkpoint_path(log: Path) -> Path:
    """Where the checkpoint of ``log`` lives (beside it; a room may keep a copy elsewhere)."""
    return log.with_name(log.name + ".checkpoint")


CHECKPOINT_SCHEMA = "petgov-audit-checkpoint-v1"


def _checkpoints(log: Path, elsewhere: Path | None) -> list[Path]:
    """Beside the log always (so a plain verify finds it), plus the room's second place."""
    places = [checkpoint_path(log)]
    if elsewhere is not None and Path(elsewhere) != places[0]:
        places.append(Path(elsewhere))
    return places


def _checkpoint(record: Mapping[str, Any], signing_key: Any | None) -> dict[str, Any]:
    """The signed statement 'the log had ``seq`` + 1 records, the last hashing to ``hash``'."""
    body: dict[str, Any] = {
        "schema": CHECKPOINT_SCHEMA,
        "seq": record["seq"],
        "hash": record["hash"],
        "time": record["time"],
    }
    if signing_key is not None:
        digest = hashlib.sha256(_canonical(body)).hexdigest()
        body["sig"] = base64.b64encode(_sign(signing_key, digest)).decode()
    return body


@contextlib.contextmanager
def _locked(log: Path) -> Iterator[None]:
    lock = log.with_name(log.name + ".lock")
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read_lines(log: Path) -> tuple[list[bytes], bytes]:
    """Complete lines and a torn tail (bytes after the last newline)."""
    if not log.exists():
        return [], b""
    data = log.read_bytes()
    complete, _, tail = data.rpartition(b"\n")
    lines = complete.split(b"\n") if complete else []
    return lines, tail


class AuditLog:
    """Appends hash-chained records; optionally signs each with an operator key."""

    def __init__(
        self, path: Path, signing_key: Any | None = None, checkpoint: Path | None = None
    ) -> None:
        self.path = Path(path)
        self.signing_key = signing_key
        self.checkpoints = _checkpoints(self.path, checkpoint)

    def last(self) -> tuple[int, str]:
        """The seq and hash of the last complete record: (-1, GENESIS) for an empty log."""
        lines, _ = _read_lines(self.path)
        if not lines:
            return -1, GENESIS
        rec = json.loads(lines[-1])
        return int(rec["seq"]), str(rec["hash"])

    def append(self, event: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Append one decision record durably and return it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(self.path):
            lines, tail = _read_lines(self.path)
            if tail:  # a crash tore the last write: drop the fragment, keep the chain
                with open(self.path, "r+b") as fh:
                    fh.truncate(sum(len(x) + 1 for x in lines))
            prev = json.loads(lines[-1]) if lines else None
            record: dict[str, Any] = {
                "seq": (prev["seq"] + 1) if prev else 0,
                "time": iso(system_clock()),
                "event": event,
                "data": dict(data),
                "prev": prev["hash"] if prev else GENESIS,
            }
            record["hash"] = record_hash(record)
            if self.signing_key is not None:
                record["sig"] = base64.b64encode(_sign(self.signing_key, record["hash"])).decode()
            with open(self.path, "ab") as fh:
                fh.write(_canonical(record) + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
            write_text_atomic(
                head_path(self.path), json.dumps({"seq": record["seq"], "hash": record["hash"]})
            )
            text = json.dumps(_checkpoint(record, self.signing_key), sort_keys=True)
            for place in self.checkpoints:
                place.parent.mkdir(parents=True, exist_ok=True)
                write_text_atomic(place, text)
            return record


def _sign(key: Any, digest_hex: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    msg = bytes.fromhex(digest_hex)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(msg)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(msg, ec.ECDSA(hashes.SHA256()))
    raise TypeError("operator keys must be Ed25519 or ECDSA")


def _check_sig(key: Any, digest_hex: str, sig_b64: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    msg = bytes.fromhex(digest_hex)
    try:
        sig = base64.b64decode(sig_b64, validate=True)
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, msg)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, msg, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class AuditVerdict:
    """The outcome of verifying a log: ok, the problems (with record numbers), and notes."""

    ok: bool
    records: int
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Position:
    """A place in the log another record vouches for: a release made when ``seq`` was last."""

    source: str  # what vouches, e.g. "release 2026...-ab12"
    seq: int
    hash: str


@dataclass
class RoomHistory:
    """What the rest of a clean room's state says the log must contain."""

    positions: list[Position] = field(default_factory=list)
    release_ids: list[str] = field(default_factory=list)  # releases present in the destination
    used_nonces: int = 0


def verify(
    path: Path,
    public_key: Any | None = None,
    *,
    checkpoint: Path | None = None,
    history: RoomHistory | None = None,
) -> AuditVerdict:
    """Check every link, hash and signature, the head marker, the checkpoints (``LOG.checkpoint``
    and ``checkpoint`` when given) and, for a room, that the log holds what its releases and
    nonces say."""
    path = Path(path)
    lines, tail = _read_lines(path)
    problems: list[str] = []
    notes: list[str] = []
    prev_hash = GENESIS
    last_seq = -1
    hashes: dict[int, str] = {}
    released: set[str] = set()
    for n, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
            seq, stored, prev = rec["seq"], rec["hash"], rec["prev"]
        except (ValueError, KeyError, TypeError):
            problems.append(f"line {n}: not a valid record")
            continue
        if seq != last_seq + 1:
            problems.append(
                f"line {n}: sequence {seq} follows {last_seq} (deleted or reordered records)"
            )
        if prev != prev_hash:
            problems.append(f"line {n} (seq {seq}): previous-hash link broken")
        if record_hash(rec) != stored:
            problems.append(f"line {n} (seq {seq}): content does not match its hash (edited)")
        if public_key is not None:
            sig = rec.get("sig")
            if not sig or not _check_sig(public_key, stored, sig):
                problems.append(f"line {n} (seq {seq}): operator signature missing or invalid")
        prev_hash = stored
        last_seq = seq if isinstance(seq, int) else last_seq
        if isinstance(seq, int):
            hashes[seq] = str(stored)
        data = rec.get("data")
        if rec.get("event") == "promote.allowed" and isinstance(data, dict):
            released.add(str(data.get("release_id")))
    if tail:
        notes.append("the final line is incomplete (a crash during append); it is ignored")
    history = history or RoomHistory()
    places = _checkpoints(path, checkpoint)
    cp_exists = any(p.exists() for p in places)
    head_file = head_path(path)
    if head_file.exists():
        try:
            head = json.loads(head_file.read_text())
            if head["seq"] > last_seq:
                problems.append(
                    f"log ends at seq {last_seq} but its head says {head['seq']}: truncated"
                )
            elif head["seq"] == last_seq and head["hash"] != prev_hash:
                problems.append("the last record does not match the head marker (rewritten)")
            elif head["seq"] == last_seq - 1:
                notes.append("one record was appended after the head marker (crash window)")
            elif head["seq"] < last_seq - 1:
                problems.append(f"head marker at seq {head['seq']} lags the log ({last_seq})")
        except (ValueError, KeyError, TypeError):
            problems.append("head marker is unreadable")
    elif last_seq == 0 and not (
        cp_exists or history.positions or history.release_ids or history.used_nonces
    ):  # the first append is durable before its head marker is written
        notes.append("the first record was appended before its head marker (crash window)")
    elif lines or cp_exists or history.positions or history.release_ids or history.used_nonces:
        problems.append("head marker is missing: truncation cannot be ruled out")
    for place in places:
        if place.exists():
            problems += _check_checkpoint(place, public_key, last_seq, hashes, notes)
        elif last_seq >= 1:  # every completed append wrote one; only the first can be cut short
            problems.append(f"checkpoint {place} is missing: a rollback cannot be ruled out")
    for pos in history.positions:
        if pos.seq > last_seq:
            problems.append(
                f"{pos.source} was made after seq {pos.seq}, but the log ends at seq "
                f"{last_seq}: truncated, emptied or rolled back"
            )
        elif pos.seq >= 0 and hashes.get(pos.seq) != pos.hash:
            problems.append(
                f"{pos.source} names record seq {pos.seq} with another hash (rewritten)"
            )
    for release_id in history.release_ids:
        if release_id not in released:
            problems.append(f"release {release_id} is in the destination but not in the log")
    if history.used_nonces and not lines:
        problems.append(
            f"{history.used_nonces} challenge nonce(s) were used, but the log has no records"
        )
    return AuditVerdict(ok=not problems, records=len(lines), problems=problems, notes=notes)


def _check_checkpoint(
    checkpoint: Path,
    public_key: Any | None,
    last_seq: int,
    hashes: Mapping[int, str],
    notes: list[str],
) -> list[str]:
    """Problems with the log as measured against its (signed) checkpoint."""
    try:
        cp = json.loads(checkpoint.read_text())
        seq, digest = cp["seq"], cp["hash"]
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise TypeError("seq")
    except (OSError, ValueError, KeyError, TypeError):
        return [f"checkpoint {checkpoint} is unreadable"]
    problems: list[str] = []
    if public_key is not None:
        body = {k: v for k, v in cp.items() if k != "sig"}
        signed = hashlib.sha256(_canonical(body)).hexdigest()
        sig = cp.get("sig")
        if not isinstance(sig, str) or not _check_sig(public_key, signed, sig):
            problems.append(f"checkpoint {checkpoint}: operator signature missing or invalid")
    if seq > last_seq:
        problems.append(
            f"log ends at seq {last_seq} but checkpoint {checkpoint} says {seq}: "
            "truncated, emptied or rolled back"
        )
    elif hashes.get(seq) != digest:
        problems.append(f"record seq {seq} does not match checkpoint {checkpoint} (rewritten)")
    elif seq == last_seq - 1:
        notes.append(f"one record was appended after checkpoint {checkpoint} (crash window)")
    elif seq < last_seq - 1:
        problems.append(f"checkpoint {checkpoint} at seq {seq} lags the log ({last_seq}): old")
    return problems
