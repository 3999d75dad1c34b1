"""`petgov redact DATA -o OUT`: the dataset without the personal data a scan finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from petgov.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    """Attach the redact command."""
    app.command("redact")(redact)


def redact(
    data: Path = typer.Argument(
        ..., help="A CSV, TSV, JSONL or Parquet dataset, or a folder of them."
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Where the redacted copy (file or mirrored folder) goes."
    ),
    config: Path | None = typer.Option(
        None, "--config", help="Config file with [pii.redact] (default: discovered petgov.toml)."
    ),
    nlp_model: Path | None = typer.Option(
        None, "--nlp-model", help="A local spaCy model folder for names and places in free text."
    ),
    force: bool = typer.Option(False, "--force", help="Replace OUT if it exists (never DATA)."),
) -> int:
    """Mask, fake, hash (keyed) or drop the personal data of a dataset, per entity or column
    as [pii.redact] says; writes the same format atomically, then re-scans the output."""
    from petgov.errors import UsageError
    from petgov.pii import rewrite
    from petgov.pii.engine import check_model_folder, get_engine
    from petgov.pii.readers import ReadError
    from petgov.pii.settings import load

    if data.is_dir():
        from petgov.pii.rewrite_tree import check_paths

        check_paths(data, output, force)
    elif not data.is_file():
        raise UsageError(f"{data}: no such file or folder")
    else:
        _check_file(data, output, force)
    settings = load(config)
    if nlp_model is not None:
        check_model_folder(nlp_model)
    engine = get_engine(str(nlp_model) if nlp_model else None)
    if data.is_dir():
        return _redact_folder(data, output, engine, settings, force)
    fmt = rewrite.format_of(data)
    try:
        summary = rewrite.redact_file(
            data, fmt, output, engine, settings.redact, countries=settings.countries
        )
        left = rewrite.remaining(output, fmt, engine, settings)
    except ReadError as exc:
        raise UsageError(f"{data}: {exc}") from None
    for line in summary.lines():
        typer.echo(line)
    if left:
        typer.echo(f"still personal data in {output}: {', '.join(left)}", err=True)
        return ExitCode.GATE_FAILED
    typer.echo(f"wrote {output}")
    return ExitCode.OK


def _check_file(data: Path, output: Path, force: bool) -> None:
    from petgov.errors import UsageError
    from petgov.pii import rewrite

    if output.exists() and (output.resolve() == data.resolve() or output.samefile(data)):
        raise UsageError(f"{output}: is the input; petgov redact never writes over its input")
    if output.exists() and not force:
        raise UsageError(f"{output}: exists", hint="pass --force to replace it")
    fmt = rewrite.format_of(data)
    if rewrite.format_of(output) != fmt:
        raise UsageError(f"{output}: must have the input's format ({fmt})")
    if not output.parent.is_dir():
        raise UsageError(f"{output.parent}: no such folder")


def _redact_folder(data: Path, output: Path, engine: Any, settings: Any, force: bool) -> int:
    """The folder mirrored into OUTPUT; copied files that are datasets are scanned after."""
    from petgov.pii.rewrite_tree import redact_tree
    from petgov.pipeline import ScanOptions, scan

    result = redact_tree(data, output, engine, settings, force=force)
    if result.copied:  # text, JSON or Arrow data is copied as it is: say what it still holds
        targets = [str(output / rel) for rel in result.copied]
        report = scan(targets, ScanOptions(scanners=["pii"]))
        for rel, path in zip(result.copied, targets, strict=True):
            for entity in report.facts.get(path, {}).get("pii.entities") or []:
                result.left.append(f"{rel}: {entity} (copied: not a format redact rewrites)")
    for line in result.lines():
        typer.echo(line)
    if result.left:
        typer.echo(f"still personal data in {output}: {'; '.join(result.left)}", err=True)
        return ExitCode.GATE_FAILED
    typer.echo(f"wrote {output}")
    return ExitCode.OK
