"""The pickle VM with inline fast paths gives exactly what the first engine gave, on any bytes.

The oracle is the first engine, kept verbatim in tests/scanners/pickle_vm_reference.py. Every
field of the Analysis is compared (imports with the identity the scanner relies on, calls and
their arguments, stream problems and their offsets, nested pickles, strings, opcode counts, work
bounds and the returned value), over the serialization corpus, the malicious cases of the test
suite, pickles written by ``pickle.dumps`` from generated values (protocols 0-5, shared and
recursive references), random opcode programs (STACK_GLOBAL from the memo, MARK popped as a
value, EXT codes, ...) and mutants of all of these. Nothing is ever unpickled.
"""

from __future__ import annotations

import contextlib
import io
import lzma
import os
import pickle
import tarfile
import time
import zipfile
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from petgov.scanners import pickle_vm
from petgov.scanners.pickle_scanner import _compressed, _inflate, _npy_object_offset
from tests.conftest import corpus_path
from tests.fuzzing import budget, inputs
from tests.scanners import pickle_vm_reference as reference
from tests.scanners.serial_cases import GADGETS, malicious_files

_MAX_FILE = 8 << 20


def _norm(value: object, globals_at: dict[int, int], active: set[int], depth: int = 0) -> Any:
    """A comparable picture of a VM symbol; the same for both engines' classes."""
    if depth > 200:
        return "DEEP"
    kind = type(value).__name__
    if kind == "Global":
        g: Any = value
        return ("G", globals_at.get(id(value), -1), g.module, g.name, g.position, g.opcode)
    if value is pickle_vm._MARK or value is reference._MARK:
        return "MARK"
    if value is pickle_vm._UNKNOWN or value is reference._UNKNOWN:
        return "UNKNOWN"
    if kind in ("Call", "_Dict", "tuple"):
        if id(value) in active:
            return "CYCLE"
        active.add(id(value))
        try:
            if kind == "Call":
                c: Any = value
                parts = [c.func, c.args, c.state]
                picture: list[Any] = ["C", c.position]
            elif kind == "_Dict":
                d: Any = value
                parts = list(d.pairs.values())
                picture = ["D", list(d.pairs)]
            else:
                parts = list(value)  # type: ignore[call-overload]
                picture = ["T"]
            for part in parts:
                picture.append(_norm(part, globals_at, active, depth + 1))
            return tuple(picture)
        finally:
            active.discard(id(value))
    assert kind in ("str", "bytes", "int", "NoneType"), kind
    return (kind, value)


def _picture(a: Any) -> dict[str, Any]:
    globals_at = {id(g): i for i, g in reversed(list(enumerate(a.globals)))}

    def norm(value: object) -> Any:
        return _norm(value, globals_at, set())

    return {
        "globals": [norm(g) for g in a.globals],
        "calls": [(op, at, norm(func), norm(args)) for op, at, func, args in a.calls],
        "problems": a.problems,
        "nested": a.nested,
        "overrides": [norm(g) for g in a.overrides],
        "plain_globals": [(g.module, g.name, g.position, g.opcode) for g in a.plain_globals],
        "strings": a.strings,
        "counts": (a.end, a.pickles, a.inline_arrays, a.ops, a.strings_dropped, a._string_chars),
        "budget_exceeded": a.budget_exceeded,
        "result": norm(a.result),
    }


def _same(data: bytes | memoryview, start: int = 0, **bounds: Any) -> pickle_vm.Analysis:
    new = pickle_vm.analyze(data, start, **bounds)
    assert _picture(new) == _picture(reference.analyze(data, start, **bounds))
    return new


def _same_all_ways(data: bytes) -> None:
    """Both loaders' readings, bytes and a memoryview (a mapped file), and tight work bounds."""
    _same(data)
    _same(data, joblib=False)
    _same(memoryview(data))
    for max_ops in (1, 7, 40):
        _same(data, max_ops=max_ops)
    _same(data, max_memo=2)
    _same(data, max_pickles=1)


# ---------------------------------------------------------------- real files


