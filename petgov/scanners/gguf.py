"""GGUF: header and metadata bounds, tensor layout, and chat templates that reach Python.

GGUF weights cannot run code, but the chat template in its metadata is rendered by the runtime;
outside Jinja's sandbox a template that walks ``__class__``/``__globals__`` executes code
(CVE-2024-34359). Only the header is read; scan time does not grow with tensor bytes.
"""

from __future__ import annotations

from typing import ClassVar

from petgov import filetypes as F
from petgov.formats.gguf import read_header
from petgov.scanners.format_findings import MalformedRule, read_structure, template_findings
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult

ENGINE = "gguf"
MALFORMED = MalformedRule(ENGINE, "ser.gguf_malformed", "GGUF")


class GGUFScanner(ItemScanner):
    """Checks a GGUF header against the file and its chat templates for Python escapes."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    judges_code: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"ser.gguf_malformed", "ser.chat_template"})

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format == F.GGUF

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        header = read_structure(entry, read_header, MALFORMED, out)
        if header is None:
            return out
        templates = header.chat_templates()
        out.findings.extend(template_findings(templates, path, ENGINE))
        out.scanned(
            path,
            ENGINE,
            f"GGUF v{header.version}: {len(header.metadata)} keys, {len(header.tensors)} tensors",
        )
        arch = header.metadata.get("general.architecture")
        out.facts[path] = {
            "gguf.version": header.version,
            "gguf.tensors": len(header.tensors),
            "gguf.architecture": arch if isinstance(arch, str) else None,
            "gguf.chat_templates": sorted(templates),
        }
        return out
