"""Large-file digests: started early by the CLI, adopted by the pipeline, never stale.

Every digest is compared with a plain ``hashlib.sha256`` of the file's bytes as they are when
the report is made; files changed between the early start and the scan, or during the scan,
must carry the digest of their final content.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.inventory import early, filehash, hashing
from petgov.inventory.filehash import Cancelled, DigestWorkers, FileDigest, hash_file, stamp_of
from petgov.pipeline import ScanOptions, scan
from petgov.targets import filters

MiB = 1 << 20


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: Path, size: int, seed: int) -> Path:
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB, differs per seed
    data = (block * (size // len(block) + 1))[:size]
    path.write_bytes(data)
    return path


def _rewrite_same_size(path: Path, seed: int) -> None:
    """New content, same size, and a clearly later mtime (no timestamp-granularity luck)."""
    st = path.stat()
    _write(path, st.st_size, seed)
    later = st.st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(later, later))


@pytest.fixture(autouse=True)
def _no_leftover_early_jobs() -> Any:
    yield
    early.cancel_all()


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 3 * 4096 + 17])
def test_hash_file_equals_hashlib_at_chunk_edges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    monkeypatch.setattr(filehash, "CHUNK", 4096)
    path = _write(tmp_path / "f.bin", size, size)
    digest, before, after = hash_file(str(path))
    assert digest == _sha(path)
    assert before == after == stamp_of(path.stat())


def test_shared_constants_match_the_pipeline() -> None:
    assert early.SKIP_DIRS == filters.DEFAULT_SKIP_DIRS
    assert early.IGNORE_FILE == filters.IGNORE_FILE
    assert early.LARGE_BYTES == hashing.INLINE_BYTES


def test_workers_hash_biggest_first_and_restore_the_switch_interval(tmp_path: Path) -> None:
    files = [_write(tmp_path / f"f{i}.bin", (i + 1) * 300_000, i) for i in range(5)]
    saved = sys.getswitchinterval()
    pool = DigestWorkers(workers=1)
    order: list[int] = []
    with pool._cond:  # the worker waits until every job is queued
        jobs = [pool.submit(str(f), stamp_of(f.stat())) for f in files]
        for job in jobs:
            job.on_done(lambda job: order.append(job.size))
    assert [job.confirmed() for job in jobs] == [_sha(f) for f in files]
    assert order == sorted(order, reverse=True)
    for _ in range(500):  # the worker restores it just after its last job's callbacks
        if sys.getswitchinterval() == saved:
            break
        threading.Event().wait(0.01)
    assert sys.getswitchinterval() == saved


def test_a_cancelled_job_is_not_hashed(tmp_path: Path) -> None:
    path = _write(tmp_path / "f.bin", MiB, 1)
    job = FileDigest(str(path), stamp_of(path.stat()))
    job.cancel()
    job.run()
    with pytest.raises(Cancelled):
        job.confirmed()


def test_a_digest_of_a_file_changed_after_hashing_is_computed_again(tmp_path: Path) -> None:
    path = _write(tmp_path / "f.bin", MiB, 1)
    job = FileDigest(str(path), stamp_of(path.stat()))
    job.run()
    _rewrite_same_size(path, 2)
    assert job.confirmed() == _sha(path)


def test_cli_scan_of_large_files_reports_plain_sha256(cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    (folder / "sub").mkdir(parents=True)
    files = [
        _write(folder / "a.bin", 3 * MiB + 5, 1),
        _write(folder / "sub" / "b.bin", 9 * MiB, 2),
        _write(folder / "c.bin", 300_000, 3),
        _write(folder / "small.bin", 1000, 4),
    ]
    res = cli("scan", str(folder), "--format", "json", "--no-progress", "--no-cache")
    assert res.code == 0, res.stderr
    got = {i["path"]: i["sha256"] for i in res.json()["items"]}
    assert got == {str(f): _sha(f) for f in files}


def test_an_early_digest_of_a_file_changed_before_the_scan_is_not_adopted(tmp_path: Path) -> None:
    path = _write(tmp_path / "big.bin", 2 * MiB, 1)
    assert early.start([str(tmp_path)]) == 1
    job = early._started[(path.stat().st_dev, path.stat().st_ino)]
    job.confirmed()  # the early digest is done, of the old content
    _rewrite_same_size(path, 2)
    report = scan([str(tmp_path)], ScanOptions(scanners=["pickle"]))
    assert [i.sha256 for i in report.items] == [_sha(path)]
    assert job.cancelled  # not adopted: the file is not in the state it was listed in


def test_an_early_digest_is_adopted_not_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "big.bin", 2 * MiB, 1)
    assert early.start([str(path)]) == 1
    submitted: list[str] = []
    real_submit = DigestWorkers.submit

    def counting(self: DigestWorkers, path: str, listed: filehash.Stamp) -> FileDigest:
        submitted.append(path)
        return real_submit(self, path, listed)

    monkeypatch.setattr(DigestWorkers, "submit", counting)
    report = scan([str(path)], ScanOptions(scanners=["pickle"]))
    assert [i.sha256 for i in report.items] == [_sha(path)]
    assert submitted == []


def test_a_file_modified_during_the_scan_gets_its_final_digest(tmp_path: Path) -> None:
    paths = [_write(tmp_path / f"f{i}.bin", (2 + i) * MiB, i) for i in range(3)]
    early.start([str(tmp_path)])
    changed: list[str] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage.startswith("scan ") and not changed:  # after the inventory, mid-scan
            _rewrite_same_size(paths[1], 99)
            changed.append(stage)

    report = scan([str(tmp_path)], ScanOptions(scanners=["pickle"]), progress=progress)
    assert changed
    assert {i.path: i.sha256 for i in report.items} == {str(p): _sha(p) for p in paths}


def test_early_walk_lists_what_the_pipeline_walk_hashes(tmp_path: Path) -> None:
    _write(tmp_path / "a.bin", MiB, 1)
    _write(tmp_path / "small.bin", 100, 2)
    (tmp_path / "node_modules").mkdir()
    _write(tmp_path / "node_modules" / "hidden.bin", MiB, 3)
    (tmp_path / "link.bin").symlink_to(tmp_path / "a.bin")
    assert early.start([str(tmp_path)]) == 1
    early.cancel_all()
    assert early.start([str(tmp_path)], default_skips=False) == 2
    early.cancel_all()
    assert early.start([str(tmp_path)], exclude=True) == 0  # globs: the pipeline decides
    (tmp_path / ".petgovignore").write_text("*.bin\n")
    assert early.start([str(tmp_path)]) == 0
    assert early.start(["hf://org/repo", "s3://b/k", str(tmp_path / "missing")]) == 0


def test_a_failed_scan_does_not_wait_for_early_digests(
    cli_process: Callable[..., Any], tmp_path: Path
) -> None:
    """A usage error after the early start: one line and exit 2, nothing waits for a hash."""
    big = _write(tmp_path / "big.bin", 64 * MiB, 1)
    res = cli_process("scan", str(tmp_path), "--policy", str(tmp_path / "none.toml"))
    assert res.code == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert early.start([str(big)]) == 1  # in this process: the workers are daemon threads
    assert [t.daemon for t in threading.enumerate() if t.name == "sha256"] != []
    assert all(t.daemon for t in threading.enumerate() if t.name == "sha256")


def test_value_options_are_the_parsers() -> None:
    from petgov.cli.fastscan import VALUE_OPTIONS

    assert set(VALUE_OPTIONS) == early.VALUE_OPTIONS


def test_the_raw_command_line_starts_the_targets_and_settle_keeps_only_them(
    tmp_path: Path,
) -> None:
    from petgov.cli.fastscan import scan_arguments

    model = _write(tmp_path / "model.bin", MiB, 1)
    report = _write(tmp_path / "old-report.json", MiB, 2)
    args = ["scan", "--no-progress", "-o", str(report), "--format=json", str(model)]
    early.start_from_argv(args)
    assert set(early._origin.values()) == {str(model)}
    early.cancel_all()
    early.start_from_argv(["--debug", "scan", "--digests", "none", str(model)])
    early.start_from_argv(["scan", "--engine", "spark", str(model)])
    early.start_from_argv(["cache", "info", str(model)])
    assert early._started == {}
    early.start_from_argv(["scan", "--weird", str(report), "--", str(model)])  # a wrong guess
    assert set(early._origin.values()) == {str(report), str(model)}
    jobs = dict(early._started)
    early.settle(scan_arguments(["scan", str(model)]))
    assert set(early._origin.values()) == {str(model)}
    assert [j.cancelled for j in jobs.values()].count(True) == 1
    early.settle(scan_arguments(["scan", "--digests", "none", str(model)]))
    assert early._started == {}


def test_a_scan_with_a_guessed_output_file_reports_plain_sha256(cli: Any, tmp_path: Path) -> None:
    model = _write(tmp_path / "model.bin", 3 * MiB, 1)
    out = _write(tmp_path / "report.json", MiB, 2)  # overwritten by the scan
    res = cli("scan", "--no-progress", "-o", str(out), "-f", "json", str(model))
    assert res.code == 0, res.stderr
    doc = json.loads(out.read_text())
    assert [i["sha256"] for i in doc["items"]] == [_sha(model)]


def test_a_folder_of_many_files_is_left_to_the_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_LISTED entries the early walk stops before any stat (no second walk)."""
    monkeypatch.setattr(early, "MAX_LISTED", 4)
    _write(tmp_path / "big.bin", MiB, 1)
    for i in range(4):
        _write(tmp_path / f"s{i}.bin", 10, i)
    assert early.start([str(tmp_path)]) == 0
    report = scan([str(tmp_path)], ScanOptions(scanners=["pickle"]))
    assert {Path(i.path).name: i.sha256 for i in report.items}["big.bin"] == _sha(
        tmp_path / "big.bin"
    )
