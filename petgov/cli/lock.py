"""`petgov lock`: pin a Hugging Face repo to a commit and the sha256 of every file in it."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from petgov.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    """Attach the lock command."""
    app.command("lock")(lock)


def lock(
    target: str = typer.Argument(..., help="hf://org/name@COMMIT (or a branch or tag)."),
    output: Path = typer.Option(Path("petgov.lock"), "--output", "-o", help="Lock file to write."),
) -> int:
    """Write a lock (repo, commit, path -> sha256) that later scans re-hash the cache against."""
    from petgov.errors import TargetError
    from petgov.pipeline import resolve
    from petgov.provenance.hub import make_lock
    from petgov.provenance.hublock import write_lock

    resolved = resolve(target)
    try:
        pinned = make_lock(resolved)
    except OSError as exc:
        raise TargetError(f"{target}: cannot read the cached files: {exc}") from exc
    write_lock(output, pinned)
    if pinned.revision != pinned.commit:
        sys.stderr.write(
            f"note: {pinned.revision!r} is not a commit; the lock pins {pinned.commit}\n"
        )
    typer.echo(f"locked {pinned.repo}@{pinned.commit}: {len(pinned.files)} files -> {output}")
    return ExitCode.OK
