"""Shared helpers for the header scanners (safetensors, GGUF, ONNX, Keras).

A damaged header is suspicious, never clean: the loader that a user runs may read it differently
from the scanner that judged it (that gap is how polyglot files slip through), so every parse
failure or inconsistency becomes a finding and the item stays covered only as far as it was read.
"""

from __future__ import annotations

from petgov.formats import FormatError, Problem
from petgov.model import Finding, Severity


def malformed(
    rule_id: str,
    kind: str,
    fmt_label: str,
    path: str,
    engine: str,
    problem: Problem | FormatError,
    severity: Severity = Severity.MEDIUM,
) -> Finding:
    """A finding for one header problem (fatal FormatError or collected Problem)."""
    location = dict(problem.location) if isinstance(problem, Problem) else {}
    return Finding(
        rule_id=rule_id,
        kind=kind,
        severity=severity,
        title=f"Malformed {fmt_label} header",
        message=f"{fmt_label}: {problem.message}",
        path=path,
        engine=engine,
        location=location,
        evidence={"problem": problem.code},
        cwe=("CWE-20",),
    )
