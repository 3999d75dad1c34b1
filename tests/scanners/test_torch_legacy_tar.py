"""PyTorch's oldest tar checkpoints: every member's pickles are walked, never loaded."""

from __future__ import annotations

import io
import struct
import tarfile
from pathlib import Path

import pytest

from petgov.inventory import formats as F
from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan
from tests.scanners.pickle_asm import call, glob, pickle2, tup, ustr

_SYSTEM = call(glob("os", "system"), ustr("id"))


def _storages(record: bytes = tup(ustr("0"), ustr("cpu"), glob("torch", "FloatStorage"))) -> bytes:
    # count, then (key, location, storage_type) + int64 element count + float32 data, then views
    return pickle2(b"K\x01") + pickle2(record) + struct.pack("<q", 2) + b"\0" * 8 + pickle2(b"]")


def _tensors(key: bytes = ustr("1")) -> bytes:
    record = struct.pack("<ii", 1, 0) + struct.pack("<qqq", 2, 1, 0)  # ndim, pad, size, stride, off
    return pickle2(b"K\x01") + pickle2(key) + record


def _legacy_tar(path: Path, storages: bytes, tensors: bytes, main: bytes) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in (("storages", storages), ("tensors", tensors), ("pickle", main)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    path.write_bytes(buf.getvalue())
    return path


def _ser(path: Path) -> list[tuple[Severity, str]]:
    report = scan([str(path)], ScanOptions(scanners=["petgov-pickle"]))
    assert report.items[0].format == F.PYTORCH_LEGACY
    return [
        (d.finding.severity, d.finding.message)
        for d in report.decisions
        if d.finding.kind.startswith("ser.")
    ]


def test_benign_legacy_tar_is_clean(tmp_path: Path) -> None:
    found = _ser(_legacy_tar(tmp_path / "old.pt", _storages(), _tensors(), pickle2(b"}")))
    assert found == []


@pytest.mark.parametrize("member", ["storages", "tensors", "pickle"])
def test_payload_in_any_member_is_critical(tmp_path: Path, member: str) -> None:
    parts = {
        "storages": _storages(tup(ustr("0"), ustr("cpu"), _SYSTEM)),
        "tensors": _tensors(_SYSTEM),
        "pickle": pickle2(_SYSTEM),
    }
    args = [
        parts["storages"] if member == "storages" else _storages(),
        parts["tensors"] if member == "tensors" else _tensors(),
        parts["pickle"] if member == "pickle" else pickle2(b"}"),
    ]
    found = _ser(_legacy_tar(tmp_path / "evil.pt", *args))
    assert any(sev == Severity.CRITICAL and "os.system" in msg for sev, msg in found), found


def test_payload_after_storage_data_is_found(tmp_path: Path) -> None:
    # A second storage record placed after the first storage's raw bytes.
    storages = (
        pickle2(b"K\x02")
        + pickle2(tup(ustr("0"), ustr("cpu"), glob("torch", "DoubleStorage")))
        + struct.pack("<q", 1)
        + b"\0" * 8
        + pickle2(tup(ustr("1"), ustr("cpu"), _SYSTEM))
    )
    found = _ser(_legacy_tar(tmp_path / "evil2.pt", storages, _tensors(), pickle2(b"}")))
    assert any(sev == Severity.CRITICAL for sev, _ in found), found


def test_undelimited_storage_is_reported(tmp_path: Path) -> None:
    storages = pickle2(b"K\x01") + pickle2(tup(ustr("0"), ustr("cpu"), ustr("?"))) + b"\0" * 16
    found = _ser(_legacy_tar(tmp_path / "odd.pt", storages, _tensors(), pickle2(b"}")))
    assert any(sev >= Severity.MEDIUM and "storages" in msg for sev, msg in found), found
