"""Formats come from content: a lying extension changes nothing."""

from __future__ import annotations

import gzip
import io
import json
import pickle
import struct
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from petgov import filetypes as F
from petgov.demo import harmless_payload_pickle, safetensors_bytes
from petgov.inventory.sniff import sniff
from petgov.targets.interface import BytesSource, FileSource


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _npy() -> bytes:
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(8)


def _gguf() -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, 0, 0)


def _parquet() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"a": [1, 2]}), buf)
    return buf.getvalue()


def _hdf5(tmp: Path) -> bytes:
    import h5py

    path = tmp / "x.h5"
    with h5py.File(path, "w") as fh:
        fh.create_dataset("w", data=[1.0, 2.0])
    return path.read_bytes()


CASES = {
    # name (with a lying extension where it matters) -> (bytes factory, expected format)
    "weights.bin": (lambda t: pickle.dumps({"a": 1}, protocol=4), F.PICKLE),
    "optimizer.weights": (lambda t: harmless_payload_pickle(), F.PICKLE),
    "p0.txt": (lambda t: pickle.dumps({"a": [1, 2]}, protocol=0), F.PICKLE),
    "model.bin": (
        lambda t: _zip({"archive/data.pkl": pickle.dumps({}), "archive/version": b"3"}),
        F.PYTORCH_ZIP,
    ),
    "archive.bin": (lambda t: _zip({"readme.txt": b"hello"}), F.ZIP),
    "arrays.dat": (lambda t: _zip({"a.npy": _npy(), "b.npy": _npy()}), F.NUMPY_NPZ),
    "model.zip": (
        lambda t: _zip({"config.json": b"{}", "metadata.json": b"{}", "model.weights.h5": b""}),
        F.KERAS_ZIP,
    ),
    "legacy.pt": (
        lambda t: _tar({"storages": b"", "tensors": b"", "pickle": b""}),
        F.PYTORCH_LEGACY,
    ),
    "bundle.pkl": (lambda t: _tar({"a.txt": b"hello"}), F.TAR),
    "data.csv.pkl": (lambda t: gzip.compress(b"a,b\n1,2\n"), F.GZIP),
    "x.json": (lambda t: _npy(), F.NUMPY_NPY),
    "weights.pt": (lambda t: safetensors_bytes(), F.SAFETENSORS),
    "model.pkl": (lambda t: _gguf(), F.GGUF),
    "table.csv": (lambda t: _parquet(), F.PARQUET),
    "model.pb": (_hdf5, F.HDF5),
    "rows.txt": (lambda t: b'{"a": 1}\n{"a": 2}\n{"a": 3}\n', F.JSONL),
    "doc.dat": (lambda t: json.dumps({"k": [1, 2, 3]}).encode(), F.JSON),
    "people.dat": (lambda t: b"name,email\nA,a@example.com\nB,b@example.com\n", F.CSV),
    "notes.bin": (lambda t: b"just some words\nand more words\n", F.TEXT),
    "blob.txt": (lambda t: bytes(range(256)) * 4, F.BINARY),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sniff_ignores_the_extension(name: str, tmp_path: Path) -> None:
    make, expected = CASES[name]
    data = make(tmp_path)
    path = tmp_path / name
    path.write_bytes(data)
    assert sniff(FileSource(path), name) == expected
    assert sniff(BytesSource(data), f"outer.zip!/{name}") == expected


def test_empty_source() -> None:
    assert sniff(BytesSource(b""), "x.pkl") == F.EMPTY


def test_legacy_torch_sequential_pickle_magic() -> None:
    magic = 0x1950A86A20F9469CFC6C
    data = b"\x80\x02\x8a\x0a" + magic.to_bytes(10, "little") + b"." + b"\x80\x02}q\x00."
    assert sniff(BytesSource(data), "old.pt") == F.PYTORCH_LEGACY


@pytest.mark.parametrize("length", [2**31, 2**63, 2**64 - 1])
def test_safetensors_with_an_impossible_header_length_is_still_safetensors(
    tmp_path: Path, length: int
) -> None:
    """Regression: an absurd length prefix made a safetensors file opaque binary: no finding."""
    header = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    path = tmp_path / "weights.bin"
    path.write_bytes(struct.pack("<Q", length) + header + bytes(4))
    assert sniff(FileSource(path), path.name) == F.SAFETENSORS

    from petgov.pipeline import scan

    report = scan([str(path)])
    problems = [d.finding for d in report.decisions if d.finding.path == str(path)]
    assert problems, "the impossible length is a finding"
    assert any("exceeds" in f.message or "runs past" in f.message for f in problems)


def test_json_after_an_absurd_length_is_not_taken_for_safetensors() -> None:
    data = struct.pack("<Q", 2**40) + b'{"name": "config", "layers": 3}'
    assert sniff(BytesSource(data), "x.bin") != F.SAFETENSORS


def test_tensor_bytes_with_a_zlib_header_are_not_a_damaged_archive(tmp_path: Path) -> None:
    """Regression: 1 in ~8,000 tensor members starts with a valid zlib header by chance; it was
    sniffed as zlib, failed to inflate and became a blocking 'Archive cannot be read' (flaky CI)."""
    import random

    from petgov.pipeline import scan

    noise = b"x\x9c" + random.Random(7).randbytes(4000)  # header checks out, deflate data does not
    assert sniff(BytesSource(noise), "archive/data/0") != F.ZLIB
    path = tmp_path / "model.pt"
    path.write_bytes(
        _zip({"archive/data.pkl": pickle.dumps({"w": 1}, protocol=2), "archive/data/0": noise})
    )
    report = scan([str(path)])
    assert not report.gate_failed
    assert not [d for d in report.decisions if d.finding.kind.startswith("archive.")]
    joblib_like = zlib.compress(pickle.dumps([1, 2]))
    assert sniff(BytesSource(joblib_like), "m.joblib") == F.ZLIB


@pytest.mark.parametrize(
    "head",
    [b"\x80\x02", b"\x80\x05", b"PK\x03\x04", b"\x1f\x8b", b"(dp", b"cos\n", b"BZh", b"GGUF"],
)
def test_torch_storage_records_are_raw_data_whatever_their_first_bytes(
    tmp_path: Path, head: bytes
) -> None:
    """Regression (flaky benign-library test): torch reads ``archive/data/N`` as raw tensor bytes,
    so a storage that starts like a pickle, an archive or GGUF by chance is not parsed as one."""
    import random

    from petgov.model import Severity
    from petgov.pipeline import scan

    storage = head + random.Random(3).randbytes(64)
    path = tmp_path / "model.pt"
    data_pkl = pickle.dumps({"w": 1}, protocol=2)
    path.write_bytes(_zip({"archive/data.pkl": data_pkl, "archive/data/0": storage}))
    report = scan([str(path)])
    member = next(i for i in report.items if i.path.endswith("!/archive/data/0"))
    assert member.format == F.BINARY
    assert [
        d.finding.message for d in report.decisions if d.finding.severity >= Severity.MEDIUM
    ] == []
    # the same bytes outside a torch zip are still sniffed by content
    loose = tmp_path / "loose.zip"
    loose.write_bytes(_zip({"blob/data/0": pickle.dumps({"w": 1}, protocol=2)}))
    inner = next(i for i in scan([str(loose)]).items if i.path.endswith("!/blob/data/0"))
    assert inner.format == F.PICKLE
