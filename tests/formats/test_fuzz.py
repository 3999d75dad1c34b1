"""Every header reader, fuzzed: a parsed header or a FormatError, never any other exception.

Scanners rely on this contract (one ``except FormatError`` per reader): an OverflowError from
h5py or an IndexError from a length field would otherwise escape as an engine error. Inputs are
mutants of valid files written here, random bytes, and prefixes; the budget is shared
(``tests/fuzzing.py``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import h5py
import pytest
from hypothesis import given

from petgov import filetypes as F
from petgov.formats import FormatError, gguf, keras, onnx, protowire, safetensors
from petgov.inventory.sniff import sniff_bytes
from petgov.scanners.gguf import GGUFScanner
from petgov.scanners.interface import ItemScanner
from petgov.scanners.keras import KerasScanner
from petgov.scanners.onnx import OnnxScanner
from petgov.scanners.safetensors import SafetensorsScanner
from tests.fuzzing import budget, inputs
from tests.scanners import test_gguf, test_keras, test_onnx, test_safetensors
from tests.scanners.header_helpers import run_scanner

ONNX = test_onnx.model(
    [test_onnx.node("Add"), test_onnx.node("X", "my.ops")],
    [test_onnx.tensor("w", raw=bytes(16)), test_onnx.tensor("e", "w.bin", offset="0")],
)
KERAS = test_keras.keras_zip(test_keras.sequential(test_keras.DENSE))


def _h5() -> bytes:
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.attrs["model_config"] = json.dumps(test_keras.sequential(test_keras.DENSE))
        f.attrs["keras_version"] = "2.15.0"
        f.create_dataset("w", data=[1.0, 2.0])
    return buf.getvalue()


H5 = _h5()


def _reads_or_format_error(read: Callable[[bytes], object], data: bytes) -> None:
    try:
        read(data)
    except FormatError as exc:
        assert exc.code and exc.message


def _scans_cleanly(scanner: ItemScanner, name: str, fmt: str, data: bytes) -> None:
    result = run_scanner(scanner, name, fmt, data)  # must not raise
    assert result.coverage, "every scan records what it examined"


@budget()
@given(inputs(test_safetensors.GOOD))
def test_safetensors_header(data: bytes) -> None:
    _reads_or_format_error(lambda d: safetensors.read_header(io.BytesIO(d), len(d)), data)
    _scans_cleanly(SafetensorsScanner(), "m.safetensors", F.SAFETENSORS, data)


@budget()
@given(inputs(test_gguf.GOOD))
def test_gguf_header(data: bytes) -> None:
    _reads_or_format_error(lambda d: gguf.read_header(io.BytesIO(d), len(d)), data)
    _scans_cleanly(GGUFScanner(), "m.gguf", F.GGUF, data)


@budget()
@given(inputs(ONNX))
def test_onnx_model(data: bytes) -> None:
    _reads_or_format_error(lambda d: onnx.read_model(io.BytesIO(d), len(d)), data)
    _scans_cleanly(OnnxScanner(), "m.onnx", F.ONNX, data)


@budget()
@given(inputs(ONNX))
def test_protobuf_wire_walk(data: bytes) -> None:
    def walk(d: bytes) -> None:
        for _number, wire, a, b in protowire.fields(d, 0, len(d)):
            if wire == protowire.LEN:
                assert 0 <= a <= b <= len(d)
                protowire.text(d, a, b)

    _reads_or_format_error(walk, data)


@budget()
@given(inputs(KERAS))
def test_keras_zip(data: bytes) -> None:
    _reads_or_format_error(lambda d: keras.read_keras_zip(io.BytesIO(d)), data)
    _scans_cleanly(KerasScanner(), "m.keras", F.KERAS_ZIP, data)


@budget()
@given(inputs(H5))
def test_keras_hdf5(data: bytes) -> None:
    _reads_or_format_error(lambda d: keras.read_h5_config(io.BytesIO(d)), data)


def test_hdf5_superblock_address_past_ssize_t_is_a_format_error() -> None:
    """Regression: h5py raised OverflowError for a superblock address >= 2^63 (found by fuzzing)."""
    forged = bytearray(H5)
    forged[41:49] = (2**63).to_bytes(8, "little")  # across the v0 superblock's end-of-file address
    with pytest.raises(FormatError) as err:
        keras.read_h5_config(io.BytesIO(bytes(forged)))
    assert err.value.code == "bad_hdf5"


@budget()
@given(inputs(test_safetensors.GOOD) | inputs(test_gguf.GOOD) | inputs(KERAS))
def test_sniffing_any_bytes_names_a_format(data: bytes) -> None:
    assert isinstance(sniff_bytes(data[:4096], "x.bin", len(data)), str)
