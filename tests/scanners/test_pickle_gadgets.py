"""2025-2026 pickle bypasses, one test per advisory class, in the style of fickling's bypass tests.

Every payload is assembled opcode by opcode (tests/scanners/pickle_asm.py) and only ever handed
to the scanner; nothing here unpickles it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan
from petgov.scanners.pickle_globals import judge
from tests.scanners.pickle_asm import call, empty_dict, glob, pickle2, pickle4, stack_glob, ustr
from tests.scanners.serial_cases import GADGETS


def _verdict(tmp_path: Path, data: bytes) -> tuple[Severity, list[str]]:
    path = tmp_path / "payload.pkl"
    path.write_bytes(data)
    report = scan([str(path)], ScanOptions(scanners=["pickle"]))
    ser = [d.finding for d in report.decisions if d.finding.kind.startswith("ser.")]
    worst = max((f.severity for f in ser), default=Severity.INFO)
    return worst, [f"{f.kind}:{f.evidence.get('global')}" for f in ser]


@pytest.mark.parametrize(("case", "data", "at_least"), GADGETS, ids=[g[0] for g in GADGETS])
def test_gadget_is_judged_dangerous(
    tmp_path: Path, case: str, data: bytes, at_least: Severity
) -> None:
    worst, found = _verdict(tmp_path, data)
    assert worst >= at_least, (case, found)


def test_unknown_class_rebuilt_from_state_stays_medium(tmp_path: Path) -> None:
    # NEWOBJ of an unknown class, then BUILD with a dict: reconstruction, not a call with strings.
    data = pickle4(stack_glob("somepkg.model", "Net") + b")\x81" + empty_dict() + b"b")
    worst, found = _verdict(tmp_path, data)
    assert worst == Severity.MEDIUM, found
    assert found == ["ser.unknown_global:somepkg.model.Net"]


def test_enum_called_with_its_value_stays_medium(tmp_path: Path) -> None:
    data = pickle4(call(stack_glob("somepkg.options", "Mode"), ustr("fast")))
    worst, _ = _verdict(tmp_path, data)
    assert worst == Severity.MEDIUM


def test_numpy_ufunc_importer_with_a_ufunc_is_clean(tmp_path: Path) -> None:
    data = pickle2(
        call(
            glob("numpy.core", "_ufunc_reconstruct"),
            ustr("numpy.core._multiarray_umath"),
            ustr("log1p"),
        )
    )
    worst, found = _verdict(tmp_path, data)
    assert worst == Severity.INFO, found


def test_torchscript_list_builders_are_allowed(tmp_path: Path) -> None:
    data = pickle4(call(stack_glob("torch.jit._pickle", "build_intlist"), b"]K\x01a"))
    worst, found = _verdict(tmp_path, data)
    assert worst == Severity.INFO, found


@pytest.mark.parametrize(
    ("dotted", "verdict"),
    [
        ("typing.ForwardRef", "deny"),
        ("typing._eval_type", "deny"),
        ("dataclasses._create_fn", "deny"),
        ("dataclasses.field", "unknown"),
        ("_posixsubprocess.fork_exec", "deny"),
        ("_compression.BaseStream", "risky"),
        ("pandas.core.frame.DataFrame", "allow"),
        ("pandas.core.generic.NDFrame.to_pickle", "deny"),
        ("pandas.io.parsers.readers.read_csv", "deny"),
        ("torch.jit._pickle.build_tensorlist", "allow"),
        ("torch.jit._script.RecursiveScriptModule", "deny"),
        ("numpy.core._ufunc_reconstruct", "importer"),
        ("transformers.training_args.TrainingArguments", "allow"),
        ("transformers.trainer_utils.IntervalStrategy", "allow"),
    ],
)
def test_list_verdicts(dotted: str, verdict: str) -> None:
    module, name = dotted.rsplit(".", 1)
    if dotted.endswith("NDFrame.to_pickle"):
        module, name = "pandas.core.generic", "NDFrame.to_pickle"
    assert judge(module, name).verdict == verdict
