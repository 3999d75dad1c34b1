"""The static pickle VM, fuzzed and bounded: any bytes give an Analysis, never an exception,
and no stream can make it work past its operation or memo budget.

Seeds are pickles written here by ``pickle.dumps`` (writing is safe; nothing is ever loaded)
for every protocol, plus a hand-built stream that imports a dangerous callable.
"""

from __future__ import annotations

import collections
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from petgov import filetypes as F
from petgov.model import CoverageStatus
from petgov.scanners import pickle_vm
from petgov.scanners.pickle_scanner import ENGINE, PickleScanner
from tests.fuzzing import budget, inputs
from tests.scanners.header_helpers import run_scanner

_VALUE = {
    "weights": [1.5, -2, 10**30, b"\x00" * 40, bytearray(b"ab")],
    "names": ("a", "b" * 300, None, True),
    "nested": {"set": {1, 2}, "frozen": frozenset({3}), "od": collections.OrderedDict(x=1)},
}
SEEDS = [pickle.dumps(_VALUE, protocol=p) for p in range(pickle.HIGHEST_PROTOCOL + 1)]
EVIL = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."
SEEDS.append(EVIL)


@budget()
@given(st.sampled_from(SEEDS).flatmap(inputs))
def test_any_bytes_give_an_analysis(data: bytes) -> None:
    analysis = pickle_vm.analyze(data)  # must not raise
    assert 0 <= analysis.end <= len(data)
    assert analysis.ops <= pickle_vm.MAX_OPS
    result = run_scanner(PickleScanner(), "m.pkl", F.PICKLE, data)
    assert result.coverage


@budget()
@given(st.sampled_from(SEEDS).flatmap(inputs), st.integers(1, 200))
def test_no_stream_works_past_its_operation_budget(data: bytes, max_ops: int) -> None:
    analysis = pickle_vm.analyze(data, max_ops=max_ops)
    assert analysis.ops <= max_ops + 1
    if analysis.budget_exceeded is None:
        assert analysis.ops <= max_ops


def test_dangerous_import_before_the_cut_is_still_reported() -> None:
    padding = b"]" + b"K\x01a" * 1000 + b"0"  # a list of 1,000 appends, then POP
    stream = EVIL[:15] + padding + EVIL[15:]  # import os.system, pad, then call it
    analysis = pickle_vm.analyze(stream, max_ops=20)
    assert [g.dotted for g in analysis.globals] == ["os.system"]
    assert analysis.budget_exceeded is not None


def test_endless_appends_are_cut_by_the_operation_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: a stream of APPENDs ran for minutes (one op each, no bound on the walk)."""
    monkeypatch.setattr(pickle_vm, "MAX_OPS", 50_000)
    stream = b"\x80\x04]" + b"K\x01a" * 100_000 + b"."
    result = run_scanner(PickleScanner(), "big.pkl", F.PICKLE, stream)
    cut = [c for c in result.coverage if c.engine == ENGINE]
    assert [c.status for c in cut] == [CoverageStatus.NOT_SCANNED]
    assert "operation budget of 50000 opcodes" in cut[0].reason


def test_memo_flood_is_cut_by_the_memo_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pickle_vm, "MAX_MEMO", 1_000)
    stream = b"\x80\x04]" + b"\x94" * 5_000 + b"."
    analysis = pickle_vm.analyze(stream)
    assert analysis.budget_exceeded is not None
    assert "memo budget of 1000 entries" in analysis.budget_exceeded
