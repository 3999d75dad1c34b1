"""ONNX model reader over the protobuf wire format: opsets, nodes, functions, external data.

No ``onnx`` package and no runtime: ModelProto is walked field by field (numbers from onnx.proto),
descending only into the messages that can hold nodes or tensors (graphs, nodes, attributes,
functions, training info). Tensor payloads (``raw_data``) are skipped by length, so the cost
follows the graph size, not the weight bytes. External-data locations are returned as written;
:func:`escapes` judges them against the model's folder.
"""

from __future__ import annotations

import io
import mmap
import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from petgov.formats import FormatError, Problem
from petgov.formats.protowire import LEN, VARINT, Buffer, fields, text

MAX_DEPTH = 32  # nested subgraphs (If/Loop/Scan bodies) deeper than this are damage
MAX_PROTO = 2 << 30  # protobuf's own 2 GiB message limit

# Domains whose operators ship with ONNX or ONNX Runtime itself.
STANDARD_DOMAINS = frozenset(
    {
        "",
        "ai.onnx",
        "ai.onnx.ml",
        "ai.onnx.training",
        "ai.onnx.preview.training",
        "com.microsoft",
        "com.microsoft.nchwc",
        "com.microsoft.experimental",
        "com.microsoft.dml",
        "org.pytorch.aten",
    }
)


@dataclass(frozen=True)
class OnnxNode:
    """One operator use: op type, domain, node name, and where it sits (graph or function)."""

    op_type: str
    domain: str
    name: str
    scope: str


# The keys ONNX defines for a tensor's external_data entries.
EXTERNAL_KEYS = frozenset({"location", "offset", "length", "checksum", "basepath"})


@dataclass(frozen=True)
class ExternalData:
    """A tensor whose bytes live in another file, as the model names it."""

    tensor: str
    location: str
    offset: int | None
    length: int | None


@dataclass
class OnnxModel:
    """What a loader would act on, read without loading."""

    ir_version: int = 0
    producer_name: str = ""
    producer_version: str = ""
    domain: str = ""
    doc_string: str = ""
    opset_imports: dict[str, int] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    nodes: list[OnnxNode] = field(default_factory=list)
    functions: set[tuple[str, str]] = field(default_factory=set)  # (domain, name)
    external: list[ExternalData] = field(default_factory=list)
    initializers: int = 0
    doc_strings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def strings(self) -> Iterator[tuple[str, str]]:
        """Free-text strings (producer, doc strings, metadata_props) as (key, value)."""
        for key, value in (
            ("producer_name", self.producer_name),
            ("producer_version", self.producer_version),
            ("doc_string", self.doc_string),
        ):
            if value:
                yield key, value
        for key, value in self.metadata.items():
            yield f"metadata_props.{key}", value
        for i, doc in enumerate(self.doc_strings):
            yield f"doc_strings[{i}]", doc

    def custom_ops(self) -> dict[tuple[str, str], int]:
        """(domain, op_type) -> uses, for operators outside the standard domains that are not
        functions defined in the model itself."""
        out: dict[tuple[str, str], int] = {}
        for node in self.nodes:
            key = (node.domain, node.op_type)
            if node.domain in STANDARD_DOMAINS or key in self.functions:
                continue
            out[key] = out.get(key, 0) + 1
        return out


def read_model(fh: IO[bytes], size: int) -> OnnxModel:
    """Parse a ModelProto from a stream of ``size`` bytes; mmap'd when it is a real file."""
    if size > MAX_PROTO:
        raise FormatError("too_large", f"{size} bytes exceeds protobuf's 2 GiB message limit")
    if size == 0:
        raise FormatError("empty", "empty file")
    fileno = _whole_file(fh, size)
    if fileno is not None:
        with mmap.mmap(fileno, 0, access=mmap.ACCESS_READ) as mm:
            return parse_model(mm, 0, size)
    data = fh.read(size)
    if len(data) != size:
        raise FormatError("truncated", f"read {len(data)} of {size} bytes")
    return parse_model(data, 0, size)


