"""A release that fails after its gates passed is audited, typed, and leaves nothing visible.

Issue 24: a read-only or full destination made `promote` print `internal error: OSError`, with
no audit record and the nonce burned. Each step of the release gets a real I/O error injected
(a destination under a plain file, a full disk mid-envelope, a refused write, rename or fsync,
an audit log that cannot take the record); each must end in a `promote.failed` record, a typed
OutputError, an empty destination and a nonce that cannot be replayed.
"""

from __future__ import annotations

import errno
import json
import pathlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, x25519

from petgov.cleanroom import challenges
from petgov.cleanroom.audit_log import AuditLog, verify
from petgov.cleanroom.config import CleanRoom
from petgov.cleanroom.destination import MANIFEST, RECEIPT, Destination
from petgov.demo import write_key_pair
from petgov.errors import OutputError
from tests.cleanroom.test_promote import NOW, _failed, _model, _room, _run, promote_command

Inject = Callable[[pytest.MonkeyPatch, CleanRoom], str]


def _refuse(code: int, what: str) -> OSError:
    return OSError(code, __import__("os").strerror(code), what)


def _destination_under_a_file(mp: pytest.MonkeyPatch, room: CleanRoom) -> str:
    Path(room.destination).parent.write_text("a plain file where a folder should be")
    return "Not a directory"


def _staging_folder(mp: pytest.MonkeyPatch, room: CleanRoom) -> str:
    def mkdtemp(*a: Any, **k: Any) -> str:
        raise _refuse(errno.EROFS, str(room.destination))

    mp.setattr("petgov.cleanroom.destination.tempfile.mkdtemp", mkdtemp)
    return "Read-only file system"


class _FullDisk:
    """A file that takes ``room`` bytes, writes them, then fails like a full disk."""

    def __init__(self, fh: Any, room: int) -> None:
        self._fh, self._room = fh, room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            self._fh.write(data[: self._room])
            self._room = 0
            raise _refuse(errno.ENOSPC, self._fh.name)
        self._room -= len(data)
        return int(self._fh.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


def _disk_full_mid_envelope(mp: pytest.MonkeyPatch, room: CleanRoom) -> str:
    def full_open(file: Any, mode: str = "r", *a: Any, **k: Any) -> Any:
        fh = open(file, mode, *a, **k)  # noqa: SIM115 - handed to the wrapper
        return _FullDisk(fh, 200) if "w" in mode else fh

    mp.setattr("petgov.cleanroom.promote.open", full_open, raising=False)
    return "No space left on device"


def _refuse_write_of(name: str, method: str) -> Inject:
    def inject(mp: pytest.MonkeyPatch, room: CleanRoom) -> str:
        real = getattr(pathlib.Path, method)

        def write(self: Path, *a: Any, **k: Any) -> Any:
            if self.name == name:
                raise _refuse(errno.ENOSPC, str(self))
            return real(self, *a, **k)

        mp.setattr(pathlib.Path, method, write)
        return "No space left on device"

    return inject


def _rename(mp: pytest.MonkeyPatch, room: CleanRoom) -> str:
    def rename(src: Any, dst: Any) -> None:
        raise _refuse(errno.EROFS, str(dst))

    mp.setattr("os.rename", rename)
    return "Read-only file system"


def _fsync_after_rename(mp: pytest.MonkeyPatch, room: CleanRoom) -> str:
    def fsync_dir(path: Path) -> None:
        raise _refuse(errno.EIO, str(path))

    mp.setattr("petgov.cleanroom.destination._fsync_dir", fsync_dir)
    return "Input/output error"


def _audit_record(mp: pytest.MonkeyPatch, room: CleanRoom) -> str:
    real = AuditLog.append

    def append(self: AuditLog, event: str, data: Any) -> Any:
        if event == "promote.allowed":
            raise _refuse(errno.ENOSPC, str(self.path))
        return real(self, event, data)

    mp.setattr(AuditLog, "append", append)
    return "No space left on device"


STEPS: dict[str, Inject] = {
    "destination folder": _destination_under_a_file,
    "staging folder": _staging_folder,
    "envelope (disk full)": _disk_full_mid_envelope,
    "receipt": _refuse_write_of(RECEIPT, "write_text"),
    "manifest": _refuse_write_of(MANIFEST, "write_bytes"),
    "rename into place": _rename,
    "fsync after rename": _fsync_after_rename,
    "audit record": _audit_record,
}


@pytest.mark.parametrize("step", list(STEPS))
def test_release_io_failure_is_audited_typed_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    write_key_pair(
        ec.generate_private_key(ec.SECP256R1()), tmp_path / "op.pem", tmp_path / "op.pub"
    )
    room = _room(tmp_path, destination="out/releases", operator_key="op.pem")
    tee = x25519.X25519PrivateKey.generate()
    artifact = _model(tmp_path)
    nonce = challenges.issue(room.state_dir, 600, NOW)["nonce"]
    with monkeypatch.context() as mp:
        strerror = STEPS[step](mp, room)
        with pytest.raises(OutputError) as err:
            _run(tmp_path, room, artifact, tee, nonce=nonce)
    message = err.value.one_line()
    assert strerror in message and "\n" not in message, message
    records = [json.loads(x) for x in room.audit_log.read_text().splitlines()]
    assert [r["event"] for r in records] == ["promote.failed"]
    data = records[0]["data"]
    assert data["error"] == err.value.message and data["release_id"]
    assert all(g["passed"] for g in data["gates"])  # the gates had passed
    assert verify(room.audit_log).ok
    dest = Path(room.destination)
    assert Destination(str(dest)).releases() == []
    assert not dest.is_dir() or list(dest.iterdir()) == []  # not even a hidden temp folder
    replay = _run(tmp_path, room, artifact, tee, nonce=nonce)  # the nonce stays burned
    assert "already used" in _failed(replay)["freshness"][0]


def test_release_failure_through_the_cli_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any
) -> None:
    """The same failure at the command line: `error: ...` on one line, exit 2, no traceback."""
    tee = x25519.X25519PrivateKey.generate()
    (tmp_path / "out").write_text("not a folder")
    room, args = promote_command(tmp_path, monkeypatch, tee, destination="out/releases")
    res = cli(*args)
    assert res.code == 2, res.stderr
    assert res.stderr.startswith("error: releasing into clean room 'research' failed: ")
    assert res.stderr.count("\n") == 1 and "internal error" not in res.stderr
    events = [json.loads(x)["event"] for x in room.audit_log.read_text().splitlines()]
    assert events == ["promote.failed"]


