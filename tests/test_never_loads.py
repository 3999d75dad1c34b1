"""No petgov module calls a deserializer that can run code: the guarantee "never execute what
you scan" as a source check, next to the canary tests that prove it on hostile files.

The one exception is petgov's own bytecode-like cache of compiled dataclass methods, which it
writes itself beside its ``.pyc`` files and which is never scanned input."""

from __future__ import annotations

import ast
from pathlib import Path

PETGOV = Path(__file__).resolve().parent.parent / "petgov"
# (receiver name, attribute) pairs whose call loads objects that may run code.
LOADERS = {
    ("pickle", "load"),
    ("pickle", "loads"),
    ("pickle", "Unpickler"),
    ("cPickle", "loads"),
    ("dill", "load"),
    ("dill", "loads"),
    ("cloudpickle", "loads"),
    ("torch", "load"),
    ("jit", "load"),
    ("joblib", "load"),
    ("models", "load_model"),
    ("keras", "load_model"),
    ("saving", "load_model"),
    ("marshal", "loads"),
    ("marshal", "load"),
}
ALLOWED = {("util/dataclass_code.py", "marshal", "loads")}


def _calls(tree: ast.AST) -> list[tuple[str, str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module.rpartition(".")[2]
            found.extend((base, alias.name, node.lineno) for alias in node.names)
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name | ast.Attribute):
            base = func.value.id if isinstance(func.value, ast.Name) else func.value.attr
            found.append((base, func.attr, node.lineno))
        if any(
            k.arg == "allow_pickle" and isinstance(k.value, ast.Constant) and k.value.value
            for k in node.keywords
        ):
            found.append(("numpy", "allow_pickle=True", node.lineno))
    return found


def test_no_module_calls_a_code_running_deserializer() -> None:
    offending = []
    files = sorted(PETGOV.rglob("*.py"))
    assert len(files) > 100
    for path in files:
        rel = path.relative_to(PETGOV).as_posix()
        for base, attr, line in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            hit = (base, attr) in LOADERS or attr == "allow_pickle=True"
            if hit and (rel, base, attr) not in ALLOWED:
                offending.append(f"{rel}:{line}: {base}.{attr}")
    assert offending == []


def test_the_check_sees_a_loader() -> None:
    source = (
        "import pickle, numpy as np\nfrom joblib import load\n"
        "pickle.loads(b'')\nnp.load('x', allow_pickle=True)\n"
    )
    found = {c[:2] for c in _calls(ast.parse(source))}
    assert {("pickle", "loads"), ("joblib", "load"), ("numpy", "allow_pickle=True")} <= found