def _whole_file(fh: IO[bytes], size: int) -> int | None:
    """The descriptor when ``fh`` is a plain file holding exactly the model (safe to mmap);
    None for archive members and other streams, whose descriptor may be a whole archive."""
    raw = getattr(fh, "raw", fh)
    if not isinstance(raw, io.FileIO):
        return None
    try:
        fileno = raw.fileno()
        if fh.tell() != 0 or os.fstat(fileno).st_size != size:
            return None
    except (OSError, ValueError):
        return None
    return fileno


def parse_model(buf: Buffer, start: int, end: int) -> OnnxModel:
    """Parse the ModelProto in buf[start:end]; FormatError on wire-format damage."""
    model = OnnxModel()
    saw_graph = False
    for number, wire, a, b in fields(buf, start, end):
        if number == 1 and wire == VARINT:
            model.ir_version = a
        elif wire != LEN:
            continue
        elif number == 2:
            model.producer_name = text(buf, a, b)
        elif number == 3:
            model.producer_version = text(buf, a, b)
        elif number == 4:
            model.domain = text(buf, a, b)
        elif number == 6:
            model.doc_string = text(buf, a, b)
        elif number == 7:
            saw_graph = True
            _graph(buf, a, b, model, "graph", 0)
        elif number == 8:
            domain, version = _opset(buf, a, b)
            model.opset_imports[domain] = version
        elif number == 14:
            key, value = _entry(buf, a, b)
            model.metadata[key] = value
        elif number == 20:  # TrainingInfoProto: initialization / algorithm graphs
            for n2, w2, a2, b2 in fields(buf, a, b):
                if n2 in (1, 2) and w2 == LEN:
                    _graph(buf, a2, b2, model, "training", 1)
        elif number == 25:
            _function(buf, a, b, model)
    if model.ir_version == 0 or not saw_graph:
        raise FormatError("not_a_model", "no ir_version or no graph: not an ONNX ModelProto")
    return model


def _opset(buf: Buffer, a: int, b: int) -> tuple[str, int]:
    domain, version = "", 0
    for number, wire, x, y in fields(buf, a, b):
        if number == 1 and wire == LEN:
            domain = text(buf, x, y)
        elif number == 2 and wire == VARINT:
            version = x
    return domain, version


def _entry(buf: Buffer, a: int, b: int) -> tuple[str, str]:
    key, value = "", ""
    for number, wire, x, y in fields(buf, a, b):
        if number == 1 and wire == LEN:
            key = text(buf, x, y)
        elif number == 2 and wire == LEN:
            value = text(buf, x, y)
    return key, value


