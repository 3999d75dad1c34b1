"""Shared helpers for the header scanners (safetensors, GGUF, ONNX, Keras).

A damaged header is suspicious, never clean: the loader that a user runs may read it differently
from the scanner that judged it (that gap is how polyglot files slip through), so every parse
failure or inconsistency becomes a finding and the item stays covered only as far as it was read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TypeVar

from petgov.catalog import finding
from petgov.formats import FormatError, Problem
from petgov.formats.chat_template import TemplateHit, inspect_template
from petgov.model import Finding, Severity
from petgov.scanners.interface import Entry, ScanResult, Strings

T = TypeVar("T")
MAX_PROBLEMS = 20  # per file: a fuzzed header can yield thousands; the first ones tell the story


@dataclass(frozen=True)
class MalformedRule:
    """A header scanner's rule for damaged structure, and the format name its messages use."""

    engine: str
    kind: str
    label: str


# Problems whose numbers no writer produces and a C loader would overflow or allocate on:
# llama.cpp's GGUF advisories (element-count and size overflow, offsets past any file, 2^62
# string and array lengths), a safetensors header length past the format's 100 MB cap, ONNX
# external-data keys its loader sets as attributes, XGBoost/LightGBM tree indices their
# loaders follow unchecked (GHSA-wvg4-4w35-4jc9), flax msgpack leaves flax never writes
# (object dtypes, foreign ext types: decoded by another reader's hook). High; plain truncation
# stays medium.
LOADER_ATTACKS = frozenset(
    {
        "dim_overflow",
        "element_overflow",
        "size_overflow",
        "offset_out_of_range",
        "count_overflow",
        "length_overflow",
        "header_too_large",
        "external_unknown_key",
        "external_past_end",
        "index_out_of_range",
        "array_short",
        "object_dtype",
        "unknown_ext",
    }
)


def malformed(rule: MalformedRule, path: str, problem: Problem | FormatError) -> Finding:
    """The finding for one header problem (a fatal FormatError or a collected Problem):
    the rule's severity (medium), or high for the loader-attack shapes in LOADER_ATTACKS."""
    location = dict(problem.location) if isinstance(problem, Problem) else {}
    return finding(
        rule.kind,
        path,
        f"{rule.label}: {problem.message}",
        severity=Severity.HIGH if problem.code in LOADER_ATTACKS else None,
        engine=rule.engine,
        location=location,
        evidence={"problem": problem.code},
    )


def read_structure(
    entry: Entry,
    parse: Callable[[IO[bytes], int], T],
    rule: MalformedRule,
    out: ScanResult,
    what: str = "header",
) -> T | None:
    """Parse ``entry`` with ``parse``; None when there is nothing more to judge.

    A parse failure is a finding (the file was read, and it is damaged); an I/O failure is an
    error coverage entry (nothing was judged). Problems the parser collected become findings,
    and the metadata strings of a header that has them are handed on (``ScanResult.strings``).
    """
    path = entry.item.path
    try:
        with entry.source.open() as fh:
            parsed = parse(fh, entry.source.size)
    except FormatError as exc:
        out.findings.append(malformed(rule, path, exc))
        out.scanned(path, rule.engine, f"{what} unreadable: {exc.code}")
        return None
    except OSError as exc:
        out.not_scanned(path, rule.engine, f"read failed: {exc}", error=True)
        return None
    problems: list[Problem] = list(getattr(parsed, "problems", ()))
    out.findings += [malformed(rule, path, p) for p in problems[:MAX_PROBLEMS]]
    strings = getattr(parsed, "strings", None)
    if strings is not None:  # header metadata: handed on to the secrets post scanner
        pairs = [({"metadata_key": k}, v) for k, v in strings() if isinstance(v, str)]
        out.strings.append(Strings(path, "header metadata strings", pairs))
    return parsed


def template_findings(templates: dict[str, str], path: str, engine: str) -> list[Finding]:
    """One finding per risky construct in each named chat template (shared with other scanners)."""
    return [
        _template_finding(key, hit, path, engine)
        for key, text in templates.items()
        for hit in inspect_template(text)[:10]
    ]


def _template_finding(key: str, hit: TemplateHit, path: str, engine: str) -> Finding:
    return finding(
        "ser.chat_template",
        path,
        f"{key}: {hit.message} (line {hit.line})",
        engine=engine,
        location={"key": key, "line": hit.line},
        evidence={"construct": hit.code, "name": hit.name},
        severity=Severity.parse(hit.severity),
    )
