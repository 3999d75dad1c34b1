"""Header shapes that attack a loader (overflow, huge allocation, setattr) are high; a plain
truncated download stays medium. Files are written byte by byte here; nothing is loaded."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from petgov import filetypes as F
from petgov.model import Severity
from petgov.scanners.gguf import GGUFScanner
from petgov.scanners.onnx import OnnxScanner
from petgov.scanners.safetensors import SafetensorsScanner
from tests.scanners.header_helpers import run_scanner
from tests.scanners.test_onnx import model, node, tensor

F32 = 0


def _s(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def gguf(
    dims: tuple[int, ...] = (4, 4),
    offset: int = 0,
    data: int = 64,
    n_tensors: int | None = None,
    key_len: int | None = None,
) -> bytes:
    """GGUF v3: one u32 metadata value, one F32 tensor, aligned data of ``data`` bytes."""
    key = _s("general.alignment") if key_len is None else struct.pack("<Q", key_len) + b"x"
    kv = key + struct.pack("<II", 4, 32)
    info = _s("t") + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
    info += struct.pack("<IQ", F32, offset)
    count = 1 if n_tensors is None else n_tensors
    head = b"GGUF" + struct.pack("<IQQ", 3, count, 1) + kv + info
    head += b"\0" * (-len(head) % 32)
    return head + b"\0" * data


def _sev(scanner: object, fmt: str, data: bytes | Path, root: Path | None = None) -> list[Severity]:
    result = run_scanner(scanner, "m", fmt, data, root)  # type: ignore[arg-type]
    return [f.severity for f in result.findings]


def test_benign_gguf_is_clean() -> None:
    assert _sev(GGUFScanner(), F.GGUF, gguf()) == []


@pytest.mark.parametrize(
    ("case", "data"),
    [
        ("element_count_overflow", gguf(dims=(1 << 32, 1 << 32))),
        ("dim_wraps_int64", gguf(dims=(1 << 63, 1))),
        ("stride_wrap", gguf(dims=(1 << 61, 1))),
        ("offset_out_of_range", gguf(offset=1 << 40)),
        ("string_length_2_62", gguf(key_len=1 << 62)),
        ("tensor_count_overflow", gguf(n_tensors=1 << 60)),
    ],
)
def test_gguf_overflow_shapes_are_high(case: str, data: bytes) -> None:
    found = _sev(GGUFScanner(), F.GGUF, data)
    assert found and max(found) >= Severity.HIGH, (case, found)


def test_gguf_truncated_download_stays_medium() -> None:
    found = _sev(GGUFScanner(), F.GGUF, gguf(data=40))  # 64 data bytes declared, 40 present
    assert found and max(found) == Severity.MEDIUM, found


def test_safetensors_with_an_absurd_header_length_is_high(tmp_path: Path) -> None:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", 1 << 40) + header + b"\0" * 8)
    from petgov.inventory.sniff import sniff_bytes

    data = path.read_bytes()
    assert sniff_bytes(data[:4096], "weights.bin", len(data)) == F.SAFETENSORS
    found = _sev(SafetensorsScanner(), F.SAFETENSORS, path)
    assert found and max(found) >= Severity.HIGH, found


def test_onnx_external_data_with_an_unknown_key_is_high() -> None:
    data = model([node("Relu")], [tensor("w", "w.bin", __class__="x")])
    found = _sev(OnnxScanner(), F.ONNX, data)
    assert found and max(found) >= Severity.HIGH, found


def test_onnx_external_length_past_the_file_is_high(tmp_path: Path) -> None:
    (tmp_path / "w.bin").write_bytes(b"\0" * 16)
    ok = tmp_path / "ok.onnx"
    ok.write_bytes(model([node("Relu")], [tensor("w", "w.bin", offset="0", length="16")]))
    assert _sev(OnnxScanner(), F.ONNX, ok, tmp_path) == []
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(model([node("Relu")], [tensor("w", "w.bin", offset="8", length="4096")]))
    found = _sev(OnnxScanner(), F.ONNX, bad, tmp_path)
    assert found and max(found) >= Severity.HIGH, found


def test_onnx_external_range_that_cannot_be_checked_is_said_in_coverage(tmp_path: Path) -> None:
    """No file beside the model (or no folder at all): the coverage names what was unchecked."""
    data = model([node("Relu")], [tensor("w", "weights.bin", offset="0", length="1048576")])
    alone = tmp_path / "alone.onnx"
    alone.write_bytes(data)
    for result in (
        run_scanner(OnnxScanner(), "m", F.ONNX, alone, tmp_path),
        run_scanner(OnnxScanner(), "m", F.ONNX, data),
    ):
        (cov,) = [c for c in result.coverage if c.engine == "onnx"]
        assert "external ranges not checked against 1 file(s)" in cov.reason, cov
        assert "'weights.bin'" in cov.reason
        assert result.facts["m"]["onnx.external_unchecked"] == ["weights.bin"]
    (tmp_path / "weights.bin").write_bytes(b"\0" * 1048576)
    result = run_scanner(OnnxScanner(), "m", F.ONNX, alone, tmp_path)
    assert result.facts["m"]["onnx.external_unchecked"] == []
    assert "not checked" not in result.coverage[0].reason
