"""llamafile: GGUF weights shipped inside an executable, so running the model runs the binary.

A llamafile is an Actually Portable Executable (or ELF/PE) whose weights are a ``.gguf`` zip
member (aligned with zipalign) or appended after the program. The executable is the finding:
native code petgov does not judge, run by whoever "runs the model". The weights are scanned
as GGUF: zip members by the GGUF scanner after the archive walk, an appended GGUF here.
"""

from __future__ import annotations

import zipfile
from typing import IO, Any, ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.formats import FormatError
from petgov.formats.gguf import read_header
from petgov.inventory.model_magic import executable_kind, find_appended_gguf
from petgov.scanners.format_findings import MalformedRule, malformed, template_findings
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult

ENGINE = "llamafile"
GGUF_RULE = MalformedRule(ENGINE, "ser.gguf_malformed", "GGUF appended to the executable")


class LlamafileScanner(ItemScanner):
    """Reports the executable and scans GGUF weights appended to it."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    judges_code: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset(
        {"ser.llamafile_executable", "ser.gguf_malformed", "ser.chat_template"}
    )

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format == F.LLAMAFILE

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        try:
            with entry.source.open() as fh:
                kind = executable_kind(fh.read(64)) or "executable"
                fh.seek(0)
                members = _gguf_members(fh)
                offset = None if members else _appended(entry)
        except OSError as exc:
            out.not_scanned(path, ENGINE, f"read failed: {exc}", error=True)
            return out
        where = (
            f"GGUF member(s) {', '.join(members[:3])}"
            if members
            else f"a GGUF appended at byte {offset}"
        )
        out.findings.append(
            finding(
                "ser.llamafile_executable",
                path,
                f"{kind} executable carrying {where}: running the model runs this native "
                "program, which petgov does not judge",
                engine=ENGINE,
                evidence={"executable": kind, "gguf": members[:10] or [offset]},
            )
        )
        facts: dict[str, Any] = {"llamafile.executable": kind, "llamafile.gguf": members}
        if offset is not None:
            facts["llamafile.gguf_offset"] = offset
            self._scan_appended(entry, offset, out)
        else:
            out.scanned(path, ENGINE, f"{kind} header; weights scanned as archive members")
        out.facts[path] = facts
        return out

    def _scan_appended(self, entry: Entry, offset: int, out: ScanResult) -> None:
        path = entry.item.path
        try:
            with entry.source.open() as fh:
                fh.seek(offset)
                header = read_header(fh, entry.source.size - offset)
        except FormatError as exc:
            out.findings.append(malformed(GGUF_RULE, path, exc))
            out.scanned(path, ENGINE, f"appended GGUF unreadable: {exc.code}")
            return
        except OSError as exc:
            out.not_scanned(path, ENGINE, f"read failed: {exc}", error=True)
            return
        out.findings += [malformed(GGUF_RULE, path, p) for p in header.problems[:20]]
        out.findings += template_findings(header.chat_templates(), path, ENGINE)
        out.scanned(
            path,
            ENGINE,
            f"appended GGUF v{header.version}: {len(header.metadata)} keys, "
            f"{len(header.tensors)} tensors",
        )


def _gguf_members(fh: IO[bytes]) -> list[str]:
    try:
        with zipfile.ZipFile(fh) as zf:
            return [n for n in zf.namelist() if n.lower().endswith(".gguf")]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return []


def _appended(entry: Entry) -> int | None:
    with entry.source.open() as fh:
        return find_appended_gguf(fh)
