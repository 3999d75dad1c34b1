"""The result of a diff, whatever was compared, and its three renderings (table, JSON, Markdown)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from petgov.util.markdown import md


@dataclass(frozen=True)
class Change:
    """One difference: what happened to which thing, before and after, and whether it gates."""

    change: (
        str  # added | removed | hash changed | licence changed | version changed | new | resolved
    )
    kind: str  # model | file | dataset | base model | dependency | vulnerability | finding | item
    name: str
    before: str = ""
    after: str = ""
    detail: str = ""
    gate: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "kind": self.kind,
            "name": self.name,
            "before": self.before,
            "after": self.after,
            "detail": self.detail,
            "gate": self.gate,
        }


@dataclass(frozen=True)
class DiffResult:
    """All changes between two documents of one type (``report`` or ``cyclonedx``)."""

    compared: str
    changes: list[Change]

    @property
    def gate_failed(self) -> bool:
        return any(c.gate for c in self.changes)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(f"{c.kind} {c.change}" for c in self.changes).items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "compared": self.compared,
            "gate_failed": self.gate_failed,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
        }


def render_json(result: DiffResult) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _line(c: Change) -> str:
    arrow = f"{c.before} -> {c.after}" if c.before or c.after else ""
    extra = "; ".join(p for p in (arrow, c.detail) if p)
    return f"{'GATE ' if c.gate else '     '}{c.change:<16} {c.kind:<13} {c.name}" + (
        f"  ({extra})" if extra else ""
    )


def render_table(result: DiffResult) -> str:
    if not result.changes:
        return f"No changes ({result.compared}).\n"
    lines = [_line(c) for c in result.changes]
    gates = sum(1 for c in result.changes if c.gate)
    verdict = (
        f"{gates} gate-worthy change(s): GATE FAILED" if gates else "nothing gate-worthy: pass"
    )
    lines += ["", f"{len(result.changes)} change(s) ({result.compared}); {verdict}"]
    return "\n".join(lines) + "\n"


def render_markdown(result: DiffResult) -> str:
    icon = "❌" if result.gate_failed else "✅"
    lines = [
        "<!-- petgov-diff -->",
        f"## {icon} petgov diff ({result.compared}): {len(result.changes)} change(s)",
        "",
    ]
    if result.changes:
        lines += [
            "| gate | change | kind | name | before → after | detail |",
            "|---|---|---|---|---|---|",
        ]
        for c in result.changes:
            moved = f"{md(c.before)} → {md(c.after)}" if c.before or c.after else ""
            gate = "❌" if c.gate else ""
            lines.append(
                f"| {gate} | {c.change} | {c.kind} | {md(c.name)} | {moved} | {md(c.detail)} |"
            )
    return "\n".join(lines) + "\n"
