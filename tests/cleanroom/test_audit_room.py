"""`audit verify --room`: a log rolled back or wiped with its head and checkpoint is still caught
by what the rest of the room keeps (signed receipts, releases, used nonces)."""

from __future__ import annotations

import shutil
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, x25519

from petgov.cleanroom.audit_log import verify
from petgov.cleanroom.room_audit import verify_room
from petgov.demo import write_key_pair
from tests.cleanroom.test_promote import _model, _room, _run


def _signed_room(tmp: Path, **extra: object):  # type: ignore[no-untyped-def]
    key = ec.generate_private_key(ec.SECP256R1())
    write_key_pair(key, tmp / "operator.pem", tmp / "operator.pub")
    room = _room(tmp, operator_key="operator.pem", **extra)
    cfg = tmp / "petgov.toml"
    lines = [f'{k} = "{v}"' for k, v in extra.items()]
    cfg.write_text(
        "[cleanrooms.research]\n"
        'destination = "releases"\nevidence = "gcp-cs"\nreference = "ref.yaml"\n'
        'require_signature = false\noperator_key = "operator.pem"\n' + "\n".join(lines) + "\n"
    )
    return room, key, cfg


def test_rollback_to_an_older_consistent_state_folder_fails_room_verify(
    tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """Log, head and checkpoint restored together from an old copy were 'OK' before."""
    room, operator, cfg = _signed_room(tmp_path)
    tee = x25519.X25519PrivateKey.generate()
    artifact = _model(tmp_path)
    assert _run(tmp_path, room, artifact, tee).allowed
    snapshot = tmp_path / "snapshot"
    shutil.copytree(room.state_dir, snapshot)
    assert _run(tmp_path, room, artifact, tee, nonce="00" * 32).allowed is False  # denied: seq 1
    later = _run(tmp_path, room, artifact, tee)
    assert later.allowed
    at = ("--now", "2026-11-01T12:00:00Z")  # the releases' retention has not run out yet
    good = cli("cleanroom", "audit", "verify", "--room", "research", "--config", str(cfg), *at)
    assert good.code == 0 and "OK: 3 records" in good.stdout, good.stdout
    shutil.rmtree(room.state_dir)
    shutil.copytree(snapshot, room.state_dir)
    assert verify(room.audit_log, operator.public_key()).ok  # consistent in itself
    res = cli(
        "cleanroom",
        "audit",
        "verify",
        "--room",
        "research",
        "--config",
        str(cfg),
        "--key",
        str(tmp_path / "operator.pub"),
    )
    assert res.code == 1, res.stdout
    assert f"release {later.release_id} was made after seq 1" in res.stdout
    assert f"release {later.release_id} is in the destination but not in the log" in res.stdout


def test_wiped_state_folder_fails_room_verify(tmp_path: Path) -> None:
    """Log, head and checkpoint all deleted: the releases still say there was a history."""
    room, operator, _ = _signed_room(tmp_path)
    tee = x25519.X25519PrivateKey.generate()
    result = _run(tmp_path, room, _model(tmp_path), tee)
    for name in ("audit.jsonl", "audit.jsonl.head", "audit.jsonl.checkpoint"):
        (room.state_dir / name).unlink()
    v = verify_room(room, operator.public_key())
    assert not v.ok
    assert "head marker is missing: truncation cannot be ruled out" in v.problems
    assert f"release {result.release_id} is in the destination but not in the log" in v.problems
    assert "1 challenge nonce(s) were used, but the log has no records" in v.problems


def test_room_checkpoint_in_a_second_place_catches_a_rollback_without_releases(
    tmp_path: Path,
) -> None:
    """Only denials (no release to vouch): the checkpoint the room keeps elsewhere decides."""
    room, operator, _ = _signed_room(tmp_path, audit_checkpoint="anchor/audit.checkpoint")
    tee = x25519.X25519PrivateKey.generate()
    artifact = _model(tmp_path)
    _run(tmp_path, room, artifact, tee, nonce="11" * 32)
    snapshot = tmp_path / "snapshot"
    shutil.copytree(room.state_dir, snapshot)
    _run(tmp_path, room, artifact, tee, nonce="22" * 32)
    assert (tmp_path / "anchor/audit.checkpoint").exists()
    assert (room.state_dir / "audit.jsonl.checkpoint").exists()  # a plain verify finds this one
    assert verify_room(room, operator.public_key()).ok
    shutil.rmtree(room.state_dir)
    shutil.copytree(snapshot, room.state_dir)
    v = verify_room(room, operator.public_key())
    anchor = tmp_path / "anchor/audit.checkpoint"
    assert not v.ok and v.problems == [
        f"log ends at seq 0 but checkpoint {anchor} says 1: truncated, emptied or rolled back"
    ]


def test_sweep_records_are_signed_like_promotions(tmp_path: Path) -> None:
    """`sweep` appended unsigned records, so `audit verify --key` failed on any swept room."""
    import datetime as dt

    from petgov.cleanroom.sweep import sweep
    from tests.cleanroom.test_promote import NOW

    room, operator, _ = _signed_room(tmp_path)
    tee = x25519.X25519PrivateKey.generate()
    assert _run(tmp_path, room, _model(tmp_path), tee).allowed
    assert len(sweep(room, NOW + dt.timedelta(days=2))) == 1
    v = verify_room(room, operator.public_key())
    assert v.ok and v.records == 2, v.problems


def test_unlistable_destination_fails_room_verify_in_one_line(tmp_path: Path) -> None:
    """A release whose manifest is damaged cannot vouch for the log: a problem, not a crash."""
    room, operator, _ = _signed_room(tmp_path)
    result = _run(tmp_path, room, _model(tmp_path), x25519.X25519PrivateKey.generate())
    (Path(str(result.location)) / "manifest.json").write_text("{not json")
    v = verify_room(room, operator.public_key())
    assert not v.ok and len(v.problems) == 1
    assert v.problems[0].startswith(f"{room.destination}: cannot list the releases: Expecting")
