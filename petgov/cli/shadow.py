"""`petgov shadow PATH`: the models and AI services a codebase uses, and which are sanctioned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Attach the shadow command."""
    app.command("shadow")(shadow)


def shadow(
    path: Path = typer.Argument(..., help="Code folder, file or notebook to inventory."),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="File with a [shadow_ai] table (default ./petgov.toml)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the inventory as JSON."),
    strict: bool = typer.Option(
        False, "--strict", help="Exit 1 when any use is not sanctioned (for CI)."
    ),
) -> None:
    """List model uses (from_pretrained, hf_hub_download, pipeline, provider SDKs); judge them."""
    from petgov.errors import UsageError
    from petgov.exitcodes import ExitCode
    from petgov.pipeline import ScanOptions, scan

    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    if config is not None:  # a bad list must stop here, not become "not judged" (and pass --strict)
        from petgov.shadow.policy import find

        find(str(config), [])
    from petgov.scanners.options import ScannerOptions, ShadowOptions

    options = ScanOptions(
        scanners=["shadow-ai"],
        scanner_options=ScannerOptions(shadow=ShadowOptions(sanctioned=config)),
    )
    report = scan([str(path)], options).to_dict()
    facts: dict[str, Any] = next(
        (f for f in report["facts"].values() if "shadow_ai.models" in f), {"shadow_ai.models": []}
    )
    rows = facts["shadow_ai.models"]
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "policy": facts.get("shadow_ai.policy"),
                    "uses": rows,
                    "findings": report["findings"],
                },
                indent=2,
            )
        )
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"AI use in {path} ({len(rows)})")
        for col in ("model / service", "provider", "revision", "sanctioned", "where"):
            table.add_column(col)
        for r in rows:
            verdict = {True: "yes", False: "[red]no[/red]", None: "not judged"}[r["sanctioned"]]
            table.add_row(
                r["id"] or f"<{r['kind']}>",
                r["provider"],
                r["revision"] or "-",
                verdict,
                f"{r['path']}:{r['line']}",
            )
        Console().print(table)
        if facts.get("shadow_ai.policy") is None:
            typer.echo("no [shadow_ai] sanctioned list found: uses are listed, not judged")
    if strict and any(r["sanctioned"] is False for r in rows):
        raise typer.Exit(int(ExitCode.GATE_FAILED))