def test_unauditable_release_that_cannot_be_withdrawn_says_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both the audit record and the withdrawal fail: the error names the release to remove."""
    room = _room(tmp_path)
    tee = x25519.X25519PrivateKey.generate()
    _audit_record(monkeypatch, room)

    def remove(self: Destination, release: Any) -> None:
        raise _refuse(errno.EROFS, release.location)

    monkeypatch.setattr(Destination, "remove", remove)
    with pytest.raises(OutputError) as err:
        _run(tmp_path, room, _model(tmp_path), tee)
    [release] = Destination(room.destination).releases()
    assert f"withdrawing {release.location} failed too (Read-only file system" in err.value.message
    events = [json.loads(x)["event"] for x in room.audit_log.read_text().splitlines()]
    assert events == ["promote.failed"]


def test_object_store_refusing_the_manifest_leaves_no_objects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, s3: tuple[dict[str, Any], str]
) -> None:
    """S3 takes the envelope, then refuses the manifest (the commit point): the uploaded
    envelope is tidied away, the failure is audited, nothing is listed."""
    import s3fs

    opts, bucket = s3
    room = _room(tmp_path, destination=f"s3://{bucket}/research", storage_options=opts)
    fs = s3fs.S3FileSystem(**opts)  # fsspec caches instances: the destination gets this one
    real = fs.pipe_file

    def refuse(path: str, *a: Any, **k: Any) -> Any:
        if path.endswith(MANIFEST):
            raise PermissionError(errno.EACCES, "Access Denied", path)
        return real(path, *a, **k)

    monkeypatch.setattr(fs, "pipe_file", refuse)
    with pytest.raises(OutputError, match="Access Denied"):
        _run(tmp_path, room, _model(tmp_path), x25519.X25519PrivateKey.generate())
    fs.invalidate_cache()
    assert fs.find(f"{bucket}/research") == []
    assert Destination(room.destination, opts).releases() == []
    events = [json.loads(x)["event"] for x in room.audit_log.read_text().splitlines()]
    assert events == ["promote.failed"]
