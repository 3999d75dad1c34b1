"""Flax msgpack checkpoints: a state dict written the way flax.serialization.to_bytes writes it
is silent; leaves flax never writes are reported (foreign ext types and object dtypes high).

flax needs JAX, too heavy for the test extras, so the files are packed with the msgpack library
exactly as flax packs them: ext 1 (ndarray) and 3 (NumPy scalar) carry
``packb((shape, dtype name, raw bytes))``, ext 2 a complex as ``packb((real, imag))``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from petgov import filetypes as F
from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan


def _ext(code: int, payload: Any) -> Any:
    import msgpack

    return msgpack.ExtType(code, msgpack.packb(payload, use_bin_type=True))


def ndarray(arr: Any, code: int = 1) -> Any:
    return _ext(code, (arr.shape, arr.dtype.name, arr.tobytes("C")))


def flax_state(**extra: Any) -> bytes:
    """A two-layer MLP's params and a step counter, plus ``extra`` leaves under 'params'."""
    import msgpack
    import numpy as np

    r = np.random.RandomState(0)
    params: dict[str, Any] = {
        "Dense_0": {
            "kernel": ndarray(r.rand(3, 4).astype(np.float32)),
            "bias": ndarray(np.zeros(4, np.float32)),
        },
        "Dense_1": {
            "kernel": ndarray(r.rand(4, 1).astype(np.float16)),
            "bias": ndarray(np.zeros(1, np.float64)),
        },
        "scale": ndarray(np.float32(0.5), code=3),
        "phase": _ext(2, (1.0, -1.0)),
        **extra,
    }
    return bytes(msgpack.packb({"params": params, "step": 10}, use_bin_type=True))


def malicious_files(out: Path) -> list[Path]:
    """High cases (for benchmarks/serialization_round2.py)."""
    import numpy as np

    cases = {
        "flax_object_dtype": flax_state(w=_ext(1, ((1,), "object", b"\x80\x04\x95" + b"\0" * 5))),
        "flax_foreign_ext": flax_state(w=_ext(42, b"cos\nsystem\n(S'id'\ntR.")),
        "flax_shape_overflow": flax_state(
            w=_ext(1, ((1 << 40, 1 << 40), "float32", np.zeros(1, np.float32).tobytes()))
        ),
    }
    for name, data in cases.items():
        (out / f"{name}.msgpack").write_bytes(data)
    return [out / f"{n}.msgpack" for n in cases]


def _found(path: Path) -> tuple[list[str], list[tuple[Severity, str]]]:
    report = scan([str(path)], ScanOptions())
    return [i.format for i in report.items], [
        (d.finding.severity, f"{d.finding.rule_id} {d.finding.message}")
        for d in report.decisions
        if d.finding.kind.startswith("ser.")
    ]


def test_flax_written_state_is_silent(tmp_path: Path) -> None:
    path = tmp_path / "flax_model.msgpack"
    path.write_bytes(flax_state())
    formats, found = _found(path)
    assert formats == [F.FLAX_MSGPACK] and found == []
    report = scan([str(path)], ScanOptions())
    assert report.facts[str(path)]["flax.arrays"] == 5  # 4 arrays + 1 scalar


@pytest.mark.parametrize("case", ["flax_object_dtype", "flax_foreign_ext", "flax_shape_overflow"])
def test_leaf_flax_never_writes_is_high(tmp_path: Path, case: str) -> None:
    (path,) = [p for p in malicious_files(tmp_path) if p.stem == case]
    formats, found = _found(path)
    assert formats == [F.FLAX_MSGPACK]
    assert found and max(s for s, _ in found) >= Severity.HIGH, found
    assert all(m.startswith("PG-SER-367") for _, m in found), found


def test_bytes_that_disagree_with_the_shape_are_medium(tmp_path: Path) -> None:
    path = tmp_path / "flax_model.msgpack"
    path.write_bytes(flax_state(w=_ext(1, ((2, 2), "float32", b"\0" * 12))))
    _, found = _found(path)
    assert [s for s, _ in found] == [Severity.MEDIUM], found
    assert "needs 16 bytes, has 12" in found[0][1]


def test_truncated_state_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "flax_model.msgpack"
    path.write_bytes(flax_state()[:-40])
    _, found = _found(path)
    assert found and found[0][1].startswith("PG-SER-367"), found
