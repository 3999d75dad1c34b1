"""Digests in the inventory: which items get one, overlapped hashing, failures said."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

from petgov.inventory.hashing import DigestMode
from petgov.model import Item, Origin
from petgov.pipeline import ScanOptions, inventory, resolve, scan
from petgov.targets.archive import ArchiveLimits
from petgov.targets.interface import BytesSource, RawEntry, ResolvedTarget, Source


def _torch_style_zip(path: Path) -> dict[str, bytes]:
    members = {
        "archive/data.pkl": pickle.dumps({"w": [1, 2, 3]}, protocol=2),
        "archive/version": b"3\n",
        "archive/data/0": os.urandom(300_000),
        "archive/data/1": os.urandom(200_000),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return members


def _by_member(items: list[Item]) -> dict[str, Item]:
    return {i.path.split("!/")[-1] if i.depth else "": i for i in items}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_top_mode_hashes_files_and_structured_members_not_raw_blobs(
    tmp_path: Path, validate_report: Callable[[dict[str, Any]], None]
) -> None:
    path = tmp_path / "model.pt"
    members = _torch_style_zip(path)
    report = scan([str(path)], ScanOptions(scanners=["pickle"]))
    items = _by_member(list(report.items))
    assert items[""].sha256 == _sha(path.read_bytes())
    assert items["archive/data.pkl"].sha256 == _sha(members["archive/data.pkl"])
    assert items["archive/version"].sha256 == _sha(b"3\n")
    assert items["archive/data/0"].format == "binary"
    assert items["archive/data/0"].sha256 is None and items["archive/data/1"].sha256 is None
    doc = report.to_dict()
    validate_report(doc)
    assert doc["facts"][str(path)]["inventory.digests"] == "top"


def test_all_mode_hashes_every_member(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    members = _torch_style_zip(path)
    report = scan([str(path)], ScanOptions(scanners=["pickle"], digests=DigestMode.ALL))
    items = _by_member(list(report.items))
    for name, data in members.items():
        assert items[name].sha256 == _sha(data), name
    assert items[""].sha256 == _sha(path.read_bytes())


def test_none_mode_hashes_nothing_and_stays_schema_valid(
    tmp_path: Path, validate_report: Callable[[dict[str, Any]], None]
) -> None:
    path = tmp_path / "model.pt"
    _torch_style_zip(path)
    report = scan([str(path)], ScanOptions(scanners=["pickle"], digests=DigestMode.NONE))
    assert [i.sha256 for i in report.items] == [None] * len(report.items)
    validate_report(report.to_dict())


def test_folder_files_are_all_hashed_in_top_mode(tmp_path: Path) -> None:
    blobs = {f"f{i}.bin": os.urandom(50_000 + i) for i in range(6)}
    for name, data in blobs.items():
        (tmp_path / name).write_bytes(data)
    report = scan([str(tmp_path)], ScanOptions(scanners=["pickle"]))
    got = {Path(i.path).name: i.sha256 for i in report.items}
    assert got == {name: _sha(data) for name, data in blobs.items()}


class _FailsOnSecondOpen(Source):
    """Readable for sniffing, then gone: the hash must fail alone and be reported."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)
        self.opens = 0

    def open(self) -> IO[bytes]:
        self.opens += 1
        if self.opens > 1:
            raise OSError(5, "I/O error")
        return io.BytesIO(self.data)


def test_a_failed_hash_is_reported_and_the_rest_still_hashed() -> None:
    good = pickle.dumps([1], protocol=2)
    target = ResolvedTarget(
        "t",
        None,
        [
            RawEntry("bad.pkl", _FailsOnSecondOpen(pickle.dumps([2])), Origin()),
            RawEntry("good.pkl", BytesSource(good), Origin()),
        ],
    )
    inv = inventory(target, ArchiveLimits())
    by_path = {e.item.path: e.item.sha256 for e in inv.entries}
    assert by_path == {"bad.pkl": None, "good.pkl": _sha(good)}
    errors = [c for c in inv.result.coverage if c.path == "bad.pkl"]
    assert errors and "cannot hash" in errors[0].reason


def test_cli_digests_option(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    _torch_style_zip(path)
    res = cli("scan", str(path), "--digests", "none", "--format", "json", "--no-progress")
    assert res.code == 0, res.stderr
    assert all(i["sha256"] is None for i in res.json()["items"])
    bad = cli("scan", str(path), "--digests", "some")
    assert bad.code == 2 and "digests" in bad.stderr


@pytest.mark.parametrize("mode", list(DigestMode))
def test_inventory_without_waiting_then_finish(tmp_path: Path, mode: DigestMode) -> None:
    path = tmp_path / "model.pt"
    _torch_style_zip(path)
    target = resolve(str(path))
    inv = inventory(target, ArchiveLimits(), mode, wait=False)
    items = inv.finish()
    top = [i for i in items if i.depth == 0]
    expected = None if mode is DigestMode.NONE else _sha(path.read_bytes())
    assert [i.sha256 for i in top] == [expected]


@pytest.mark.parametrize("has_file_digest", [True, False])
def test_sha256_file_with_and_without_file_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, has_file_digest: bool
) -> None:
    """One file hasher for inventory, clean room and bundles; Python 3.10 has no file_digest."""
    from petgov.inventory.hashing import sha256_file

    if not has_file_digest:
        monkeypatch.delattr(hashlib, "file_digest")
    data = os.urandom(3 << 20) + b"tail"  # several 1 MiB chunks plus a partial one
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert sha256_file(path) == _sha(data)
    with pytest.raises(FileNotFoundError):
        sha256_file(tmp_path / "missing.bin")


def test_small_items_hash_inline_large_ones_in_the_pool(tmp_path: Path) -> None:
    """Below INLINE_BYTES the digest is ready at once (no pool job); above, a pool thread
    hashes it; both give the file's sha256."""
    import threading

    from petgov.inventory.hashing import INLINE_BYTES, BackgroundHasher
    from petgov.targets.interface import FileSource

    small, large = tmp_path / "small.bin", tmp_path / "large.bin"
    small.write_bytes(os.urandom(INLINE_BYTES))
    large.write_bytes(os.urandom(INLINE_BYTES + 1))
    before = threading.active_count()
    hasher = BackgroundHasher()
    try:
        quick = hasher.submit(FileSource(small))
        assert quick.done() and threading.active_count() == before
        slow = hasher.submit(FileSource(large))
        assert quick.result() == _sha(small.read_bytes())
        assert slow.result() == _sha(large.read_bytes())
    finally:
        hasher.close()