def _streams(path: Path) -> list[tuple[str, bytes, int]]:
    """(label, bytes, start) of every pickle stream a file can hold, as the scanner reads it."""
    data = path.read_bytes()
    out = [(path.name, data, 0)]
    if _compressed(data):
        # Not compressed after all (a pickle starting with 'x'): the raw bytes still count.
        with contextlib.suppress(OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
            out.append((f"{path.name} inflated", _inflate(data), 0))
    if data[:6] == b"\x93NUMPY":
        try:
            start = _npy_object_offset(data)
        except (ValueError, SyntaxError):
            start = None
        if start is not None:
            out.append((f"{path.name} object array", data, start))
    out.extend((f"{path.name}!{name}", member, 0) for name, member in _members(path))
    return out


def _members(path: Path) -> list[tuple[str, bytes]]:
    """Members of a zip or tar (torch zip, npz, legacy torch tar) that can be read plainly."""
    found: list[tuple[str, bytes]] = []
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                found.extend(
                    (info.filename, zf.read(info))
                    for info in zf.infolist()
                    if info.file_size <= _MAX_FILE and not info.flag_bits & 1
                )
        elif tarfile.is_tarfile(path):
            with tarfile.open(path) as tf:
                for member in tf.getmembers():
                    fh = tf.extractfile(member) if member.size <= _MAX_FILE else None
                    if fh is not None:
                        found.append((member.name, fh.read()))
    except (zipfile.BadZipFile, tarfile.TarError, NotImplementedError, EOFError, OSError):
        pass  # a damaged archive (corpus cases): the members read before the damage still count
    except zlib.error:
        pass
    return found


def _check_files(paths: list[Path]) -> tuple[int, int]:
    """(streams compared, complete pickles among them)."""
    streams = pickles = 0
    for path in paths:
        if not path.is_file() or path.stat().st_size > _MAX_FILE:
            continue
        for label, data, start in _streams(path):
            streams += 1
            try:
                pickles += _same(data, start).pickles > 0
                _same(data, start, joblib=False)
                _same(data, start, max_ops=25)
            except AssertionError as exc:
                raise AssertionError(f"engines differ on {label}") from exc
    return streams, pickles


def test_same_on_the_serialization_corpus() -> None:
    root = corpus_path("serialization")
    streams, pickles = _check_files(sorted(root.rglob("*")))
    assert streams > 200 and pickles > 100, (streams, pickles)


def test_same_on_the_whole_corpus() -> None:
    root = corpus_path()
    files = [p for p in sorted(root.rglob("*")) if "serialization" not in p.parts]
    streams, _pickles = _check_files(files)
    assert streams > 50


def test_same_on_the_malicious_cases(tmp_path: Path) -> None:
    for _case, data, _severity in GADGETS:
        _same_all_ways(data)
    streams, pickles = _check_files(malicious_files(tmp_path))
    assert pickles >= 5, (streams, pickles)


# ---------------------------------------------------------------- generated pickles


class Model:
    """A class pickled by reference (GLOBAL / STACK_GLOBAL, NEWOBJ, BUILD)."""

    def __init__(self, state: object) -> None:
        self.state = state


class Reduced:
    """A __reduce__ that pickles a call of a stdlib function (REDUCE); written, never loaded."""

    def __init__(self, arg: str) -> None:
        self.arg = arg

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.path.join, (self.arg,))


_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.binary(max_size=20)
    | st.sampled_from(["a" * 300, "secret-token-" * 3, b"\x00" * 300, 10**40])
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return (
        st.lists(children, max_size=6)
        | st.tuples(children)
        | st.tuples(children, children)
        | st.tuples(children, children, children)
        | st.lists(children, max_size=6).map(tuple)
        | st.dictionaries(st.text(max_size=8), children, max_size=6)
        | st.dictionaries(st.integers(-5, 5), children, max_size=4)
        | st.frozensets(st.integers(-3, 300), max_size=5)
        | st.sets(st.text(max_size=4), max_size=5)
        | st.binary(max_size=8).map(bytearray)
        | children.map(Model)
        | st.text(max_size=8).map(Reduced)
        | st.dictionaries(st.text(max_size=4), children, max_size=3).map(OrderedDict)
    )


_VALUES = st.recursive(_LEAVES, _containers, max_leaves=25)


def _shared(value: object) -> object:
    """The same object twice and a self-reference: memo PUT/GET and MEMOIZE paths."""
    loop: list[object] = [value]
    loop.append(loop)
    return [value, value, loop, {"again": loop}]


