"""skops ``.skops`` files: a zip of ``schema.json`` (the object tree) and ``.npy`` arrays.

``skops.io.load`` rebuilds each node of ``schema.json`` by importing the type its
``__module__``/``__class__`` name and refuses types outside its default trusted list unless the
caller passes ``trusted=[...]`` (typically the output of ``get_untrusted_types``, accepted
unread). This reader lists every node's loader and type name, the way
``get_untrusted_types`` walks the tree, without importing anything.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from petgov.formats import FormatError, Problem, seekable

MAX_SCHEMA = 64 * 1024 * 1024
MAX_DEPTH = 200
MAX_NODES = 1_000_000


@dataclass(frozen=True)
class SkopsNode:
    """One node of the tree: the loader skops dispatches to and the type it names."""

    loader: str
    module: str
    name: str
    where: str
    extra: str | None = None  # MethodNode: the bound method's name; its owner's type

    @property
    def type_name(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass
class SkopsSchema:
    protocol: int | None
    version: str | None
    nodes: list[SkopsNode] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_skops(fh: IO[bytes], size: int) -> SkopsSchema:
    """Parse ``schema.json`` of a skops zip; FormatError when there is no tree to judge."""
    src = seekable(fh)
    try:
        with zipfile.ZipFile(src) as zf:
            names = set(zf.namelist())
            if "schema.json" not in names:
                raise FormatError("no_schema", "skops file has no schema.json")
            info = zf.getinfo("schema.json")
            if info.file_size > MAX_SCHEMA:
                raise FormatError("too_large", f"schema.json of {info.file_size} bytes")
            raw = zf.read("schema.json")
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise FormatError("bad_zip", f"not a readable zip: {exc}") from None
    finally:
        if src is not fh:
            src.close()
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise FormatError("bad_json", f"schema.json does not parse: {exc}") from None
    if not isinstance(doc, dict):
        raise FormatError("bad_structure", "schema.json is not an object")
    protocol = doc.get("protocol")
    version = doc.get("_skops_version")
    schema = SkopsSchema(
        protocol if isinstance(protocol, int) else None,
        version if isinstance(version, str) else None,
    )
    for node in _walk(doc):
        schema.nodes.append(node)
        if len(schema.nodes) >= MAX_NODES:
            schema.problems.append(Problem("too_many_nodes", f"over {MAX_NODES} nodes"))
            break
    for node in schema.nodes:
        member = node.extra if node.loader in ("NdArrayNode", "SparseMatrixNode") else None
        if member is not None and member not in names:
            schema.problems.append(
                Problem("missing_member", f"{node.where} names member {member!r}, absent")
            )
    return schema


def _walk(root: Any) -> Iterator[SkopsNode]:
    stack: list[tuple[Any, str, int]] = [(root, "$", 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FormatError("too_deep", f"schema.json nests deeper than {MAX_DEPTH}")
        if isinstance(node, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        if "__loader__" in node:
            yield _node(node, where)
        for key, value in node.items():
            if isinstance(value, dict | list):
                stack.append((value, f"{where}.{key}", depth + 1))


def _node(state: dict[str, Any], where: str) -> SkopsNode:
    loader, module, name = (
        str(state.get(k, "")) for k in ("__loader__", "__module__", "__class__")
    )
    extra: str | None = None
    content = state.get("content")
    if loader == "MethodNode" and isinstance(content, dict):
        owner = content.get("obj")
        func = content.get("func")
        if isinstance(owner, dict):
            extra = f"{owner.get('__module__')}.{owner.get('__class__')}.{func}"
    elif loader in ("NdArrayNode", "SparseMatrixNode") and isinstance(state.get("file"), str):
        extra = state["file"]
    return SkopsNode(loader, module, name, where, extra)
