"""TorchScript's own program: the ``code/`` members of a scripted or traced model archive.

``torch.jit.load`` compiles these members and runs ``__setstate__`` while loading; ``forward``
runs on first use. TorchScript cannot import Python modules, so what it can reach is its
operators: ``torch.from_file`` reads a host file, and an operator in a namespace outside
PyTorch's own (``ops.mylib.run``) exists only after a native library was loaded, which is code
from outside the model. The text is searched, never compiled.
"""

from __future__ import annotations

import re
from typing import ClassVar

from petgov.catalog import finding
from petgov.model import Severity
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult

ENGINE = "torchscript"
KIND = "ser.torchscript_op"
MAX_CODE = 16 * 1024 * 1024
# PyTorch's own operator namespaces (registered by torch itself).
TORCH_NAMESPACES = frozenset(
    {
        "aten",
        "prim",
        "prims",
        "quantized",
        "_quantized",
        "quantized_decomposed",
        "profiler",
        "sparse",
        "fbgemm",
        "_caffe2",
        "cuda",
        "mkldnn",
        "mkldnn_prepacked",
        "onednn",
        "_c10d_functional",
        "c10d_functional",
        "_dtensor",
        "inductor",
        "debugprims",
        "xnnpack",
        "_test",
    }
)
_FILE_OPS = re.compile(r"\b(?:torch|ops\.aten)\.(from_file|save|load)\s*\(")
_OPS = re.compile(r"\bops\.([A-Za-z_]\w*)\.([A-Za-z_]\w*)")
_DEF = re.compile(r"^\s*def (\w+)\(", re.MULTILINE)


def is_torchscript_code(path: str) -> bool:
    """A ``code/`` member of a TorchScript zip (``model.pt!/model/code/__torch__/....py``)."""
    return "!/" in path and "/code/" in path and path.endswith(".py")


class TorchScriptCodeScanner(ItemScanner):
    """Finds file-reading and foreign-library operators in TorchScript code members."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    judges_code: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({KIND})

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return is_torchscript_code(entry.item.path)

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        if entry.item.size > MAX_CODE:
            out.not_scanned(path, ENGINE, "TorchScript code member larger than 16 MiB")
            return out
        with entry.source.open() as fh:
            text = fh.read(MAX_CODE).decode("utf-8", "replace")
        for m in _FILE_OPS.finditer(text):
            where = _function_at(text, m.start())
            out.findings.append(
                finding(
                    KIND,
                    path,
                    f"TorchScript {where} calls {m.group(0).rstrip('( ')}: it reads or writes "
                    f"a host file{_on_load(where)}",
                    engine=ENGINE,
                    location={"line": text.count("\n", 0, m.start()) + 1, "function": where},
                    evidence={"op": m.group(1), "function": where},
                    severity=Severity.HIGH,
                )
            )
        foreign = sorted({m.group(1) for m in _OPS.finditer(text)} - TORCH_NAMESPACES)
        for ns in foreign[:20]:
            at = text.find(f"ops.{ns}.")
            where = _function_at(text, at)
            out.findings.append(
                finding(
                    KIND,
                    path,
                    f"TorchScript {where} calls operators of namespace {ns!r}, which exist only "
                    f"once a native library outside the model is loaded{_on_load(where)}",
                    engine=ENGINE,
                    location={"line": text.count("\n", 0, at) + 1, "function": where},
                    evidence={"namespace": ns, "function": where},
                    severity=Severity.MEDIUM,
                )
            )
        out.scanned(path, ENGINE, "TorchScript code member")
        return out


def _function_at(text: str, pos: int) -> str:
    name = "module level"
    for m in _DEF.finditer(text, 0, max(pos, 0)):
        name = m.group(1)
    return name


def _on_load(where: str) -> str:
    return " (in __setstate__: runs while the model loads)" if where == "__setstate__" else ""
