"""`petgov attest verify`: offline TEE evidence verification with explicit checks."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from petgov.attestation.interface import EVIDENCE_TYPES
from petgov.exitcodes import ExitCode

attest_app = typer.Typer(help="Verify TEE attestation evidence offline.", no_args_is_help=True)
TYPES = (*EVIDENCE_TYPES, "auto")


def register(app: typer.Typer) -> None:
    """Attach the attest command group."""
    app.add_typer(attest_app, name="attest")


@attest_app.command("verify")
def verify(
    evidence: Path = typer.Argument(..., help="Report, quote, token or attestation document."),
    evidence_type: str = typer.Option(
        ..., "--type", "-t", metavar="<" + "|".join(TYPES) + ">", help="Evidence type."
    ),
    certs: list[Path] = typer.Option(
        [],
        "--certs",
        metavar="<path>",
        help="VCEK/VLEK, ASK/ARK, GPU chain, or a pinned JWKS (repeatable).",
    ),
    collateral: Path | None = typer.Option(
        None, "--collateral", help="Folder with TDX TCB Info, QE Identity, signing chain, CRLs."
    ),
    reference: Path | None = typer.Option(None, "--reference", help="Reference values (YAML)."),
    nonce: str | None = typer.Option(None, "--nonce", help="Expected nonce, hex."),
    now: str | None = typer.Option(None, "--now", help="Evaluate at this ISO 8601 time."),
    strict: bool = typer.Option(False, "--strict", help="A skipped check fails the verdict."),
    fmt: str = typer.Option(
        "table", "--format", "-f", metavar="<table|json>", help="Output format."
    ),
) -> int:
    """Verify EVIDENCE offline: exit 0 pass, 1 fail, 2 unusable input."""
    from petgov.attestation.api import verify_evidence
    from petgov.errors import TargetError, UsageError
    from petgov.util.clock import parse_instant, system_clock

    if evidence_type not in TYPES:
        raise UsageError(f"unknown --type {evidence_type!r}", hint=f"one of {', '.join(TYPES)}")
    if fmt not in ("table", "json"):
        raise UsageError(f"unknown format {fmt!r}", hint="use table or json")
    for path in (evidence, *certs, *([reference] if reference else [])):
        if not path.is_file():
            raise TargetError(f"{path}: no such file")
    if collateral is not None and not collateral.is_dir():
        what = "is not a folder" if collateral.exists() else "no such folder"
        raise TargetError(f"{collateral}: {what}", hint="--collateral takes a folder of files")
    result = verify_evidence(
        evidence,
        evidence_type,
        reference=reference,
        nonce=nonce,
        now=parse_instant(now) if now else system_clock(),
        certs=certs,
        collateral=collateral,
        strict=strict,
    )
    if fmt == "json":
        typer.echo(json.dumps(result.as_dict(), indent=2))
    else:
        _table(result)
    return ExitCode.OK if result.verdict == "pass" else ExitCode.GATE_FAILED


def _table(result: object) -> None:
    from petgov.attestation.api import AttestationResult

    assert isinstance(result, AttestationResult)
    claims = result.claims
    typer.echo(
        f"verdict: {result.verdict_line}   type: {result.evidence_type}"
        + (" (detected)" if result.detected else "")
        + f" ({claims.tee_type} {claims.evidence_version})"
    )
    width = max(len(c.name) for c in result.checks) if result.checks else 10
    for check in result.checks:
        typer.echo(f"  {check.status:<8} {check.name:<{width}}  {check.detail}")
    shown = {
        "debug": claims.debug,
        "hardware": claims.hardware_model,
        "platform": claims.platform_id,
        "tcb status": claims.tcb_status,
        "image digest": claims.image_digest,
        "report data": claims.report_data.hex() if claims.report_data else None,
        "public key sha256": claims.public_key_spki_sha256,
    }
    for name, value in shown.items():
        if value is not None:
            typer.echo(f"  {name}: {value}")
    for name, value in list(claims.measurements.items())[:8]:
        typer.echo(f"  {name}: {value}")
