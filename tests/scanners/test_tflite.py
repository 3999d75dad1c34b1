"""TFLite: builtin-operator models are silent; custom and Flex operators are named with why.

Models are built with the FlatBuffers builders generated from TFLite's schema (the ``tflite``
package), the same tables the converter writes: operator codes, one subgraph, buffers.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from petgov import filetypes as F
from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan

ADD, CONV_2D, CUSTOM = 0, 3, 32


def tflite_model(ops: list[tuple[int, str | None]], description: str = "petgov test") -> bytes:
    """A Model with one operator code per (builtin, custom_code) and one operator using each."""
    import importlib

    import flatbuffers

    # the generated modules (the package namespace rebinds each name to its class)
    Buf, M, Op, OC, SG, T = (
        importlib.import_module(f"tflite.{m}")
        for m in ("Buffer", "Model", "Operator", "OperatorCode", "SubGraph", "Tensor")
    )

    b = flatbuffers.Builder(1024)
    customs = [b.CreateString(c) if c is not None else None for _, c in ops]
    codes = []
    for (builtin, _), custom in zip(ops, customs, strict=True):
        OC.Start(b)
        OC.AddDeprecatedBuiltinCode(b, min(builtin, 127))
        OC.AddBuiltinCode(b, builtin)
        OC.AddVersion(b, 1)
        if custom is not None:
            OC.AddCustomCode(b, custom)
        codes.append(OC.End(b))
    name = b.CreateString("x")
    T.StartShapeVector(b, 1)
    b.PrependInt32(4)
    shape = b.EndVector()
    T.Start(b)
    T.AddShape(b, shape)
    T.AddName(b, name)
    T.AddBuffer(b, 0)
    tensor = T.End(b)
    operators = []
    for i in range(len(ops)):
        Op.StartInputsVector(b, 1)
        b.PrependInt32(0)
        inputs = b.EndVector()
        Op.StartOutputsVector(b, 1)
        b.PrependInt32(0)
        outputs = b.EndVector()
        Op.Start(b)
        Op.AddOpcodeIndex(b, i)
        Op.AddInputs(b, inputs)
        Op.AddOutputs(b, outputs)
        operators.append(Op.End(b))
    SG.StartTensorsVector(b, 1)
    b.PrependUOffsetTRelative(tensor)
    tensors = b.EndVector()
    SG.StartOperatorsVector(b, len(operators))
    for o in reversed(operators):
        b.PrependUOffsetTRelative(o)
    opvec = b.EndVector()
    SG.Start(b)
    SG.AddTensors(b, tensors)
    SG.AddOperators(b, opvec)
    subgraph = SG.End(b)
    Buf.Start(b)
    buffer = Buf.End(b)
    M.StartOperatorCodesVector(b, len(codes))
    for c in reversed(codes):
        b.PrependUOffsetTRelative(c)
    codevec = b.EndVector()
    M.StartSubgraphsVector(b, 1)
    b.PrependUOffsetTRelative(subgraph)
    subgraphs = b.EndVector()
    M.StartBuffersVector(b, 1)
    b.PrependUOffsetTRelative(buffer)
    buffers = b.EndVector()
    desc = b.CreateString(description)
    M.Start(b)
    M.AddVersion(b, 3)
    M.AddOperatorCodes(b, codevec)
    M.AddSubgraphs(b, subgraphs)
    M.AddDescription(b, desc)
    M.AddBuffers(b, buffers)
    b.Finish(M.End(b), file_identifier=b"TFL3")
    return bytes(b.Output())


CASES = {
    "flex_read_file": ([(ADD, None), (CUSTOM, "FlexReadFile")], Severity.HIGH),
    "flex_pyfunc": ([(CUSTOM, "FlexPyFunc")], Severity.CRITICAL),
    "unnamed_custom": ([(CUSTOM, "")], Severity.HIGH),
    "custom_kernel": ([(CONV_2D, None), (CUSTOM, "MyVendorOp")], Severity.MEDIUM),
    "flex_plain": ([(CUSTOM, "FlexRFFT")], Severity.MEDIUM),
}
# A Flex op that runs Python or touches host files is the SavedModel danger: the same gate.
GATED = {"flex_read_file", "flex_pyfunc"}


def malicious_files(out: Path) -> list[Path]:
    """The cases that are high at least (for benchmarks/serialization_round2.py)."""
    paths = []
    for case, (ops, severity) in CASES.items():
        if severity >= Severity.HIGH:
            (out / f"tflite_{case}.tflite").write_bytes(tflite_model(ops))
            paths.append(out / f"tflite_{case}.tflite")
    return paths


def _findings(path: Path) -> tuple[list[str], list[tuple[Severity, str]]]:
    report = scan([str(path)], ScanOptions())
    return [i.format for i in report.items], [
        (d.finding.severity, f"{d.finding.rule_id} {d.action.value} {d.finding.message}")
        for d in report.decisions
        if d.finding.kind.startswith("ser.")
    ]


@pytest.mark.parametrize("case", sorted(CASES))
def test_custom_operator_is_named_with_its_severity(tmp_path: Path, case: str) -> None:
    ops, severity = CASES[case]
    path = tmp_path / "model.tflite"
    path.write_bytes(tflite_model(ops))
    formats, found = _findings(path)
    assert formats == [F.TFLITE]
    assert [s for s, _ in found] == [severity], found
    if case in GATED:
        assert found[0][1].startswith("PG-SER-201 block"), found
    else:
        assert found[0][1].startswith("PG-SER-365 warn"), found


def test_builtin_model_and_shipped_custom_op_are_silent(tmp_path: Path) -> None:
    path = tmp_path / "ssd.tflite"
    path.write_bytes(
        tflite_model([(CONV_2D, None), (ADD, None), (CUSTOM, "TFLite_Detection_PostProcess")])
    )
    report = scan([str(path)], ScanOptions())
    assert [d for d in report.decisions if d.finding.kind.startswith("ser.")] == []
    facts = report.facts[str(path)]
    assert facts["tflite.builtin_ops"] == [ADD, CONV_2D, CUSTOM]
    assert facts["tflite.custom_ops"] == ["TFLite_Detection_PostProcess"]


def test_offset_past_the_file_is_malformed(tmp_path: Path) -> None:
    data = bytearray(tflite_model([(ADD, None)]))
    data[0:4] = struct.pack("<I", len(data) + 64)  # root table offset past the end
    path = tmp_path / "bad.tflite"
    path.write_bytes(bytes(data))
    _, found = _findings(path)
    assert found and found[0][1].startswith("PG-SER-366") and found[0][0] >= Severity.HIGH, found
