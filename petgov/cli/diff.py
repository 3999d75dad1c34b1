"""`petgov diff OLD NEW`: changes between two AI-BOMs or two JSON reports; exit 1 if one gates."""

from __future__ import annotations

import enum
from pathlib import Path

import typer

from petgov.exitcodes import ExitCode


class DiffFormat(str, enum.Enum):
    """Every ``--format`` choice of ``petgov diff``."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


def register(app: typer.Typer) -> None:
    """Attach the diff command."""
    app.command("diff")(diff)


def diff(
    old: Path = typer.Argument(..., help="The earlier BOM (CycloneDX) or JSON report."),
    new: Path = typer.Argument(..., help="The later one, of the same kind."),
    fmt: DiffFormat = typer.Option(DiffFormat.TABLE, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the diff here."),
) -> int:
    """What changed (components, hashes, licences, datasets, base models, vulnerabilities,
    findings); exit 1 when a change is gate-worthy, 0 otherwise."""
    from petgov.cli.output import emit
    from petgov.diff import diff_files
    from petgov.diff.changes import render_json, render_markdown, render_table

    result = diff_files(old, new)
    render = {
        DiffFormat.TABLE: render_table,
        DiffFormat.JSON: render_json,
        DiffFormat.MARKDOWN: render_markdown,
    }[fmt]
    emit(render(result), output)
    return ExitCode.GATE_FAILED if result.gate_failed else ExitCode.OK
