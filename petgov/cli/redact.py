"""`petgov redact DATA -o OUT`: the dataset without the personal data a scan finds."""

from __future__ import annotations

from pathlib import Path

import typer

from petgov.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    """Attach the redact command."""
    app.command("redact")(redact)


def redact(
    data: Path = typer.Argument(..., help="A CSV, TSV, JSONL or Parquet dataset."),
    output: Path = typer.Option(..., "--output", "-o", help="Where the redacted copy goes."),
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
    from petgov.pii.settings import load

    if not data.is_file():
        raise UsageError(f"{data}: no such file")
    if output.exists() and (output.resolve() == data.resolve() or output.samefile(data)):
        raise UsageError(f"{output}: is the input; petgov redact never writes over its input")
    if output.exists() and not force:
        raise UsageError(f"{output}: exists", hint="pass --force to replace it")
    fmt = rewrite.format_of(data)
    if rewrite.format_of(output) != fmt:
        raise UsageError(f"{output}: must have the input's format ({fmt})")
    if not output.parent.is_dir():
        raise UsageError(f"{output.parent}: no such folder")
    settings = load(config)
    if nlp_model is not None:
        check_model_folder(nlp_model)
    engine = get_engine(str(nlp_model) if nlp_model else None)
    table = rewrite.read_table(data, fmt)
    new, summary = rewrite.redact_table(
        table, engine, settings.redact, countries=settings.countries
    )
    rewrite.write_table(new, fmt, output)
    left = rewrite.remaining(rewrite.read_table(output, fmt), engine, settings)
    for line in summary.lines():
        typer.echo(line)
    if left:
        typer.echo(f"still personal data in {output}: {', '.join(left)}", err=True)
        return ExitCode.GATE_FAILED
    typer.echo(f"wrote {output}")
    return ExitCode.OK
