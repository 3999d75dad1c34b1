"""`petgov attest verify`: offline TEE evidence verification with explicit checks."""

from __future__ import annotations

from pathlib import Path

import typer

from petgov.attestation.interface import EVIDENCE_TYPES
from petgov.exitcodes import ExitCode
from petgov.reporters.formats import TableOrJson

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
    fmt: TableOrJson = typer.Option(TableOrJson.TABLE, "--format", "-f", help="Output format."),
) -> int:
    """Verify EVIDENCE offline: exit 0 pass, 1 fail, 2 unusable input."""
    from petgov.attestation.api import verify_evidence
    from petgov.errors import TargetError, UsageError
    from petgov.reporters.attestation import render
    from petgov.util.clock import parse_instant, system_clock

    if evidence_type not in TYPES:
        raise UsageError(f"unknown --type {evidence_type!r}", hint=f"one of {', '.join(TYPES)}")
    for path in (evidence, *certs, *([reference] if reference else [])):
        if not path.is_file():
            raise TargetError(f"{path}: {'is a directory' if path.is_dir() else 'no such file'}")
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
    typer.echo(render(result, fmt), nl=False)
    return ExitCode.OK if result.verdict == "pass" else ExitCode.GATE_FAILED


@attest_app.command("fetch-collateral")
def fetch_collateral(
    evidence: Path = typer.Argument(..., help="The evidence whose platform needs collateral."),
    evidence_type: str = typer.Option(
        ..., "--type", "-t", metavar="<snp|tdx|az-snp-vtpm|az-tdx-vtpm>", help="Evidence type."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Collateral folder (created if missing)."),
    online: bool = typer.Option(False, "--online", help="Allow network access (required)."),
    product: str | None = typer.Option(
        None, "--product", metavar="<milan|genoa|turin>", help="AMD product for v2 SNP reports."
    ),
    pcs_url: str = typer.Option(
        "https://api.trustedservices.intel.com", hidden=True, help="Intel PCS base URL."
    ),
    root_crl_url: str = typer.Option(
        "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der",
        hidden=True,
        help="Intel SGX Root CA CRL URL.",
    ),
    kds_url: str = typer.Option("https://kdsintf.amd.com", hidden=True, help="AMD KDS base URL."),
) -> int:
    """Fetch Intel PCS / AMD KDS collateral for EVIDENCE into a folder (needs --online)."""
    from petgov.attestation import fetch
    from petgov.errors import TargetError, UsageError

    if not online:
        raise UsageError(
            "fetch-collateral uses the network: add --online",
            hint="everything else in petgov attest runs offline",
        )
    if evidence_type not in ("snp", "tdx", "az-snp-vtpm", "az-tdx-vtpm"):
        raise UsageError(f"no collateral to fetch for --type {evidence_type!r}")
    if product is not None and product not in ("milan", "genoa", "turin"):
        raise UsageError(f"unknown --product {product!r}", hint="milan, genoa or turin")
    if not evidence.is_file():
        what = "is a directory" if evidence.is_dir() else "no such file"
        raise TargetError(f"{evidence}: {what}")
    if out.exists() and not out.is_dir():
        raise TargetError(f"{out}: is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    data = evidence.read_bytes()
    if evidence_type.startswith("az-"):
        from petgov.attestation.azure_vtpm import load_evidence, parse_hcl

        loaded = load_evidence(data)
        if evidence_type == "az-tdx-vtpm":
            if loaded.td_quote is None:
                raise UsageError("the Azure TDX evidence has no td_quote")
            data = loaded.td_quote
        else:
            data = parse_hcl(loaded.hcl).hw_report
    if evidence_type in ("tdx", "az-tdx-vtpm"):
        got = fetch.fetch_tdx(data, out, pcs=pcs_url, root_crl=root_crl_url)
    else:
        got = fetch.fetch_snp(data, out, kds=kds_url, product=product)
    for item in got:
        typer.echo(f"fetched {item.name} ({item.size} bytes) from {item.url}")
    return ExitCode.OK
