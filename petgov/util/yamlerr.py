"""PyYAML errors as one short line: ``line 2, column 1: expected ...``.

PyYAML's own messages span several lines (the context, the problem, a caret under a copy of the
line), which breaks the CLI's one-line error contract.
"""

from __future__ import annotations


def yaml_problem(exc: Exception) -> str:
    """Where and what: the problem mark (else the context mark) and the problem text."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
    if not problem:
        return " ".join(str(exc).split())
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
