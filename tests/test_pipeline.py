"""The pipeline's own guarantees, with fakes that subclass the stage interfaces (conftest.py):
a crash is ERROR coverage, a code-bearing item no scanner examined is NOT_SCANNED, every
scanner sees every entry it applies to (archive members included), target scanners see all."""

from __future__ import annotations

import datetime as dt
import gc
import io
import zipfile

import pytest

from petgov import filetypes as F
from petgov.demo import harmless_payload_pickle, safetensors_bytes
from petgov.model import Coverage, CoverageStatus, ScanResult
from petgov.pipeline import ScanOptions, inventory, run_scanners, scan
from petgov.scanners.interface import ScanContext, Scanner
from petgov.targets.archive import ArchiveLimits
from tests.conftest import MemoryResolver, RecordingScanner, TargetRecorder

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _run(files: dict[str, bytes], *scanners: Scanner) -> tuple[dict[str, str], list[Coverage]]:
    target = MemoryResolver(files).resolve("mem://t")
    inv = inventory(target, ArchiveLimits())
    result = run_scanners(inv, list(scanners), ScanContext(now=NOW))
    formats = {e.item.path: e.item.format for e in inv.entries}
    return formats, list(result.coverage)


def test_scanners_see_archive_members_by_sniffed_format() -> None:
    rec = RecordingScanner({F.PICKLE})
    formats, _ = _run({"bundle.zip": _zip({"inner/w.bin": harmless_payload_pickle()})}, rec)
    assert formats["mem://t/bundle.zip!/inner/w.bin"] == F.PICKLE  # by content, not name
    assert rec.seen == ["mem://t/bundle.zip!/inner/w.bin"]


def test_a_scanner_crash_is_error_coverage_and_the_others_still_run() -> None:
    crashing = RecordingScanner({F.PICKLE}, crash_on="a.pkl")
    files = {"a.pkl": harmless_payload_pickle(), "b.pkl": harmless_payload_pickle()}
    _, coverage = _run(files, crashing)
    by_path = {c.path: c for c in coverage}
    assert by_path["mem://t/a.pkl"].status is CoverageStatus.ERROR
    assert "fake engine crash" in by_path["mem://t/a.pkl"].reason
    assert by_path["mem://t/b.pkl"].status is CoverageStatus.SCANNED


def test_code_bearing_item_no_scanner_examined_is_not_scanned() -> None:
    only_safetensors = RecordingScanner({F.SAFETENSORS})
    files = {"w.safetensors": safetensors_bytes(), "x.pkl": harmless_payload_pickle()}
    _, coverage = _run(files, only_safetensors)
    gaps = {c.path: c.reason for c in coverage if c.status is CoverageStatus.NOT_SCANNED}
    assert gaps == {"mem://t/x.pkl": "no enabled scanner handles format pickle"}


def test_target_scanner_sees_every_entry_once() -> None:
    target = TargetRecorder()
    files = {"a.txt": b"hello\n", "b.zip": _zip({"c.txt": b"x"})}
    _run(files, target)
    assert target.entries == ["mem://t/a.txt", "mem://t/b.zip", "mem://t/b.zip!/c.txt"]


def test_the_collector_runs_less_often_during_a_scan_and_as_before_after() -> None:
    before = gc.get_threshold()
    during: list[tuple[int, ...]] = []

    def claim(target: str) -> ScanResult:
        during.append(gc.get_threshold())
        if target == "boom":
            raise RuntimeError("claim failed")
        return ScanResult()

    scan(["t"], ScanOptions(scanners=["pickle"]), claim=claim)
    assert during[0][0] >= 50_000 and during[0][1:] == before[1:]
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError, match="claim failed"):
        scan(["boom"], ScanOptions(scanners=["pickle"]), claim=claim)
    assert gc.get_threshold() == before
