"""skops files: benign ones written by skops.io.dump are silent; a schema.json edited to name
what skops does not trust by default is high, and critical when the type runs code by name.

The malicious files are real skops files with one node of schema.json rewritten (what
``get_untrusted_types`` would list and a careless ``load(trusted=...)`` would import).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from petgov import filetypes as F
from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan

Schema = dict[str, Any]


@lru_cache(maxsize=1)
def _pipeline_bytes() -> bytes:
    import io

    import numpy as np
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from tests.scanners.ml_artifacts import _data

    x, y = _data()
    model = make_pipeline(FunctionTransformer(np.log1p), LogisticRegression()).fit(x, y)
    buf = io.BytesIO(sio.dumps(model))
    return buf.getvalue()


def _nodes(doc: Any) -> list[Schema]:
    out: list[Schema] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__loader__" in node:
                out.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


def skops_file(path: Path, edit: Callable[[Schema], None] | None = None) -> Path:
    """The real pipeline's .skops with ``edit`` applied to its schema.json."""
    import io

    src = zipfile.ZipFile(io.BytesIO(_pipeline_bytes()))
    with zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "schema.json" and edit is not None:
                doc = json.loads(data)
                edit(doc)
                data = json.dumps(doc).encode()
            dst.writestr(name, data)
    return path


def _retype(loader: str, module: str, name: str) -> Callable[[Schema], None]:
    """Point the first node of ``loader`` at ``module.name``."""

    def edit(doc: Schema) -> None:
        node = next(n for n in _nodes(doc) if n["__loader__"] == loader)
        node["__module__"], node["__class__"] = module, name

    return edit


def _method_on_other_type(doc: Schema) -> None:
    """skops PR 482: a MethodNode whose declared type differs from the object it binds."""
    func = next(n for n in _nodes(doc) if n["__loader__"] == "FunctionNode")
    func.clear()
    func.update(
        {
            "__class__": "LogisticRegression",
            "__module__": "sklearn.linear_model._logistic",
            "__loader__": "MethodNode",
            "content": {
                "func": "fit",
                "obj": {
                    "__class__": "dict",
                    "__module__": "builtins",
                    "__loader__": "DictNode",
                    "content": {},
                },
            },
        }
    )


def _operator_getter(doc: Schema) -> None:
    func = next(n for n in _nodes(doc) if n["__loader__"] == "FunctionNode")
    func.clear()
    func.update(
        {
            "__class__": "attrgetter",
            "__module__": "operator",
            "__loader__": "OperatorFuncNode",
            "attrs": {
                "__class__": "tuple",
                "__module__": "builtins",
                "__loader__": "TupleNode",
                "content": [],
            },
        }
    )


MALICIOUS: dict[str, tuple[Callable[[Schema], None], Severity]] = {
    "function_builtins_eval": (_retype("FunctionNode", "builtins", "eval"), Severity.CRITICAL),
    "object_os_system": (_retype("ObjectNode", "os", "system"), Severity.CRITICAL),
    "function_fetch_openml": (
        _retype("FunctionNode", "sklearn.datasets", "fetch_openml"),
        Severity.CRITICAL,
    ),
    "dict_node_popen": (_retype("DictNode", "subprocess", "Popen"), Severity.CRITICAL),
    "operator_attrgetter": (_operator_getter, Severity.CRITICAL),
    "object_unknown_package": (_retype("ObjectNode", "evilpkg.models", "Backdoor"), Severity.HIGH),
    "function_not_a_ufunc": (_retype("FunctionNode", "mylib.hooks", "on_load"), Severity.HIGH),
    "method_type_mismatch": (_method_on_other_type, Severity.HIGH),
}


def malicious_files(out: Path) -> list[Path]:
    """Every case written under ``out`` (shared with benchmarks/serialization_round2.py)."""
    return [skops_file(out / f"{case}.skops", edit) for case, (edit, _) in MALICIOUS.items()]


def _verdict(path: Path) -> tuple[Severity, list[str], list[str]]:
    report = scan([str(path)], ScanOptions())
    ser = [d.finding for d in report.decisions if d.finding.kind.startswith("ser.")]
    top = max((f.severity for f in ser), default=Severity.INFO)
    return top, [f"{f.rule_id} {f.message}" for f in ser], [i.format for i in report.items]


@pytest.mark.parametrize("case", sorted(MALICIOUS))
def test_untrusted_type_in_schema(tmp_path: Path, case: str) -> None:
    edit, expected = MALICIOUS[case]
    top, messages, formats = _verdict(skops_file(tmp_path / f"{case}.skops", edit))
    assert formats[0] == F.SKOPS
    assert top >= expected, messages
    assert any(m.startswith("PG-SER-362") for m in messages), messages


def test_real_skops_file_is_silent_and_read(tmp_path: Path) -> None:
    path = skops_file(tmp_path / "model.skops")
    report = scan([str(path)], ScanOptions())
    assert next(i.format for i in report.items) == F.SKOPS
    assert [d for d in report.decisions if d.finding.severity >= Severity.MEDIUM] == []
    assert any(c.engine == "skops" and c.status.value == "scanned" for c in report.coverage)
    assert "sklearn.pipeline.Pipeline" in report.facts[str(path)]["skops.sklearn_types"]


def test_schema_that_does_not_parse_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.skops"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("schema.json", "{not json")
        zf.writestr("1.npy", b"")
    top, messages, _ = _verdict(path)
    assert top >= Severity.MEDIUM and messages[0].startswith("PG-SER-363"), messages
