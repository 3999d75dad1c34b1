"""Every truncation and many byte flips of valid files: a finding or clean, never a traceback."""

from __future__ import annotations

import random

import pytest

from petgov import filetypes as F
from petgov.scanners.gguf import GGUFScanner
from petgov.scanners.interface import ItemScanner
from petgov.scanners.keras import KerasScanner
from petgov.scanners.onnx import OnnxScanner
from petgov.scanners.safetensors import SafetensorsScanner
from tests.scanners import test_gguf, test_keras, test_onnx, test_safetensors
from tests.scanners.header_helpers import run_scanner


def _samples() -> list[tuple[str, ItemScanner, str, bytes]]:
    onnx = test_onnx.model(
        [test_onnx.node("Add"), test_onnx.node("X", "my.ops")],
        [test_onnx.tensor("w", raw=bytes(16)), test_onnx.tensor("e", "w.bin", offset="0")],
    )
    keras = test_keras.keras_zip(test_keras.sequential(test_keras.DENSE))
    return [
        ("safetensors", SafetensorsScanner(), F.SAFETENSORS, test_safetensors.GOOD),
        ("gguf", GGUFScanner(), F.GGUF, test_gguf.GOOD),
        ("onnx", OnnxScanner(), F.ONNX, onnx),
        ("keras", KerasScanner(), F.KERAS_ZIP, keras),
    ]


@pytest.mark.parametrize(("label", "scanner", "fmt", "data"), _samples(), ids=lambda v: str(v)[:12])
def test_truncations_and_flips_never_raise(
    label: str, scanner: ItemScanner, fmt: str, data: bytes
) -> None:
    rng = random.Random(label)
    variants = [data[:n] for n in range(len(data))]
    for _ in range(300):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        variants.append(bytes(buf))
    flagged = 0
    for variant in variants:
        result = run_scanner(scanner, "x", fmt, variant)  # must not raise
        assert result.coverage, "every scan records coverage"
        flagged += bool(result.findings)
    assert flagged >= len(data) // 2  # most truncations are reported, not passed as clean
