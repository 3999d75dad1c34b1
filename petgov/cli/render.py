"""Text for the CLI-only results: a clean-room promotion (its JSON is ``Promotion.to_dict``).

Reports have reporters (``petgov.reporters``); a promotion is not a report and sits above that
layer, so its table lives here, beside the one command that prints it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer

from petgov.reporters.formats import TableOrJson
from petgov.util.never import assert_never

if TYPE_CHECKING:
    from petgov.cleanroom.promote import Promotion


def print_promotion(result: Promotion, fmt: TableOrJson) -> None:
    """Every gate with its reasons, then released or denied; or the whole outcome as JSON."""
    if fmt is TableOrJson.JSON:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
        return
    if fmt is TableOrJson.TABLE:
        _promotion_table(result)
        return
    assert_never(fmt)


def _promotion_table(result: Promotion) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"promotion into {result.cleanroom}")
    table.add_column("gate")
    table.add_column("result")
    table.add_column("reasons", overflow="fold")
    for g in result.gates:
        table.add_row(
            g.name, "[green]pass[/]" if g.passed else "[red]FAIL[/]", "\n".join(g.reasons)
        )
    console.print(table)
    if result.allowed:
        console.print(f"[bold green]released[/] {result.release_id} -> {result.location}")
    else:
        console.print("[bold red]denied[/]: nothing was released; the decision is in the audit log")
