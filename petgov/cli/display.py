"""How a report is shown: colour (--color, NO_COLOR, FORCE_COLOR), width, display filters."""

from __future__ import annotations

import dataclasses
import os

from petgov.errors import UsageError
from petgov.model import Action, Report, Severity

COLOR_CHOICES = ("auto", "always", "never")
NOT_A_TTY_WIDTH = 120


def resolve_color(choice: str, *, to_terminal: bool) -> bool:
    """``--color``: always/never win; auto honours NO_COLOR, then FORCE_COLOR, then the TTY
    (https://no-color.org; an empty variable counts as unset)."""
    if choice not in COLOR_CHOICES:
        raise UsageError(f"unknown colour mode {choice!r}", hint="use auto, always or never")
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return to_terminal


def table_width(*, to_terminal: bool) -> int:
    """The terminal's width on a terminal; COLUMNS if set; else 120 (logs, files, pipes)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if to_terminal:
        import shutil  # on a terminal only: ~2 ms to import (bz2, lzma) for a piped report

        return shutil.get_terminal_size((NOT_A_TTY_WIDTH, 24)).columns
    return NOT_A_TTY_WIDTH


def severity_filtered(report: Report, floor: Severity | None) -> Report:
    """The report with findings below ``floor`` left out of what is shown (a blocking finding
    always stays: the display never hides why the exit code is 1); a note counts the rest."""
    if floor is None:
        return report
    kept = [d for d in report.decisions if d.severity >= floor or d.action is Action.BLOCK]
    hidden = len(report.decisions) - len(kept)
    if not hidden:
        return report
    note = f"{hidden} finding(s) below {floor.value} not shown (--severity {floor.value})"
    return dataclasses.replace(report, decisions=kept, notes=[*report.notes, note])


def empty_targets(report: Report) -> list[str]:
    """Targets in which nothing was found to scan (a wrong path in CI stays green otherwise)."""
    return [t for t in report.targets if report.facts.get(t, {}).get("target.empty")]
