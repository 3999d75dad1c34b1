"""`petgov version` and `petgov doctor`: what this install can do, offline."""

from __future__ import annotations

import typer

import petgov
from petgov.util.lazy import available

# (import name, distribution, what it powers)
ENGINES = (
    ("modelscan", "modelscan", "serialization cross-check engine"),
    ("presidio_analyzer", "presidio-analyzer", "dataset PII scanner"),
    ("spacy", "spacy", "PII tokenization / optional NER"),
    ("pyarrow", "pyarrow", "Parquet / Arrow / HF datasets reading"),
    ("h5py", "h5py", "Keras HDF5 inspection"),
    ("sigstore", "sigstore", "Sigstore bundle verification"),
    ("model_signing", "model-signing", "OpenSSF model signing"),
    ("cyclonedx", "cyclonedx-python-lib", "CycloneDX AI-BOM"),
    ("huggingface_hub", "huggingface-hub", "hf:// targets, model cards"),
    ("cel", "common-expression-language", "policy rule expressions"),
    ("detect_secrets", "detect-secrets", "secret detection"),
)


def register(app: typer.Typer) -> None:
    """Attach version and doctor."""
    app.command("version")(version)
    app.command("doctor")(doctor)


def version() -> None:
    """Print petgov's version."""
    typer.echo(f"petgov {petgov.__version__}")


def doctor() -> None:
    """Show which engines and optional extras are available, and whether we are offline."""
    import importlib.metadata

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"petgov {petgov.__version__}")
    for col in ("engine", "package", "version", "used for"):
        table.add_column(col)
    for module, dist, purpose in ENGINES:
        if available(module):
            try:
                ver = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                ver = "?"
            table.add_row(module, dist, ver, purpose)
        else:
            table.add_row(module, dist, "[red]missing[/]", purpose)
    console = Console()
    console.print(table)
    from petgov.targets import hf

    console.print(f"HF_HUB_OFFLINE: {'set' if hf.offline() else 'not set'}")
    console.print(f"hub cache (hf:// targets are read from it first): {hf.cache_dir()}")
    console.print(
        "network: petgov never needs it; scans, verification and BOMs run offline "
        "(only 'sign --sigstore' and hf:// downloads go online)"
    )
