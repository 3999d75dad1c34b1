"""The human table: findings by severity, what was not scanned, AI-BOM completeness, a summary."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from petgov.model import Action, CoverageStatus, Report, Severity
from petgov.reporters.interface import Reporter

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
ACTION_STYLE = {
    Action.BLOCK: "bold red",
    Action.WARN: "yellow",
    Action.WAIVED: "green",
    Action.INFO: "dim",
}


class TableReporter(Reporter):
    """Rich tables; colour only when the console is a terminal."""

    def __init__(self, *, color: bool = False, width: int = 120) -> None:
        self.color = color
        self.width = width

    def render(self, report: Report) -> str:
        console = Console(
            record=True,
            width=self.width,
            force_terminal=self.color,
            no_color=not self.color,
            file=io.StringIO(),
        )
        decisions = sorted(
            report.decisions, key=lambda d: (-d.severity.rank, d.finding.path, d.rule_id)
        )
        if decisions:
            table = Table(title="Findings", show_lines=False, expand=False)
            for col in ("Severity", "Action", "Rule", "Path", "Finding"):
                table.add_column(col, overflow="fold")
            for d in decisions:
                what = Text(d.finding.title, style="bold")
                what.append("\n" + d.finding.message)
                if d.waiver is not None:
                    what.append(
                        f"\nwaived by {d.waiver.id} ({d.waiver.owner}, until {d.waiver.expires})",
                        style="green",
                    )
                if d.note:
                    what.append("\n" + d.note, style="magenta")
                if d.remediation:
                    what.append("\nfix: " + d.remediation, style="dim")
                table.add_row(
                    Text(d.severity.value, style=SEVERITY_STYLE[d.severity]),
                    Text(f"{d.action.value} ({d.mode.value})", style=ACTION_STYLE[d.action]),
                    d.rule_id,
                    d.finding.path,
                    what,
                )
            console.print(table)
        else:
            console.print("No findings.")
        gaps = [c for c in report.coverage if c.status is not CoverageStatus.SCANNED]
        if gaps:
            gap_table = Table(title="Not scanned (no verdict on these bytes)")
            for col in ("Path", "Engine", "Status", "Reason"):
                gap_table.add_column(col, overflow="fold")
            for c in sorted(gaps, key=lambda c: (c.path, c.engine)):
                gap_table.add_row(c.path, c.engine, c.status.value, c.reason)
            console.print(gap_table)
        scores = completeness_rows(report.targets, report.facts)
        if scores:
            console.print(completeness_table(scores))
        for w in report.policy.lapsed_waivers:
            console.print(Text(f"lapsed waiver {w.get('id')}: {w.get('why')}", style="magenta"))
        for note in report.notes:
            console.print(Text("note: " + note, style="dim"))
        s = report.summary()
        sev = ", ".join(f"{k} {v}" for k, v in s["by_severity"].items() if v)
        verdict = "GATE FAILED" if report.gate_failed else "pass"
        console.print(
            Text(
                f"{s['items']} items, {s['findings']} findings"
                + (f" ({sev})" if sev else "")
                + f", {len(s['not_scanned'])} not scanned — {verdict}",
                style="bold red" if report.gate_failed else "bold green",
            )
        )
        return console.export_text(styles=self.color)


def completeness_rows(
    targets: Sequence[str], facts: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, int, list[str]]]:
    """(target, score, missing fields) for each target the bom scanner scored."""
    rows = []
    for target in targets:
        value = facts.get(target, {}).get("bom.completeness")
        if isinstance(value, int) and not isinstance(value, bool):
            missing = facts[target].get("bom.missing")
            rows.append((target, value, [str(m) for m in missing or []]))
    return rows


def completeness_table(rows: Iterable[tuple[str, int, Sequence[str]]]) -> Table:
    """One row per target: the 0-100 AI-BOM completeness and the fields that cost points."""
    table = Table(title="AI-BOM completeness")
    for col in ("Target", "Score", "Missing"):
        table.add_column(col, overflow="fold")
    for target, value, missing in rows:
        style = "green" if value >= 70 else "yellow" if value >= 50 else "red"
        table.add_row(target, Text(f"{value}/100", style=style), ", ".join(missing) or "-")
    return table
