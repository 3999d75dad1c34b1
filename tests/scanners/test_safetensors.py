"""safetensors header checks on files built here, byte by byte."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path
from typing import Any

import pytest

from petgov import filetypes as F
from petgov.formats import FormatError
from petgov.formats.safetensors import read_header
from petgov.model import Severity
from petgov.scanners.safetensors import SafetensorsScanner
from tests.scanners.header_helpers import run_scanner


def build(tensors: dict[str, Any], data: bytes, metadata: dict[str, str] | None = None) -> bytes:
    doc: dict[str, Any] = dict(tensors)
    if metadata is not None:
        doc["__metadata__"] = metadata
    header = json.dumps(doc).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + data


def t(dtype: str, shape: list[int], begin: int, end: int) -> dict[str, Any]:
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


GOOD = build(
    {"w": t("F32", [2, 2], 0, 16), "b": t("BF16", [4], 16, 24)},
    bytes(24),
    {"format": "pt"},
)


def scan(data: bytes) -> list[str]:
    result = run_scanner(SafetensorsScanner(), "m.safetensors", F.SAFETENSORS, data)
    for f in result.findings:
        # an absurd header length is an allocation attack (high); other damage is medium
        high = f.evidence["problem"] == "header_too_large"
        assert f.rule_id == "PG-SER-301"
        assert f.severity is (Severity.HIGH if high else Severity.MEDIUM)
    assert "safetensors" in {c.engine for c in result.coverage}
    return [str(f.evidence["problem"]) for f in result.findings]


def test_good_file_parses_and_is_clean() -> None:
    header = read_header(io.BytesIO(GOOD), len(GOOD))
    assert [(x.name, x.dtype, x.shape, x.nbytes) for x in header.tensors] == [
        ("w", "F32", (2, 2), 16),
        ("b", "BF16", (4,), 8),
    ]
    assert header.metadata == {"format": "pt"}
    assert ("__metadata__.format", "pt") in list(header.strings())
    assert header.problems == []
    assert scan(GOOD) == []


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"\x01\x02", "truncated"),
        (struct.pack("<Q", 1 << 40) + b"{}", "header_too_large"),
        (struct.pack("<Q", 500) + b"{}", "header_past_end"),
        (struct.pack("<Q", 4) + b"\xff\xfe{}", "bad_utf8"),
        (struct.pack("<Q", 4) + b'{"a"', "bad_json"),
        (struct.pack("<Q", 2) + b"[]", "bad_json"),
    ],
)
def test_unreadable_headers_are_findings(data: bytes, problem: str) -> None:
    with pytest.raises(FormatError) as err:
        read_header(io.BytesIO(data), len(data))
    assert err.value.code == problem
    assert scan(data) == [problem]


@pytest.mark.parametrize(
    ("tensors", "data_len", "problem"),
    [
        ({"a": t("F32", [4], 0, 16), "b": t("F32", [4], 8, 24)}, 24, "overlap"),
        ({"a": t("F32", [4], 0, 16), "b": t("F32", [2], 24, 32)}, 32, "gap"),
        ({"a": t("F32", [4], 0, 16)}, 40, "trailing_data"),
        ({"a": t("F32", [4], 0, 16)}, 8, "offset_past_end"),
        ({"a": t("F32", [3], 0, 16)}, 16, "size_mismatch"),
        ({"a": t("Q9", [4], 0, 16)}, 16, "bad_dtype"),
        ({"a": t("F32", [-4], 0, 16)}, 16, "bad_shape"),
        ({"a": t("F32", [4], 16, 0)}, 16, "bad_offsets"),
        ({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, True]}}, 16, "bad_offsets"),
    ],
)
def test_layout_problems(tensors: dict[str, Any], data_len: int, problem: str) -> None:
    data = build(tensors, bytes(data_len))
    assert problem in scan(data)


def test_duplicate_keys_and_bad_metadata() -> None:
    header = b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
    header += b'"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"__metadata__":{"k":1}}'
    data = struct.pack("<Q", len(header)) + header + b"\x00"
    problems = scan(data)
    assert "duplicate_key" in problems and "bad_metadata" in problems


def test_sub_byte_dtypes_round_up() -> None:
    data = build({"a": t("F4", [3], 0, 2)}, bytes(2))
    assert scan(data) == []


def test_generated_file_through_cli(tmp_path: Path, cli: Any, validate_report: Any) -> None:
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(build({"a": t("F32", [4], 0, 16), "b": t("F32", [4], 8, 24)}, bytes(24)))
    res = cli("scan", str(tmp_path), "--format", "json")
    doc = res.json()
    validate_report(doc)
    tensor = [f for f in doc["findings"] if f["engine"] != "provenance"]  # unsigned: its own rule
    assert [f["evidence"]["problem"] for f in tensor] == ["overlap"]
    assert res.code == 0  # medium warns under the default fail_on=high
