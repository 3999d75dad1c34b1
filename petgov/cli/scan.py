"""`petgov scan`: run the pipeline over targets and print or write the report."""

from __future__ import annotations

from pathlib import Path

import typer

from petgov.cli import scanrun
from petgov.inventory.hashing import DigestMode
from petgov.model import RunMode, Severity
from petgov.reporters.formats import OutputFormat
from petgov.scanners.options import PiiEngineName


def register(app: typer.Typer) -> None:
    """Attach the scan command."""
    app.command("scan")(scan)


def scan(
    targets: list[str] = typer.Argument(..., help="Files, folders, archives or hf://org/repo@rev."),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here."),
    fail_on: Severity | None = typer.Option(
        None,
        "--fail-on",
        case_sensitive=False,
        help="Lowest severity that fails a gate (default: policy, else high).",
    ),
    policy: Path | None = typer.Option(
        None, "--policy", help="Policy file (petgov.toml form); default petgov.toml/pyproject.toml."
    ),
    waivers: Path | None = typer.Option(
        None, "--waivers", help="Waivers file; default .petgov/waivers.yaml when present."
    ),
    mode: RunMode = typer.Option(
        RunMode.ENFORCE,
        "--mode",
        help="enforce (rules act as written) or advisory (every rule only warns).",
    ),
    scanner: list[str] = typer.Option(
        [],
        "--scanner",
        metavar="<name>",
        help="Run only these scanners (repeatable: pickle, pii, ...; a wrong name lists all).",
    ),
    cross_check: bool = typer.Option(
        False, "--cross-check", help="Also run modelscan on files petgov covers itself."
    ),
    digests: DigestMode = typer.Option(
        DigestMode.TOP,
        "--digests",
        help="sha256 for: top (files, structured members; raw tensor members are covered by "
        "their file's digest), all, or none.",
    ),
    nlp_model: Path | None = typer.Option(
        None, "--nlp-model", help="Local spaCy model folder for PII names/locations (no download)."
    ),
    exhaustive: bool = typer.Option(
        False, "--exhaustive", help="PII: scan every cell (text mode) instead of sampling columns."
    ),
    engine: PiiEngineName = typer.Option(
        PiiEngineName.LOCAL,
        "--engine",
        help="PII: local (this process) or spark (Apache Spark reads and counts the datasets).",
    ),
    spark_master: str | None = typer.Option(
        None,
        "--spark-master",
        help="PII with --engine spark: the master URL (default: the active session, $MASTER "
        "or local[*]).",
    ),
    include_waived: bool = typer.Option(
        False, "--sarif-include-waived", help="SARIF: keep waived results as suppressions."
    ),
    verify_key: Path | None = typer.Option(
        None, "--verify-key", help="Provenance: trust signatures made with this public key."
    ),
    verify_cert_chain: list[Path] = typer.Option(
        [],
        "--verify-cert-chain",
        metavar="<path>",
        help="Provenance: trust signatures chaining to these CAs (PEM; repeatable).",
    ),
    verify_identity: str | None = typer.Option(
        None, "--verify-identity", help="Provenance: trusted Sigstore signer identity."
    ),
    verify_issuer: str | None = typer.Option(
        None, "--verify-issuer", help="Provenance: OIDC issuer of --verify-identity."
    ),
    trust_root: Path | None = typer.Option(
        None, "--trust-root", help="Provenance: trusted_root.json (never fetched online)."
    ),
    deps_environment: bool = typer.Option(
        False,
        "--deps-environment",
        help="Dependencies: also list the running Python environment's installed "
        "distributions and match them against the OSV store.",
    ),
    osv_db: Path | None = typer.Option(
        None, "--osv-db", help="Dependencies: OSV store made by petgov db import (default cache)."
    ),
    lock: Path | None = typer.Option(
        None,
        "--lock",
        help="hf:// targets: verify the cache against this lock (default: ./petgov.lock).",
    ),
    progress: bool = typer.Option(
        True, "--progress/--no-progress", help="Show a progress bar on stderr for long scans."
    ),
    max_depth: int | None = typer.Option(
        None, "--max-depth", min=0, help="Archives nested deeper are a gate finding (default 4)."
    ),
    max_members: int | None = typer.Option(
        None, "--max-members", min=1, help="Members read per archive (default 10000)."
    ),
    max_bytes: str | None = typer.Option(
        None,
        "--max-bytes",
        help="Largest archive member decompressed, e.g. 512M or 8G (default 4G).",
    ),
    timeout: float | None = typer.Option(
        None,
        "--timeout",
        min=0.001,
        help="Seconds the pickle analysis of one item may take; past it the item is a gate "
        "finding (default: bounded by 10M opcodes).",
    ),
    baseline: Path | None = typer.Option(
        None,
        "--baseline",
        help="JSON report of an earlier scan: findings it has are reported as existing and "
        "never gate; only new ones do.",
    ),
    compliance: str | None = typer.Option(
        None,
        "--compliance",
        metavar="<owasp-ml|owasp-llm|atlas|nist-ai-rmf|nist-ai-600-1|eu-ai-act>",
        help="Print a per-control view of this framework instead of the report (-f json too).",
    ),
    color: str = typer.Option(
        "auto",
        "--color",
        metavar="<auto|always|never>",
        help="Colour the table: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it).",
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Table: only the summary line; no progress bar."
    ),
    severity: str | None = typer.Option(
        None,
        "--severity",
        metavar="<info|low|medium|high|critical>",
        help="Show only findings at or above this severity (blocking ones always; the exit "
        "code still follows --fail-on).",
    ),
    exclude: list[str] = typer.Option(
        [],
        "--exclude",
        metavar="<glob>",
        help="Leave out matching paths in folders (repeatable; 'dir/' for a folder; also read "
        "from .petgovignore in the current folder and the target).",
    ),
    default_skips: bool = typer.Option(
        True,
        "--default-skips/--no-default-skips",
        help="Skip .git .hg .svn __pycache__ .venv node_modules (listed in the report).",
    ),
    fail_on_empty: bool = typer.Option(
        False, "--fail-on-empty", help="Exit 2 when a target has no files to scan."
    ),
    cache: bool = typer.Option(
        True,
        "--cache/--no-cache",
        help="Reuse per-file results of unchanged content (see petgov cache info).",
    ),
    offline: bool = typer.Option(
        False,
        "--offline",
        help="No network: hf:// from the local hub cache only (docs/targets.md).",
    ),
) -> int:
    """Scan models, datasets and code; print a report; exit 1 when a gate fails."""
    # Every option by name: the fast argv path (cli/fastscan.py) calls scanrun.run the same way.
    return scanrun.run(**locals())
