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
    offline: bool = typer.Option(
        False, "--offline", help="No network: lock from the local hub cache only."
    ),
) -> int:
    """Write a lock (repo, commit, path -> sha256) that later scans re-hash the cache against."""
    from petgov.errors import TargetError
    from petgov.pipeline import resolve
    from petgov.provenance.hub import make_lock
    from petgov.provenance.hublock import write_lock
    from petgov.targets.remote.consent import offline_mode

    with offline_mode(offline):
        resolved = resolve(target)
    try:
        pinned = make_lock(resolved)
    except OSError as exc:
        raise TargetError(f"{target}: cannot read the files: {exc}") from exc
    write_lock(output, pinned)
    if pinned.revision != pinned.commit:
        sys.stderr.write(
            f"note: {pinned.revision!r} is not a commit; the lock pins {pinned.commit}\n"
        )
    reported = sum(1 for e in resolved.entries if e.depth == 0 and e.source.partial())
    if reported:
        sys.stderr.write(
            f"note: {reported} digest(s) of weights read only in part are as the hub reports "
            "them (LFS sha256); --digests all on a scan downloads and checks every byte\n"
        )
    typer.echo(f"locked {pinned.repo}@{pinned.commit}: {len(pinned.files)} files -> {output}")
    return ExitCode.OK
