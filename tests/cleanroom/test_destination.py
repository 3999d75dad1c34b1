"""Atomic releases into a folder and into a real S3 API server on loopback (moto)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from petgov.cleanroom.destination import ARTIFACT, MANIFEST, Destination


def _publish(dest: Destination, rid: str, payload: bytes) -> None:
    with dest.staging() as staged:
        (staged / ARTIFACT).write_bytes(payload)
        dest.commit(staged, rid, {"release_id": rid, "expires_at": "2030-01-01T00:00:00Z"})


def test_folder_release_is_atomic_and_listed(tmp_path: Path) -> None:
    dest = Destination(str(tmp_path / "room"))
    _publish(dest, "r1", b"sealed")
    _publish(dest, "r2", b"sealed2")
    names = sorted(p.name for p in (tmp_path / "room").iterdir())
    assert names == ["r1", "r2"]  # no staging folders left behind
    assert [r.manifest["release_id"] for r in dest.releases()] == ["r1", "r2"]
    dest.remove(dest.releases()[0])
    assert [r.manifest["release_id"] for r in dest.releases()] == ["r2"]


def test_folder_staging_failure_leaves_nothing(tmp_path: Path) -> None:
    dest = Destination(str(tmp_path / "room"))
    with pytest.raises(RuntimeError), dest.staging() as staged:
        (staged / ARTIFACT).write_bytes(b"half")
        raise RuntimeError("killed")
    assert list((tmp_path / "room").iterdir()) == []
    assert dest.releases() == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[dict[str, object], str]]:
    """A real S3 API server (moto) on loopback and a fresh bucket (moto state is per process)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for k, v in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    opts: dict[str, object] = {
        "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{port}"},
        "key": "test",
        "secret": "test",
        "use_listings_cache": False,
    }
    import uuid

    import s3fs

    fs = s3fs.S3FileSystem(**opts)
    bucket = f"cleanroom-{uuid.uuid4().hex[:12]}"
    fs.mkdir(bucket)
    try:
        yield opts, bucket
    finally:
        server.stop()


def test_s3_release_commits_manifest_last(s3: tuple[dict[str, object], str]) -> None:
    import s3fs

    opts, bucket = s3
    dest = Destination(f"s3://{bucket}/research", opts)
    _publish(dest, "r1", b"sealed-bytes")
    fs = s3fs.S3FileSystem(**opts)
    assert fs.cat_file(f"{bucket}/research/r1/{ARTIFACT}") == b"sealed-bytes"
    assert fs.exists(f"{bucket}/research/r1/{MANIFEST}")
    # A release whose manifest never arrived (upload killed before commit) is invisible.
    fs.pipe_file(f"{bucket}/research/r9/artifact.env", b"partial")
    assert [r.manifest["release_id"] for r in dest.releases()] == ["r1"]
    dest.remove(dest.releases()[0])
    assert dest.releases() == []
