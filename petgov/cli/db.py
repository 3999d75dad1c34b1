"""`petgov db import FILE.zip` / `petgov db info`: the offline OSV vulnerability store."""

from __future__ import annotations

from pathlib import Path

import typer

DB_OPTION = typer.Option(None, "--db", help="Store path (default $PETGOV_OSV_DB or ~/.cache).")


def register(app: typer.Typer) -> None:
    """Attach the db sub-commands."""
    db = typer.Typer(help="Offline OSV vulnerability database.", no_args_is_help=True)
    db.command("import")(import_)
    db.command("info")(info)
    app.add_typer(db, name="db")


def import_(
    file: Path = typer.Argument(..., help="OSV export zip (e.g. the PyPI all.zip)."),
    db: Path | None = DB_OPTION,
) -> None:
    """Load an OSV export zip into the local store (replaces the previous one atomically)."""
    from petgov.deps.osv import import_zip

    meta = import_zip(file, db)
    typer.echo(
        f"imported {meta['records']} OSV records ({meta['skipped']} skipped) into {meta['path']}"
    )


def info(db: Path | None = DB_OPTION) -> None:
    """Show where the store is and what it holds."""
    from petgov.deps.osv import OsvStore, default_path

    store = OsvStore.open_default(db)
    if store is None:
        typer.echo(f"no OSV store at {db or default_path()}; run petgov db import FILE.zip")
        raise typer.Exit(0)
    typer.echo(f"path: {store.path}")  # where it is, as docs/beyond-weights.md says (D-m18)
    for key, value in sorted(store.meta.items()):
        typer.echo(f"{key}: {value}")
    store.close()