@budget(minimum=150)
@given(_VALUES, st.integers(0, pickle.HIGHEST_PROTOCOL), st.booleans())
def test_same_on_pickles_of_generated_values(value: object, protocol: int, share: bool) -> None:
    data = pickle.dumps(_shared(value) if share else value, protocol=protocol)
    _same_all_ways(data)
    _same_all_ways(data + data)  # concatenated pickles


@budget(minimum=150)
@given(
    st.tuples(_VALUES, st.integers(0, pickle.HIGHEST_PROTOCOL)).flatmap(
        lambda vp: inputs(pickle.dumps(vp[0], protocol=vp[1]))
    )
)
def test_same_on_mutated_pickles(data: bytes) -> None:
    _same_all_ways(data)


# Opcode programs: any order of any opcode with well-formed (or deliberately wrong) arguments.
_NAMES = [
    "os", "system", "builtins", "getattr", "eval", "posix", "numpy", "dtype", "copyreg",
    "_reconstructor", "joblib.numpy_pickle", "NumpyArrayWrapper", "pickle", "loads",
    "collections", "OrderedDict", "torch._utils", "_rebuild_tensor_v2", "a.b", "x",
    "f8", "O", "<U3", "V4", "shape", "order", "numpy_array_alignment_bytes",
]  # fmt: skip
_NO_ARG = [
    bytes([c])
    for c in b"(.012NRbaed}l]osut)\x85\x86\x87\x81\x92\x93\x94\x8f\x90\x91Q\x97\x98\x88\x89"
]


