"""joblib dumps: raw NumPy array bytes sit inline in the pickle stream and are stepped over.

Fixtures are real ``joblib.dump`` outputs (never loaded); the malicious object is a class whose
``__reduce__`` names ``os.system`` - dumping it runs nothing.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from petgov.model import CoverageStatus, Severity
from petgov.pipeline import ScanOptions, scan
from petgov.scanners.pickle_vm import analyze

joblib = pytest.importorskip("joblib")
np = pytest.importorskip("numpy")


class _Payload:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, ("true",))


def _arrays() -> dict[str, Any]:
    return {
        "w": np.arange(1 << 18, dtype=np.float64),  # 2 MiB of raw bytes
        "text": np.array(["ab", "cde"]),
        "fortran": np.asfortranarray(np.ones((3, 5), dtype=np.int16)),
        "scalar0d": np.zeros(()),
        "record": np.zeros(3, dtype=[("a", "<f4"), ("b", "i8")]),
        "when": np.array(["2020-01-01"], dtype="M8[ns]"),
        "flags": np.array([True, False]),
        "noise": np.random.default_rng(7).integers(0, 256, 1 << 16, dtype=np.uint8),
        "objects": np.array([1, "x", None], dtype=object),
    }


def _dump(tmp_path: Path, name: str, obj: object, **kw: Any) -> Path:
    path = tmp_path / name
    joblib.dump(obj, path, **kw)
    return path


def _scan(path: Path) -> tuple[Severity, list[Any], list[Any]]:
    report = scan([str(path)], ScanOptions(scanners=["pickle"]))
    found = [d.finding for d in report.decisions if d.finding.rule_id.startswith("PG-SER")]
    worst = max((f.severity for f in found), default=Severity.INFO)
    return worst, found, report.coverage


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
@pytest.mark.parametrize("compress", [0, 3])
def test_benign_joblib_arrays_are_clean_and_covered(
    tmp_path: Path, protocol: int, compress: int
) -> None:
    path = _dump(tmp_path, "m.joblib", _arrays(), protocol=protocol, compress=compress)
    worst, found, coverage = _scan(path)
    assert worst < Severity.MEDIUM, [(f.kind, f.message) for f in found]
    statuses = {c.status for c in coverage if c.engine == "pickle"}
    assert statuses == {CoverageStatus.SCANNED}, coverage


@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("compress", [0, 3])
def test_payload_after_inline_arrays_is_found(tmp_path: Path, protocol: int, compress: int) -> None:
    obj = {**_arrays(), "payload": _Payload()}
    path = _dump(tmp_path, "evil.joblib", obj, protocol=protocol, compress=compress)
    worst, found, _ = _scan(path)
    assert worst == Severity.CRITICAL
    hit = [f for f in found if f.kind == "ser.dangerous_global"]
    assert hit and hit[0].evidence["global"] in {"posix.system", "nt.system"}
    # The import sits after the 2 MiB of float64 data: the walk resumed past the array bytes.
    assert hit[0].location["offset"] > (2 << 20)
    assert not [f for f in found if f.kind == "ser.malformed_stream"]


def test_payload_inside_object_array_inner_pickle_is_found(tmp_path: Path) -> None:
    arr = np.array([1, _Payload()], dtype=object)
    path = _dump(tmp_path, "obj.joblib", {"w": np.ones(4), "o": arr})
    worst, found, _ = _scan(path)
    assert worst == Severity.CRITICAL, [(f.kind, f.message) for f in found]


def test_analysis_resumes_after_each_array(tmp_path: Path) -> None:
    path = _dump(tmp_path, "m.joblib", {"a": np.ones(1000), "tail": _Payload()}, protocol=4)
    analysis = analyze(path.read_bytes())
    assert analysis.pickles == 1 and analysis.problems == []
    assert analysis.end == path.stat().st_size
    assert "joblib.numpy_pickle.NumpyArrayWrapper" in {g.dotted for g in analysis.globals}


def _benign_bytes(tmp_path: Path) -> bytes:
    return _dump(tmp_path, "b.joblib", {"a": np.ones(1000)}, protocol=4).read_bytes()


def test_garbage_after_stop_stays_suspicious(tmp_path: Path) -> None:
    p = tmp_path / "g.joblib"
    p.write_bytes(_benign_bytes(tmp_path) + b"\xff\xfe garbage")
    worst, found, _ = _scan(p)
    assert worst >= Severity.MEDIUM
    assert any("trailing data" in f.message for f in found)


def test_concatenated_pickle_after_joblib_dump_is_found(tmp_path: Path) -> None:
    p = tmp_path / "c.joblib"
    p.write_bytes(_benign_bytes(tmp_path) + b"cposix\nsystem\n(S'id'\ntR.")
    worst, found, _ = _scan(p)
    assert worst == Severity.CRITICAL
    assert any("concatenated" in f.message for f in found)


def test_stream_ending_inside_array_data_stays_suspicious(tmp_path: Path) -> None:
    data = _benign_bytes(tmp_path)
    p = tmp_path / "t.joblib"
    p.write_bytes(data[: len(data) // 2])
    worst, found, _ = _scan(p)
    assert worst >= Severity.MEDIUM
    assert any("ends early" in f.message for f in found)


def test_wrapper_whose_size_is_not_static_is_reported(tmp_path: Path) -> None:
    """A shape the analyzer cannot compute means the data cannot be delimited: said, not guessed."""
    data = _benign_bytes(tmp_path)
    shape = b"M\xe8\x03\x85"  # BININT2 1000, TUPLE1: the shape (1000,)
    assert data.count(shape) == 1
    forged = data.replace(shape, b"\x8c\x01x\x85")  # shape ("x",)
    p = tmp_path / "f.joblib"
    p.write_bytes(forged)
    worst, found, _ = _scan(p)
    assert worst >= Severity.MEDIUM
    assert any("not delimited" in f.message for f in found)


def test_forged_dtype_item_size_cannot_shift_the_resume_point(tmp_path: Path) -> None:
    """A void dtype's BUILD state sets its item size (NumPy honours it, so joblib reads that many
    bytes): a forged elsize must move petgov's resume point exactly as it moves joblib's."""
    n = 4096
    obj = {"a": np.zeros(n, dtype=[("x", "<f8")]), "p": _Payload()}
    data = _dump(tmp_path, "r.joblib", obj, protocol=4).read_bytes()
    state = b"K\x08K\x01K\x10t"  # (..., elsize 8, alignment 1, flags 16) of dtype('V8')
    assert data.count(state) == 1
    forged = data.replace(state, b"K\x10K\x01K\x10t")  # elsize 16: joblib reads 2 * 8n bytes
    run = forged.index(b"\x00" * (8 * n))
    forged = forged[:run] + b"\x00" * (8 * n) + forged[run:]  # ... and they are there
    p = tmp_path / "forged.joblib"
    p.write_bytes(forged)
    worst, found, _ = _scan(p)
    assert worst == Severity.CRITICAL, [(f.kind, f.message) for f in found]
    assert not [f for f in found if f.kind == "ser.malformed_stream"]


def test_void_dtype_with_a_non_static_state_is_reported(tmp_path: Path) -> None:
    data = _dump(tmp_path, "v.joblib", {"a": np.zeros(8, dtype=[("x", "<f8")])}, protocol=4)
    raw = data.read_bytes()
    state = b"K\x08K\x01K\x10t"
    forged = raw.replace(state, b"\x8c\x01xK\x01K\x10t")  # elsize "x": not an integer
    p = tmp_path / "v2.joblib"
    p.write_bytes(forged)
    worst, found, _ = _scan(p)
    assert worst >= Severity.MEDIUM
    assert any("not delimited" in f.message for f in found)


def _bare_wrapper() -> Any:
    from joblib.numpy_pickle import NumpyArrayWrapper

    return NumpyArrayWrapper(
        np.ndarray, (16,), "C", np.dtype("f8"), allow_mmap=False, numpy_array_alignment_bytes=None
    )


def test_wrapper_in_a_plain_pickle_does_not_hide_what_pickle_load_runs(tmp_path: Path) -> None:
    """pickle.load reads no array bytes after a wrapper: the payload there runs, so it is found."""
    p = tmp_path / "plain.pkl"
    p.write_bytes(pickle.dumps([_bare_wrapper(), _Payload()], protocol=2))
    worst, found, _ = _scan(p)
    assert worst == Severity.CRITICAL, [(f.kind, f.message) for f in found]
    assert any("pickle.load" in f.message for f in found if f.kind == "ser.dangerous_global")


def test_wrapper_inside_an_object_array_pickle_is_not_an_inline_array(tmp_path: Path) -> None:
    """joblib reads an object array with a plain Unpickler: no array bytes follow a wrapper."""
    arr = np.empty(2, dtype=object)
    arr[0], arr[1] = _bare_wrapper(), _Payload()
    path = _dump(tmp_path, "inner.joblib", {"o": arr}, protocol=4)
    analysis = analyze(path.read_bytes())
    assert "posix.system" in {g.dotted for g in analysis.globals} or "nt.system" in {
        g.dotted for g in analysis.globals
    }
    assert analysis.problems == []
