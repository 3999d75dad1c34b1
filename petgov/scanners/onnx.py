"""ONNX: external-data paths that leave the model folder, custom operator domains, damage.

An ONNX model cannot embed Python, but a loader follows ``external_data`` locations (an
absolute path or ``../../etc/passwd`` reads host files into tensors) and a node in a custom
domain only runs once a native operator library is registered, which is code from outside the
model. The protobuf is walked without the ``onnx`` package; weights are never read.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from pathlib import Path
from typing import ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.formats import Problem
from petgov.formats.onnx import OnnxModel, escapes, read_model
from petgov.model import Finding
from petgov.scanners.format_findings import MalformedRule, malformed, read_structure
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult

ENGINE = "onnx"
MALFORMED = MalformedRule(ENGINE, "ser.onnx_malformed", "ONNX")


class OnnxScanner(ItemScanner):
    """Reads an ONNX ModelProto's graph structure and judges what a loader would follow."""

    name: ClassVar[str] = ENGINE
    judges_code: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset(
        {"ser.onnx_external_data", "ser.onnx_custom_op", "ser.onnx_malformed"}
    )

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format == F.ONNX

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        model = read_structure(entry, read_model, MALFORMED, out, what="model")
        if model is None:
            return out
        local = entry.source.local_path
        model_dir = local.parent if local is not None else None
        out.findings.extend(_external_findings(model, model_dir, path))
        sizes = _sibling_sizes(entry, ctx)
        ranges, unchecked = _external_range_findings(model, model_dir, path, sizes)
        out.findings.extend(ranges)
        out.findings.extend(_custom_op_findings(model, path))
        detail = (
            f"{len(model.nodes)} nodes, {model.initializers} initializers, "
            f"{len(model.external)} external tensors"
        )
        if unchecked:
            where = "not on disk beside the model" if model_dir is not None else "no folder"
            detail += (
                f"; external ranges not checked against {len(unchecked)} file(s) ({where}): "
                + ", ".join(repr(u[:60]) for u in unchecked[:5])
            )
        out.scanned(path, ENGINE, detail)
        out.facts[path] = {
            "onnx.ir_version": model.ir_version,
            "onnx.producer": model.producer_name,
            "onnx.opsets": dict(sorted(model.opset_imports.items())),
            "onnx.external_locations": sorted({e.location for e in model.external})[:50],
            "onnx.custom_domains": sorted({d for d, _ in model.custom_ops()}),
            "onnx.external_unchecked": unchecked[:50],
        }
        return out


def _external_findings(model: OnnxModel, model_dir: Path | None, path: str) -> list[Finding]:
    out: list[Finding] = []
    by_location: dict[str, list[str]] = {}
    for ext in model.external:
        by_location.setdefault(ext.location, []).append(ext.tensor)
    for location, tensors in sorted(by_location.items()):
        why = escapes(location, model_dir)
        if why is None:
            continue
        out.append(
            finding(
                "ser.onnx_external_data",
                path,
                f"external data location {location[:200]!r} ({why}) is read into "
                f"{len(tensors)} tensor(s) when the model loads",
                engine=ENGINE,
                location={"tensor": tensors[0]},
                evidence={"location": location[:300], "why": why, "tensors": len(tensors)},
            )
        )
    return out


def _sibling_sizes(entry: Entry, ctx: ScanContext) -> dict[str, int]:
    """Sizes of the files beside the model, by path relative to it, from the inventory: a hub
    blob or a remote file has no folder on disk that holds its external data."""
    base = posixpath.dirname(entry.item.path)
    prefix = base + "/" if base else ""
    return {
        other.item.path[len(prefix) :]: other.item.size
        for other in ctx.entries
        if other.item.depth == entry.item.depth
        and other.item.parent == entry.item.parent
        and other.item.path.startswith(prefix)
    }


def _external_range_findings(
    model: OnnxModel, model_dir: Path | None, path: str, sizes: dict[str, int]
) -> tuple[list[Finding], list[str]]:
    """External ranges that run past the file they name (its size from the inventory, else
    from the folder on disk), and the locations that could not be checked (no such file in
    the inventory or beside the model): those are said in the coverage, never passed over."""
    out: list[Finding] = []
    unchecked: set[str] = set()
    for ext in model.external:
        if escapes(ext.location, model_dir) is not None:
            continue  # reported as a path escape
        size = sizes.get(posixpath.normpath(ext.location.replace("\\", "/")))
        if size is None and model_dir is not None:
            try:
                size = (model_dir / ext.location).stat().st_size
            except (OSError, ValueError):
                size = None
        if size is None:
            unchecked.add(ext.location)  # missing: the loader's error, but nothing was checked
            continue
        end = (ext.offset or 0) + (ext.length if ext.length is not None else 0)
        if (ext.offset or 0) > size or end > size:
            problem = Problem(
                "external_past_end",
                f"tensor {ext.tensor!r} reads bytes {ext.offset or 0}..{end} of "
                f"{ext.location[:100]!r}, which has {size}",
                {"tensor": ext.tensor},
            )
            out.append(malformed(MALFORMED, path, problem))
    return out[:20], sorted(unchecked)


def _custom_op_findings(model: OnnxModel, path: str) -> list[Finding]:
    by_domain: dict[str, Counter[str]] = {}
    for (domain, op), uses in model.custom_ops().items():
        by_domain.setdefault(domain, Counter())[op] += uses
    return [
        finding(
            "ser.onnx_custom_op",
            path,
            f"{sum(ops.values())} node(s) in domain {domain[:100]!r} "
            f"({', '.join(sorted(ops)[:8])}) need a native operator library registered at "
            "load time; that library is code from outside the model",
            engine=ENGINE,
            evidence={"domain": domain[:200], "ops": sorted(ops)[:20]},
        )
        for domain, ops in sorted(by_domain.items())
    ]