def _short(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


_PIECES = st.one_of(
    st.sampled_from(_NO_ARG),
    st.sampled_from(_NAMES).map(_short),
    st.sampled_from(_NAMES).map(lambda t: b"X" + len(t).to_bytes(4, "little") + t.encode()),
    st.sampled_from(_NAMES).map(lambda t: b"T" + len(t).to_bytes(4, "little") + t.encode()),
    st.sampled_from(_NAMES).map(lambda t: b"U" + bytes([len(t)]) + t.encode()),
    st.tuples(st.sampled_from(_NAMES), st.sampled_from(_NAMES)).map(
        lambda mn: b"c" + f"{mn[0]}\n{mn[1]}\n".encode()
    ),
    st.tuples(st.sampled_from(_NAMES), st.sampled_from(_NAMES)).map(
        lambda mn: b"i" + f"{mn[0]}\n{mn[1]}\n".encode()
    ),
    st.tuples(
        st.sampled_from(b"ILFSVPgp"),
        st.sampled_from(["0", "1", "2", "-1", "01", "00", "7L", "'os'", '"x"', "1.5", "z", ""]),
    ).map(lambda ca: bytes([ca[0]]) + ca[1].encode() + b"\n"),
    st.tuples(st.sampled_from(b"hqK\x80\x82"), st.integers(0, 6)).map(bytes),
    st.tuples(st.sampled_from(b"jrJMG\x83\x84\x95"), st.binary(min_size=8, max_size=8)).map(
        lambda cb: bytes([cb[0]]) + cb[1][: {0x4D: 2, 0x83: 2, 0x47: 8, 0x95: 8}.get(cb[0], 4)]
    ),
    st.tuples(st.sampled_from(b"jr"), st.integers(0, 6)).map(
        lambda ci: bytes([ci[0]]) + ci[1].to_bytes(4, "little")
    ),
    st.binary(max_size=10).map(lambda b: b"C" + bytes([len(b)]) + b),
    st.binary(max_size=10).map(lambda b: b"B" + len(b).to_bytes(4, "little") + b),
    st.binary(max_size=10).map(lambda b: b"\x8e" + len(b).to_bytes(8, "little") + b),
    st.binary(max_size=10).map(lambda b: b"\x96" + len(b).to_bytes(8, "little") + b),
    st.binary(max_size=10).map(lambda b: b"\x8a" + bytes([len(b)]) + b),
    st.binary(max_size=10).map(lambda b: b"\x8b" + len(b).to_bytes(4, "little") + b),
    st.text(max_size=12).map(
        lambda t: b"\x8d" + len(t.encode()).to_bytes(8, "little") + t.encode()
    ),
    st.binary(max_size=3),  # raw noise: wrong lengths, unknown opcodes
)


@budget(minimum=300)
@given(st.lists(_PIECES, max_size=40), st.booleans(), st.booleans())
def test_same_on_opcode_programs(pieces: list[bytes], proto: bool, stop: bool) -> None:
    data = (b"\x80\x04" if proto else b"") + b"".join(pieces) + (b"." if stop else b"")
    _same_all_ways(data)


_CONSTANTS = st.one_of(
    st.integers(0, 255).map(lambda i: b"K" + bytes([i])),
    st.integers(0, 65535).map(lambda i: b"M" + i.to_bytes(2, "little")),
    st.integers(-(2**31), 2**31 - 1).map(lambda i: b"J" + i.to_bytes(4, "little", signed=True)),
    st.integers(-(2**80), 2**80).map(lambda i: b"L" + str(i).encode() + b"L\n"),
    st.integers(-(2**80), 2**80).map(lambda i: b"I" + str(i).encode() + b"\n"),
    st.binary(max_size=12).map(lambda b: b"\x8a" + bytes([len(b)]) + b),
    st.text(max_size=12).map(_short),
    st.text(max_size=12).map(lambda t: b"X" + len(t.encode()).to_bytes(4, "little") + t.encode()),
    st.binary(max_size=12).map(lambda b: b"C" + bytes([len(b)]) + b),
    st.sampled_from([b"N", b"\x88", b"\x89", b")", b"]", b"}", b"\x8f", b"G" + b"\x00" * 8]),
)


@budget(minimum=150)
@given(st.lists(_CONSTANTS, max_size=12))
def test_same_on_every_constant_kept_in_a_tuple(constants: list[bytes]) -> None:
    # Constants inside a tuple are part of the returned value: each decoded value is compared.
    _same_all_ways(b"\x80\x04(" + b"".join(constants) + b"t.")


# ---------------------------------------------------------------- fixed edge cases


def test_same_on_protocol_5_out_of_band_buffers() -> None:
    buffers = [pickle.PickleBuffer(bytearray(b"abc")), pickle.PickleBuffer(b"readonly")]
    data = pickle.dumps(buffers, protocol=5, buffer_callback=lambda _b: False)
    assert b"\x97" in data and b"\x98" in data  # NEXT_BUFFER, READONLY_BUFFER
    _same_all_ways(data)


def test_same_on_stack_global_fed_from_the_memo() -> None:
    data = (
        b"\x80\x04" + _short("os") + b"\x94" + _short("system") + b"\x94"
        b"0" + b"0" + b"h\x00h\x01\x93" + _short("id") + b"\x85R."
    )
    assert [g.dotted for g in _same(data).globals] == ["os.system"]


def test_same_where_a_mark_is_popped_as_a_value_or_duplicated() -> None:
    for body in (b"(R", b"(2e", b"((t\x94)0h\x00e", b"](\x85(\x86e", b"(K\x01(2t", b"(0(e"):
        _same_all_ways(b"\x80\x04]" + body + b".")


def test_same_on_a_deep_and_a_wide_stream() -> None:
    _same_all_ways(b"\x80\x04" + b"(" * 5000 + b"t" * 5000 + b".")
    _same_all_ways(b"\x80\x04](" + b"K\x01" * 3000 + b"e.")
    _same_all_ways(b"\x80\x04}(" + b"\x8c\x01kK\x01" * 300 + b"u.")


def test_same_at_the_clock_check() -> None:
    # A deadline already past is checked every 65,536 opcodes: both engines stop at the same one.
    data = b"\x80\x04]" + b"K\x01a" * 70_000 + b"."
    past = time.monotonic() - 1
    cut = _same(data, deadline=past)
    assert cut.budget_exceeded is not None and "time limit" in cut.budget_exceeded


def test_same_on_joblib_streams(tmp_path: Path) -> None:
    joblib = pytest.importorskip("joblib")
    np = pytest.importorskip("numpy")
    values = [
        np.arange(10, dtype="f8"),
        np.array(["a", "bc"], dtype="U2"),
        np.array([{"k": 1}, None], dtype=object),
        {"w": np.zeros((3, 2), dtype="i4"), "b": np.ones(3, dtype="V4")},
    ]
    for i, value in enumerate(values):
        path = tmp_path / f"v{i}.joblib"
        joblib.dump(value, path)
        data = path.read_bytes()
        assert _same(data).inline_arrays >= 1
        _same_all_ways(data)
    buf = io.BytesIO()
    joblib.dump(values, buf)
    _same_all_ways(buf.getvalue())
