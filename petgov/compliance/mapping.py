"""A rule's compliance references: read from its ``compliance:`` block (CWE ids from its tags
join them, so every framework is read one way) and checked against the shipped control lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from petgov.compliance.frameworks import FRAMEWORKS

References = Mapping[str, Sequence[str]]


def parse(value: Any, tags: Sequence[str] = ()) -> dict[str, tuple[str, ...]]:
    """{framework: control ids}; raises ValueError when the block is not that shape.

    Unknown frameworks and ids are kept (a pack may be newer than petgov): ``problems`` reports
    them for ``rules lint``.
    """
    out: dict[str, tuple[str, ...]] = {}
    if value is not None:
        if not isinstance(value, Mapping):
            raise ValueError("compliance must map a framework to a list of control ids")
        for key, ids in value.items():
            items = ids if isinstance(ids, list) else [ids]
            if not all(isinstance(i, (str, int)) for i in items):
                raise ValueError(f"compliance.{key} must be a list of control ids")
            out[str(key)] = tuple(str(i) for i in items)
    cwe = tuple(t for t in tags if FRAMEWORKS["cwe"].knows(t))
    if cwe:
        out["cwe"] = tuple(dict.fromkeys((*out.get("cwe", ()), *cwe)))
    return out


def problems(rule_id: str, refs: References, *, required: bool = False) -> list[str]:
    """Unknown frameworks or control ids; with ``required``, a rule that maps to nothing
    beyond CWE."""
    out: list[str] = []
    for key, ids in refs.items():
        framework = FRAMEWORKS.get(key)
        if framework is None:
            known = ", ".join(FRAMEWORKS)
            out.append(f"{rule_id}: unknown compliance framework {key!r} (known: {known})")
            continue
        out.extend(
            f"{rule_id}: {key} has no control {control!r}"
            for control in ids
            if not framework.knows(control)
        )
    if required and not any(ids for key, ids in refs.items() if key != "cwe"):
        out.append(f"{rule_id}: no compliance reference (OWASP, ATLAS, NIST AI RMF, EU AI Act)")
    return out


def tags(refs: References) -> list[str]:
    """One tag per reference, as SARIF and filters use them: ``owasp-llm/LLM03``, ``CWE-502``."""
    out: list[str] = []
    for key, ids in refs.items():
        out.extend(i if key == "cwe" else f"{key}/{i}" for i in ids)
    return out
