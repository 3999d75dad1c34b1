"""`petgov shadow PATH`: the models and AI services a codebase uses, and which are sanctioned."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Attach the shadow command."""
    app.command("shadow")(shadow)


def shadow(
    path: Path = typer.Argument(..., help="Code folder, file or notebook to inventory."),
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        help="File with a [shadow_ai] table (default ./petgov.toml; never the scanned folder's).",
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
    from petgov.reporters.shadow import ShadowInventory

    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    if config is not None:  # a bad list must stop here, not become "not judged" (and pass --strict)
        from petgov.shadow.policy import require

        require(config)
    from petgov.scanners.options import ScannerOptions, ShadowOptions

    options = ScanOptions(
        scanners=["shadow-ai"],
        scanner_options=ScannerOptions(shadow=ShadowOptions(sanctioned=config)),
    )
    inventory = ShadowInventory.of(scan([str(path)], options))
    if as_json:
        typer.echo(inventory.to_json(), nl=False)
    else:
        import shutil

        from petgov.cli.output import stdout_is_terminal

        width = shutil.get_terminal_size().columns
        title = f"AI use in {path}"
        typer.echo(inventory.to_table(title, color=stdout_is_terminal(), width=width), nl=False)
    if strict and inventory.policy is None and inventory.uses:
        # --strict promises a judgement; with no sanctioned list every use is unjudged (D-m17).
        raise UsageError(
            "--strict: no sanctioned list to judge these uses against",
            hint="pass --config FILE or add [shadow_ai] to petgov.toml",
        )
    if strict and inventory.unsanctioned:
        raise typer.Exit(int(ExitCode.GATE_FAILED))
