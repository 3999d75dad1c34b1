"""ONNX external data and custom domains, on ModelProto bytes written here field by field."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

from petgov import filetypes as F
from petgov.formats import FormatError
from petgov.formats.onnx import escapes, parse_model, read_model
from petgov.model import Severity
from petgov.scanners.onnx import OnnxScanner
from tests.scanners.header_helpers import run_scanner


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def vfield(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def lfield(number: int, payload: bytes | str) -> bytes:
    raw = payload.encode() if isinstance(payload, str) else payload
    return varint(number << 3 | 2) + varint(len(raw)) + raw


def node(op: str, domain: str = "", *attrs: bytes) -> bytes:
    return lfield(1, "x") + lfield(2, "y") + lfield(4, op) + lfield(7, domain) + b"".join(attrs)


def tensor(name: str, location: str | None = None, raw: bytes = b"", **extra: str) -> bytes:
    out = vfield(1, 4) + vfield(2, 1) + lfield(8, name)
    if raw:
        out += lfield(9, raw)
    if location is not None:
        out += lfield(13, lfield(1, "location") + lfield(2, location))
        for key, value in extra.items():
            out += lfield(13, lfield(1, key) + lfield(2, value))
        out += vfield(14, 1)
    return out


def model(nodes: list[bytes], inits: list[bytes] = (), funcs: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    graph = b"".join(lfield(1, n) for n in nodes) + lfield(2, "g")
    graph += b"".join(lfield(5, t) for t in inits)
    out = vfield(1, 9) + lfield(2, "pytorch") + lfield(8, lfield(1, "") + vfield(2, 17))
    out += lfield(7, graph) + lfield(14, lfield(1, "author") + lfield(2, "someone"))
    return out + b"".join(lfield(25, f) for f in funcs)


def scan(data: bytes | Path) -> list[tuple[str, Severity, Any]]:
    result = run_scanner(OnnxScanner(), "m.onnx", F.ONNX, data)
    assert "onnx" in {c.engine for c in result.coverage}
    return [
        (f.rule_id, f.severity, f.evidence.get("problem") or f.evidence.get("domain"))
        for f in result.findings
    ]


def test_plain_model_is_clean() -> None:
    data = model([node("Add"), node("FusedMatMul", "com.microsoft")], [tensor("w", raw=bytes(16))])
    m = parse_model(data, 0, len(data))
    assert m.ir_version == 9 and m.opset_imports == {"": 17}
    assert [(n.op_type, n.domain) for n in m.nodes] == [
        ("Add", ""),
        ("FusedMatMul", "com.microsoft"),
    ]
    assert m.initializers == 1 and m.external == []
    assert ("metadata_props.author", "someone") in list(m.strings())
    assert scan(data) == []


def test_custom_domain_is_medium_but_local_functions_are_not() -> None:
    func = lfield(1, "MyGelu") + lfield(10, "local.fn") + lfield(7, node("Tanh"))
    data = model(
        [node("MyGelu", "local.fn"), node("Evil", "my.ops"), node("Evil", "my.ops")], funcs=[func]
    )
    found = scan(data)
    assert found == [("PG-SER-322", Severity.MEDIUM, "my.ops")]


def test_custom_op_inside_a_subgraph_is_found() -> None:
    sub = lfield(1, node("Hidden", "x.custom")) + lfield(2, "body")
    attr = lfield(5, lfield(1, "then_branch") + vfield(20, 5) + lfield(6, sub))
    data = model([node("If", "", attr)])
    assert scan(data) == [("PG-SER-322", Severity.MEDIUM, "x.custom")]


@pytest.mark.parametrize(
    "location",
    [
        "/etc/passwd",
        "../../secret.bin",
        "sub/../../x",
        "C:\\Windows\\win.ini",
        "\\\\host\\share\\w",
        "file:///etc/shadow",
        "..\\..\\x",
    ],
)
def test_escaping_external_data_is_high(location: str) -> None:
    data = model([node("Add")], [tensor("w", location, offset="0", length="16")])
    assert scan(data) == [("PG-SER-321", Severity.HIGH, None)]


def test_external_data_inside_the_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "w.bin").write_bytes(bytes(16))
    path = tmp_path / "m.onnx"
    path.write_bytes(model([node("Add")], [tensor("w", "weights/./w.bin")]))
    assert scan(path) == []


def test_symlink_out_of_the_folder_is_caught(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    inner = tmp_path / "model"
    inner.mkdir()
    os.symlink(outside, inner / "data")
    path = inner / "m.onnx"
    path.write_bytes(model([node("Add")], [tensor("w", "data/w.bin")]))
    assert escapes("data/w.bin", inner) is not None
    assert scan(path) == [("PG-SER-321", Severity.HIGH, None)]


def test_bad_external_range_and_missing_location() -> None:
    no_loc = vfield(2, 1) + lfield(8, "t") + vfield(14, 1)
    data = model([node("Add")], [tensor("w", "w.bin", offset="-5"), no_loc])
    problems = {p for _, _, p in scan(data)}
    assert problems == {"bad_external_range", "external_no_location"}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\x08\x09", "not_a_model"),
        (vfield(1, 9) + varint(7 << 3 | 2) + varint(1000) + b"abc", "length_past_end"),
        (vfield(1, 9) + b"\x0b", "bad_wire_type"),
        (vfield(1, 9) + b"\x08\xff\xff", "bad_varint"),
        (vfield(1, 9) + b"\x00\x01", "bad_field"),
    ],
)
def test_damaged_protobuf_is_a_finding(data: bytes, code: str) -> None:
    with pytest.raises(FormatError) as err:
        read_model(io.BytesIO(data), len(data))
    assert err.value.code == code
    assert scan(data) == [("PG-SER-323", Severity.MEDIUM, code)]


def test_deep_subgraph_nesting_is_bounded() -> None:
    graph = lfield(1, node("Add"))
    for _ in range(40):
        attr = lfield(5, lfield(1, "body") + lfield(6, graph))
        graph = lfield(1, node("Loop", "", attr))
    data = vfield(1, 9) + lfield(7, graph)
    assert scan(data) == [("PG-SER-323", Severity.MEDIUM, "too_deep")]


def test_corpus_model_is_clean() -> None:
    from tests.conftest import corpus_path

    path = corpus_path("serialization", "generated", "benign", "add.onnx")
    assert scan(path) == []


def test_large_onnx_streamed_from_a_zip(tmp_path: Path) -> None:
    """An archive member is never mmap'd (its descriptor would be the whole archive)."""
    import zipfile

    from petgov.pipeline import ScanOptions
    from petgov.pipeline import scan as scan_target
    from petgov.targets.archive import INLINE_MEMBER_BYTES

    big = tensor("w", raw=bytes(INLINE_MEMBER_BYTES + 1000))
    data = model([node("Evil", "my.ops")], [big, tensor("x", "../../etc/passwd")])
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("padding.bin", bytes(100))
        zf.writestr("model.onnx", data)
    report = scan_target([str(tmp_path / "bundle.zip")], ScanOptions(scanners=["onnx"]))
    assert sorted(d.finding.rule_id for d in report.decisions) == ["PG-SER-321", "PG-SER-322"]
