"""The human table: findings by severity, what was not scanned, AI-BOM completeness, a summary."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

from petgov.model import Action, CoverageStatus, Decision, Report, Severity
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
    """Rich tables sized to the terminal; colour only when asked (the CLI resolves --color)."""

    def __init__(self, *, color: bool = False, width: int = 120) -> None:
        self.color = color
        self.width = width

    def render(self, report: Report) -> str:
        if not self.color:  # rich's layout without importing rich (~40 ms), when it can
            from petgov.reporters import plaintable

            text = plaintable.render(self._blocks(report, plaintable), self.width)
            if text is not None:
                return text
        from rich.console import Console

        console = Console(
            record=True,
            width=self.width,
            force_terminal=self.color,
            no_color=not self.color,
            file=io.StringIO(),
        )
        for block in self._blocks(report, _rich()):
            console.print(block)
        return console.export_text(styles=self.color)

    def _blocks(self, report: Report, kit: Any) -> list[Any]:
        """What is printed, in order: tables and lines built with ``kit`` (a module with
        ``Table`` and ``Text``: rich's, or plaintable's stand-ins)."""
        Text = kit.Text
        blocks: list[Any] = []
        decisions = sorted(
            report.decisions, key=lambda d: (-d.severity.rank, d.finding.path, d.rule_id)
        )
        if decisions:
            blocks.append(self._findings(decisions, kit))
            blocks.append(fixes_table(decisions, kit))
        else:
            blocks.append("No findings.")
        blocks.extend(gap_tables(report, self.width, kit))
        scores = completeness_rows(report.targets, report.facts)
        if scores:
            blocks.append(completeness_table(scores, self.width, kit))
        blocks.extend(
            Text(f"lapsed waiver {w.get('id')}: {w.get('why')}", style="magenta")
            for w in report.policy.lapsed_waivers
        )
        blocks.extend(Text("note: " + note, style="dim") for note in report.notes)
        blocks.append(
            Text(
                summary_line(report),
                style="bold red" if report.gate_failed else "bold green",
            )
        )
        return blocks

    def _findings(self, decisions: Sequence[Decision], kit: Any) -> Any:
        """One row per finding, never wider than the terminal (rich crops a table whose columns
        do not fit, which broke the box at 80 columns: D-M1). Below 100 columns severity and
        action share a column; a path is folded only when it cannot fit."""
        narrow = self.width < 100
        longest = max(len(d.finding.path) for d in decisions)
        # Columns of fixed width (text + 2 padding) and the borders between all columns.
        fixed = (18 if narrow else 10 + 18) + 13 + (5 if narrow else 6)
        room = max(20, self.width - fixed - 4)  # text of the path and finding columns
        path_width = min(longest, room - max(16, room // 3))
        Table, Text = kit.Table, kit.Text
        table = Table(title="Findings", show_lines=False, expand=False)
        if narrow:
            table.add_column("Severity", no_wrap=True)
        else:
            table.add_column("Severity", no_wrap=True)
            table.add_column("Action", no_wrap=True)
        table.add_column("Rule", no_wrap=True)
        table.add_column("Path", overflow="fold", max_width=path_width)
        table.add_column("Finding", overflow="fold", max_width=room - path_width)
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
            severity = Text(d.severity.value, style=SEVERITY_STYLE[d.severity])
            action = Text(f"{d.action.value} ({d.mode.value})", style=ACTION_STYLE[d.action])
            first = [Text("\n").join([severity, action])] if narrow else [severity, action]
            table.add_row(
                *first,
                d.rule_id,
                Text(d.finding.path),  # Text: a path or message is never read as rich markup
                what,
            )
        return table


def gap_tables(report: Report, width: int = 120, kit: Any = None) -> list[Any]:
    """Coverage gaps: the paths no engine examined (the summary's "not scanned" count), then
    the paths one engine skipped but another examined (counted as scanned, D-m6)."""
    nowhere = set(report.summary()["not_scanned"] or [])
    gaps = [c for c in report.coverage if c.status is not CoverageStatus.SCANNED]
    titles = (
        ("Not scanned (no verdict on these bytes)", [c for c in gaps if c.path in nowhere]),
        (
            "Partly scanned (another engine examined these)",
            [c for c in gaps if c.path not in nowhere],
        ),
    )
    Table, Text = (kit or _rich()).Table, (kit or _rich()).Text
    tables = []
    for title, rows in titles:
        if not rows:
            continue
        table = Table(title=title)
        table.add_column("Path", overflow="fold", max_width=max(12, width // 2))
        for col in ("Engine", "Status", "Reason"):
            table.add_column(col, overflow="fold")
        for c in sorted(rows, key=lambda c: (c.path, c.engine)):
            table.add_row(Text(c.path), c.engine, c.status.value, Text(c.reason))
        tables.append(table)
    return tables


def fixes_table(decisions: Sequence[Decision], kit: Any = None) -> Any:
    """Each rule's fix once (it was repeated under every finding: 1,701 lines for 221)."""
    Table, Text = (kit or _rich()).Table, (kit or _rich()).Text
    table = Table(title="How to fix", show_header=True)
    table.add_column("Rule", no_wrap=True)
    table.add_column("Findings", justify="right", no_wrap=True)
    table.add_column("Fix", overflow="fold")
    counts = Counter(d.rule_id for d in decisions)
    seen: dict[str, str] = {}
    for d in decisions:
        if d.remediation and d.rule_id not in seen:
            seen[d.rule_id] = d.remediation
    for rule_id in sorted(seen):
        table.add_row(rule_id, str(counts[rule_id]), Text(seen[rule_id], style="dim"))
    return table


def plural(count: int, noun: str) -> str:
    """``1 item``, ``2 items``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summary_line(report: Report) -> str:
    """The closing line, in English: ``1 item, 1 finding (medium 1), 0 not scanned — pass``."""
    s = report.summary()
    by_severity = s["by_severity"]
    assert isinstance(by_severity, dict)
    sev = ", ".join(f"{k} {v}" for k, v in by_severity.items() if v)
    not_scanned = s["not_scanned"]
    assert isinstance(not_scanned, list)
    items = s["items"]
    findings = s["findings"]
    assert isinstance(items, int) and isinstance(findings, int)
    verdict = "GATE FAILED" if report.gate_failed else "pass"
    return (
        f"{plural(items, 'item')}, {plural(findings, 'finding')}"
        + (f" ({sev})" if sev else "")
        + f", {len(not_scanned)} not scanned — {verdict}"
    )


def completeness_rows(
    targets: Sequence[str], facts: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, int, list[str]]]:
    """(target, score, missing fields) for each model target the bom scanner scored (a CSV
    folder, a code repo or an empty folder has no model card to complete)."""
    rows = []
    for target in targets:
        value = facts.get(target, {}).get("bom.completeness")
        model = facts.get(target, {}).get("bom.model_target", True)
        if model and isinstance(value, int) and not isinstance(value, bool):
            missing = facts[target].get("bom.missing")
            rows.append((target, value, [str(m) for m in missing or []]))
    return rows


def completeness_table(
    rows: Iterable[tuple[str, int, Sequence[str]]], width: int = 120, kit: Any = None
) -> Any:
    """One row per target: the 0-100 AI-BOM completeness and the fields that cost points."""
    Table, Text = (kit or _rich()).Table, (kit or _rich()).Text
    table = Table(title="AI-BOM completeness")
    table.add_column("Target", overflow="fold", max_width=max(12, width // 2))
    for col in ("Score", "Missing"):
        table.add_column(col, overflow="fold")
    for target, value, missing in rows:
        style = "green" if value >= 70 else "yellow" if value >= 50 else "red"
        table.add_row(Text(target), Text(f"{value}/100", style=style), ", ".join(missing) or "-")
    return table


def _rich() -> SimpleNamespace:
    """rich's Table and Text, as a kit for the table builders above (imported when used)."""
    from rich.table import Table
    from rich.text import Text

    return SimpleNamespace(Table=Table, Text=Text)