def _graph(buf: Buffer, a: int, b: int, model: OnnxModel, scope: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise FormatError("too_deep", f"subgraphs nest deeper than {MAX_DEPTH}")
    for number, wire, x, y in fields(buf, a, b):
        if wire != LEN:
            continue
        if number == 1:
            _node(buf, x, y, model, scope, depth)
        elif number == 5:
            model.initializers += 1
            _tensor(buf, x, y, model)
        elif number == 15:  # SparseTensorProto: values (1) and indices (2) are tensors
            model.initializers += 1
            for n2, w2, a2, b2 in fields(buf, x, y):
                if n2 in (1, 2) and w2 == LEN:
                    _tensor(buf, a2, b2, model)
        elif number == 10:
            _doc(buf, x, y, model)


def _node(buf: Buffer, a: int, b: int, model: OnnxModel, scope: str, depth: int) -> None:
    op_type = domain = name = ""
    for number, wire, x, y in fields(buf, a, b):
        if wire != LEN:
            continue
        if number == 4:
            op_type = text(buf, x, y, 4096)
        elif number == 7:
            domain = text(buf, x, y, 4096)
        elif number == 3:
            name = text(buf, x, y, 4096)
        elif number == 5:
            _attribute(buf, x, y, model, scope, depth)
        elif number == 6:
            _doc(buf, x, y, model)
    model.nodes.append(OnnxNode(op_type, domain, name, scope))


def _attribute(buf: Buffer, a: int, b: int, model: OnnxModel, scope: str, depth: int) -> None:
    for number, wire, x, y in fields(buf, a, b):
        if wire != LEN:
            continue
        if number in (5, 10):  # t, tensors
            _tensor(buf, x, y, model)
        elif number in (6, 11):  # g, graphs
            _graph(buf, x, y, model, f"{scope}/subgraph", depth + 1)


def _function(buf: Buffer, a: int, b: int, model: OnnxModel) -> None:
    name = domain = ""
    node_spans: list[tuple[int, int]] = []
    for number, wire, x, y in fields(buf, a, b):
        if wire != LEN:
            continue
        if number == 1:
            name = text(buf, x, y, 4096)
        elif number == 10:
            domain = text(buf, x, y, 4096)
        elif number == 7:
            node_spans.append((x, y))
        elif number == 8:
            _doc(buf, x, y, model)
    model.functions.add((domain, name))
    for x, y in node_spans:
        _node(buf, x, y, model, f"function {domain}.{name}", 1)


def _tensor(buf: Buffer, a: int, b: int, model: OnnxModel) -> None:
    name = ""
    external = False
    entries: dict[str, str] = {}
    for number, wire, x, y in fields(buf, a, b):
        if number == 8 and wire == LEN:
            name = text(buf, x, y, 4096)
        elif number == 14 and wire == VARINT:
            external = x == 1
        elif number == 13 and wire == LEN:
            key, value = _entry(buf, x, y)
            entries[key] = value
    if not external and not entries:
        return
    unknown = sorted(set(entries) - EXTERNAL_KEYS)
    if unknown:
        # onnx's loader setattr()s every key onto its ExternalDataInfo (CVE-2026-34445 class).
        model.problems.append(
            Problem(
                "external_unknown_key",
                f"tensor {name!r} external data has keys the format does not define: "
                f"{', '.join(k[:40] for k in unknown[:5])}",
                {"tensor": name},
            )
        )
    if "location" not in entries:
        model.problems.append(
            Problem("external_no_location", f"tensor {name!r} is external without a location")
        )
        return
    ext = ExternalData(
        name, entries["location"], _int(entries.get("offset")), _int(entries.get("length"))
    )
    if (ext.offset is not None and ext.offset < 0) or (ext.length is not None and ext.length < 0):
        model.problems.append(
            Problem(
                "bad_external_range",
                f"tensor {name!r} has a non-numeric or negative external offset/length",
                {"tensor": name},
            )
        )
    model.external.append(ext)


def _doc(buf: Buffer, a: int, b: int, model: OnnxModel) -> None:
    if b > a and len(model.doc_strings) < 1000:
        model.doc_strings.append(text(buf, a, b, 64 * 1024))


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return -1


def escapes(location: str, model_dir: Path | None) -> str | None:
    """Why an external-data location leaves the model's folder, or None when it stays inside.

    Judged on the text first (absolute paths, drive letters, UNC, URLs, ``..`` after
    normalising both separators), then, when the folder is on disk, on the resolved path so a
    symlink pointing out of the folder counts too.
    """
    if not location or "\x00" in location:
        return "empty or NUL-containing location"
    posix = location.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return "absolute path"
    if "://" in posix or posix.startswith("//"):
        return "URL or network path"
    norm = posixpath.normpath(posix)
    if norm == ".." or norm.startswith("../"):
        return "parent-directory traversal"
    if model_dir is not None:
        base = model_dir.resolve()
        target = Path(os.path.realpath(base / norm))
        if target != base and base not in target.parents:
            return "resolves (through a symlink) outside the model folder"
    return None
