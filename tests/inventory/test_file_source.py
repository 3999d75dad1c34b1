"""A local file read once: held whole while its scanners run, its first bytes kept after."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from petgov import pipeline
from petgov.demo import harmless_payload_pickle, safetensors_bytes
from petgov.pipeline import ScanOptions, scan
from petgov.targets.interface import FileSource


def test_a_small_file_is_held_then_released_with_its_head_kept(tmp_path: Path) -> None:
    path = tmp_path / "m.bin"
    data = bytes(range(256)) * 2
    path.write_bytes(data)
    source = FileSource(path)
    assert source.hold(1 << 20) == len(data)
    assert source.held() == data
    with source.open() as fh:
        assert fh.read() == data
    source.release()
    assert source.held() is None
    path.write_bytes(b"x" * len(data))  # what is read after release comes from the file...
    assert source.read_head(FileSource.HEAD_KEPT) == data[: FileSource.HEAD_KEPT]  # ...but the head
    assert source.read_head(100) == b"x" * 100  # more than the kept head: read again
    with source.open() as fh:
        assert fh.read() == b"x" * len(data)


def test_a_file_shorter_than_the_kept_head_is_answered_whole(tmp_path: Path) -> None:
    path = tmp_path / "pointer"
    path.write_bytes(b"version 1\n")
    source = FileSource(path)
    source.hold(1 << 20)
    source.release()
    path.unlink()
    assert source.read_head(1000) == b"version 1\n"


def test_a_file_over_the_limit_or_changed_since_listing_is_not_held(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"a" * 100)
    assert FileSource(path).hold(99) == 0
    listed = FileSource(path, size=100)
    path.write_bytes(b"a" * 150)  # grew after the walk: read as a file, never half-held
    assert listed.hold(1 << 20) == 0
    assert listed.held() is None
    assert listed.read_head(200) == b"a" * 150


def _report(folder: Path) -> dict[str, Any]:
    doc: dict[str, Any] = scan([str(folder)], ScanOptions()).to_dict()
    doc.pop("created_at", None)
    return doc


def test_files_released_at_listing_are_judged_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past the held budget a small file is let go after sniffing and read again, once, for its
    # item scanners: the report is the one every file held gives.
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "evil.pkl").write_bytes(harmless_payload_pickle())
    (folder / "state.pkl").write_bytes(pickle.dumps({"w": [1.0] * 40, "token": "x" * 12}))
    (folder / "w.safetensors").write_bytes(safetensors_bytes())
    held = _report(folder)
    monkeypatch.setattr(pipeline, "HOLD_BUDGET", 0)
    assert _report(folder) == held
    assert any(f["kind"] == "ser.dangerous_global" for f in held["findings"])
