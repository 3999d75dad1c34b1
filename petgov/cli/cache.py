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
    cache.command("prune")(prune)
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
    from petgov.util.cachedir import SECTIONS, cache_root
    from petgov.util.cachedir import clear as wipe

    root = cache_root()
    removed = wipe(root, ("scan",) if scans_only else tuple(SECTIONS))
    shown = ", ".join(f"{n} file(s) from {name}" for name, n in removed.items())
    typer.echo(f"removed {shown} in {root}")
    return ExitCode.OK


def prune(
    older_than: str | None = typer.Option(
        None,
        "--older-than",
        metavar="<age>",
        help="Drop scan results not used for this long, e.g. 30d, 12h, 2w (default: 30d).",
    ),
    max_size: str | None = typer.Option(
        None,
        "--max-size",
        metavar="<size>",
        help="Then drop the least recently used until the scan results fit, e.g. 500M, 2G.",
    ),
) -> int:
    """Drop old scan results (by last use) and keep them under a size; rule packs are kept."""
    import time

    from petgov.util.cachedir import cache_root
    from petgov.util.cachedir import prune as drop
    from petgov.util.sizes import parse_age, parse_size

    age = parse_age(older_than, "--older-than") if older_than is not None else None
    cap = parse_size(max_size, "--max-size") if max_size is not None else None
    if age is None and cap is None:
        age = parse_age("30d", "--older-than")
    root = cache_root()
    files, freed = drop(root, age, cap, time.time())
    typer.echo(f"removed {files} scan result file(s), {human_size(freed)}, in {root}")
    return ExitCode.OK
