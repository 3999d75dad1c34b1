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
    # soft_wrap: a path is never folded mid-name, so it can be copied.
    for label, line in (("OSV store", osv_store_line()), ("PII NLP model", nlp_model_line())):
        console.print(f"{label}: {line}", highlight=False, markup=False, soft_wrap=True)
    from petgov.targets import hf

    console.print(f"HF_HUB_OFFLINE: {'set' if hf.offline() else 'not set'}")
    console.print(f"hub cache (hf:// targets are read from it first): {hf.cache_dir()}")
    console.print(
        "network: petgov never needs it; scans, verification and BOMs run offline. Only "
        "'sign --sigstore' and remote targets you name (hf:// not in the cache, s3://, gs://, "
        "https://) go online; --offline forbids even that (docs/targets.md)"
    )


def osv_store_line() -> str:
    """Where the vulnerability store is and what it holds: without one, dependencies are listed
    but not checked (D-m18)."""
    from petgov.deps.osv import OsvStore, default_path
    from petgov.errors import PetgovError

    try:
        store = OsvStore.open_default()
    except PetgovError as exc:
        return f"{default_path()}: unreadable ({exc.one_line()})"
    if store is None:
        return f"none at {default_path()} (dependencies are not checked; petgov db import FILE.zip)"
    records, when = store.meta.get("records", "?"), store.meta.get("imported_at", "?")
    store.close()
    return f"{store.path} ({records} records, imported {when})"


def nlp_model_line() -> str:
    """What the PII scanner tokenizes with; spaCy NER models are used only when named."""
    import importlib.metadata

    names = sorted(
        {
            str(d.metadata["Name"])
            for d in importlib.metadata.distributions()
            if d.metadata["Name"] and _is_spacy_model(str(d.metadata["Name"]))
        }
    )
    installed = f"; installed spaCy models: {', '.join(names)}" if names else ""
    return (
        "blank spaCy 'en' pipeline, pattern and checksum recognizers (no NER); "
        f"--nlp-model FOLDER adds NER from a local spaCy model, never downloaded{installed}"
    )


def _is_spacy_model(name: str) -> bool:
    parts = name.lower().replace("-", "_").split("_")
    return len(parts) >= 3 and len(parts[0]) == 2 and parts[1] == "core"
