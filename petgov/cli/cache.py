"""`petgov cache info` / `petgov cache clear`: what petgov keeps to avoid repeating work."""

from __future__ import annotations

import typer

from petgov.exitcodes import ExitCode
from petgov.util.sizes import human_size


def register(app: typer.Typer) -> None:
    """Attach the cache sub-commands."""
    cache = typer.Typer(
        help="Scan results kept by content, and rule packs fetched by digest.",
        no_args_is_help=True,
    )
    cache.command("info")(info)
    cache.command("clear")(clear)
    app.add_typer(cache, name="cache")


def info() -> int:
    """Show where the cache is and what it holds ($PETGOV_CACHE_DIR moves it)."""
    from petgov.util.cachedir import SECTIONS, cache_root, usage

    root = cache_root()
    typer.echo(f"path: {root}")
    for name, (files, size) in usage(root).items():
        typer.echo(f"{name}: {files} file(s), {human_size(size)} ({SECTIONS[name]})")
    return ExitCode.OK


def clear(
    scans_only: bool = typer.Option(
        False, "--scans-only", help="Keep fetched rule packs (needed offline); drop scan results."
    ),
) -> int:
    """Remove cached scan results and fetched rule packs (both are rebuilt when needed)."""
    from petgov.util.cachedir import cache_root
    from petgov.util.cachedir import clear as wipe

    root = cache_root()
    removed = wipe(root, ("scan",) if scans_only else ("scan", "packs"))
    shown = ", ".join(f"{n} file(s) from {name}" for name, n in removed.items())
    typer.echo(f"removed {shown} in {root}")
    return ExitCode.OK
