"""`petgov bom`: scan targets, then write a validated CycloneDX ML-BOM or SPDX 3 AI-BOM.

Both formats render the same facts (``petgov.bom.info``); an invalid document is never written.
"""

from __future__ import annotations

import enum
import sys
import time
from pathlib import Path
from typing import Any

import typer

from petgov.exitcodes import ExitCode
from petgov.util.never import assert_never


class BomFormat(str, enum.Enum):
    """Document formats ``petgov bom`` writes."""

    CYCLONEDX_JSON = "cyclonedx-json"
    SPDX3_JSON = "spdx3-json"


class Spec(str, enum.Enum):
    """CycloneDX specification versions petgov writes and validates against."""

    V1_6 = "1.6"
    V1_7 = "1.7"


def register(app: typer.Typer) -> None:
    """Attach the bom command."""
    app.command("bom")(bom)


def bom(
    targets: list[str] = typer.Argument(
        ..., help="Model folders, files, archives or hf://org/repo@rev."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the BOM here."),
    spec: Spec = typer.Option(
        Spec.V1_6, "--spec", help="CycloneDX specification version (SPDX is always 3.0.1)."
    ),
    fmt: BomFormat = typer.Option(BomFormat.CYCLONEDX_JSON, "--format", "-f", help="Format."),
    reproducible: bool = typer.Option(
        False,
        "--reproducible",
        help="Fix the serial number (from the file digests) and the timestamp "
        "(SOURCE_DATE_EPOCH, else 1970-01-01) so equal inputs give equal bytes.",
    ),
    scanner: list[str] = typer.Option(
        [],
        "--scanner",
        metavar="<name>",
        help="Run only these scanners (repeatable; the bom and licenses scanners always run).",
    ),
    deps_environment: bool = typer.Option(
        False,
        "--deps-environment",
        help="List the running Python environment's installed distributions as components "
        "and match them against the OSV store.",
    ),
    osv_db: Path | None = typer.Option(
        None, "--osv-db", help="OSV store made by petgov db import (default: the cache path)."
    ),
    vex: Path | None = typer.Option(
        None,
        "--vex",
        help="Also write a CycloneDX VEX document of the OSV vulnerabilities here, "
        "linked to this BOM's serial number.",
    ),
    lock: Path | None = typer.Option(
        None,
        "--lock",
        help="hf:// targets: verify the cache against this lock (default: ./petgov.lock).",
    ),
    offline: bool = typer.Option(
        False, "--offline", help="No network: hf:// from the local hub cache only."
    ),
) -> int:
    """Write an AI-BOM with hashes, model card, datasets, lineage, provenance and findings."""
    from petgov.cli.output import emit
    from petgov.cli.scanrun import checked_lock
    from petgov.errors import UsageError
    from petgov.pipeline import ScanOptions, scan

    if osv_db is not None:
        from petgov.deps.osv import check_store

        check_store(osv_db)
    if vex is not None and fmt is not BomFormat.CYCLONEDX_JSON:
        raise UsageError(
            "--vex links to a CycloneDX BOM", hint="drop --vex or use -f cyclonedx-json"
        )
    scanners = sorted({*scanner, "bom", "licenses"}) if scanner else None
    from petgov.scanners.options import DependencyOptions, ProvenanceOptions, ScannerOptions

    options = ScannerOptions(
        provenance=ProvenanceOptions(lock=checked_lock(lock, targets)),
        dependencies=DependencyOptions(environment=deps_environment, osv_db=osv_db),
    )
    from petgov.targets.remote.consent import offline_mode

    with offline_mode(offline):
        report = scan(targets, ScanOptions(scanners=scanners, scanner_options=options))
    start = time.perf_counter()
    cyclonedx: dict[str, Any] | None = None  # the BOM a VEX links to
    if fmt is BomFormat.SPDX3_JSON:
        from petgov.bom import spdx

        doc = spdx.document(report, spdx.SpdxOptions(reproducible=reproducible))
        text, what = spdx.render(doc.document), f"SPDX {spdx.SPEC_VERSION} AI-BOM"
        scores, missing = doc.scores, doc.missing
    elif fmt is BomFormat.CYCLONEDX_JSON:
        from petgov.bom import api
        from petgov.bom.builder import BuildOptions

        built = api.document(report, BuildOptions(spec=spec.value, reproducible=reproducible))
        text, what = api.render(built.document), f"CycloneDX {spec.value} ML-BOM"
        scores, missing = built.scores, built.missing
        cyclonedx = built.document
    else:  # pragma: no cover - exhaustive over BomFormat
        assert_never(fmt)
    elapsed = time.perf_counter() - start
    emit(text, output)
    rows = [(t, scores[t], missing[t]) for t in scores]
    _summary(rows, what, output, elapsed)
    if vex is not None and cyclonedx is not None:
        from petgov.bom import vex as vex_doc

        written = vex_doc.write(cyclonedx, vex, reproducible=reproducible)
        count = len(written["vulnerabilities"])
        sys.stderr.write(f"valid CycloneDX {spec.value} VEX -> {vex} ({count} vulnerabilities)\n")
    return ExitCode.OK


def _summary(
    rows: list[tuple[str, int, list[str]]], what: str, output: Path | None, elapsed: float
) -> None:
    """On stderr (stdout may be the BOM): what was written, then the completeness table."""
    from rich.console import Console

    from petgov.cli.display import table_width
    from petgov.reporters.table import completeness_table

    where = f"-> {output}" if output else "-> stdout"
    width = table_width(to_terminal=sys.stderr.isatty())  # not a fixed 120 (D-M1)
    console = Console(file=sys.stderr, width=width, no_color=not sys.stderr.isatty())
    console.print(f"valid {what} {where} ({elapsed:.2f} s)", highlight=False)
    console.print(completeness_table(rows, width))
