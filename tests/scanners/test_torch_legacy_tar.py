"""PyTorch's oldest tar checkpoints: every member's pickles are walked, never loaded."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from petgov import filetypes as F
from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan
from tests.scanners.pickle_asm import glob, pickle2, tup, ustr
from tests.scanners.serial_cases import SYSTEM, legacy_tar, storages, tensors


def _ser(path: Path) -> list[tuple[Severity, str]]:
    report = scan([str(path)], ScanOptions(scanners=["pickle"]))
    assert report.items[0].format == F.PYTORCH_LEGACY
    return [
        (d.finding.severity, d.finding.message)
        for d in report.decisions
        if d.finding.kind.startswith("ser.")
    ]


def test_benign_legacy_tar_is_clean(tmp_path: Path) -> None:
    found = _ser(legacy_tar(tmp_path / "old.pt", storages(), tensors(), pickle2(b"}")))
    assert found == []


@pytest.mark.parametrize("member", ["storages", "tensors", "pickle"])
def test_payload_in_any_member_is_critical(tmp_path: Path, member: str) -> None:
    parts = {
        "storages": storages(tup(ustr("0"), ustr("cpu"), SYSTEM)),
        "tensors": tensors(SYSTEM),
        "pickle": pickle2(SYSTEM),
    }
    args = [
        parts["storages"] if member == "storages" else storages(),
        parts["tensors"] if member == "tensors" else tensors(),
        parts["pickle"] if member == "pickle" else pickle2(b"}"),
    ]
    found = _ser(legacy_tar(tmp_path / "evil.pt", *args))
    assert any(sev == Severity.CRITICAL and "os.system" in msg for sev, msg in found), found


def test_payload_after_storage_data_is_found(tmp_path: Path) -> None:
    # A second storage record placed after the first storage's raw bytes.
    storages = (
        pickle2(b"K\x02")
        + pickle2(tup(ustr("0"), ustr("cpu"), glob("torch", "DoubleStorage")))
        + struct.pack("<q", 1)
        + b"\0" * 8
        + pickle2(tup(ustr("1"), ustr("cpu"), SYSTEM))
    )
    found = _ser(legacy_tar(tmp_path / "evil2.pt", storages, tensors(), pickle2(b"}")))
    assert any(sev == Severity.CRITICAL for sev, _ in found), found


def test_undelimited_storage_is_reported(tmp_path: Path) -> None:
    storages = pickle2(b"K\x01") + pickle2(tup(ustr("0"), ustr("cpu"), ustr("?"))) + b"\0" * 16
    found = _ser(legacy_tar(tmp_path / "odd.pt", storages, tensors(), pickle2(b"}")))
    assert any(sev >= Severity.MEDIUM and "storages" in msg for sev, msg in found), found


def test_legacy_tar_members_obey_the_time_limit(tmp_path: Path) -> None:
    """--timeout reaches the legacy tar walker too (it used its own unbounded Analysis)."""
    from petgov.scanners.options import PickleOptions, ScannerOptions

    main = b"\x80\x02]" + b"K\x01a" * 200_000 + b"."  # 400k opcodes
    path = legacy_tar(tmp_path / "old.pt", storages(), tensors(), main)
    options = ScanOptions(
        scanners=["pickle"], scanner_options=ScannerOptions(pickle=PickleOptions(timeout=1e-6))
    )
    report = scan([str(path)], options)
    assert report.gate_failed
    gap = [d.finding for d in report.decisions if d.finding.kind == "coverage.unexamined"]
    assert len(gap) == 1 and "time limit reached" in gap[0].message
