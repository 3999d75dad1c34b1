"""`petgov verify`: check a signature offline (model.sig, Sigstore bundles, petgov receipts)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from petgov.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    """Attach the verify command."""
    app.command("verify")(verify)


def verify(
    target: Path = typer.Argument(..., help="Model folder or file (artifact) to verify."),
    signature: Path | None = typer.Option(
        None, "--signature", help="model.sig, *.sigstore.json or a clean-room receipt."
    ),
    key: Path | None = typer.Option(None, "--key", help="Trusted public key (PEM)."),
    cert_chain: list[Path] = typer.Option(
        [], "--cert-chain", metavar="<path>", help="Trusted CA chain (PEM; repeatable)."
    ),
    identity: str | None = typer.Option(None, "--identity", help="Sigstore signer identity."),
    issuer: str | None = typer.Option(None, "--issuer", help="OIDC issuer of --identity."),
    trust_root: Path | None = typer.Option(
        None, "--trust-root", help="trusted_root.json or client trust config (never fetched)."
    ),
    ignore_path: list[str] = typer.Option(
        [], "--ignore-path", metavar="<path>", help="Unsigned paths to skip (repeatable)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> int:
    """Verify TARGET against a signature and the trust material you name; exit 1 on failure."""
    from rich.markup import escape

    from petgov.errors import UsageError, VerificationError
    from petgov.provenance.interface import TrustMaterial
    from petgov.provenance.verify import find_signature, verify_artifact

    if not target.exists():
        raise UsageError(f"{target} does not exist")
    sig = signature or find_signature(target)
    if sig is None:
        raise UsageError(f"no signature found for {target}", hint="pass --signature PATH")
    trust = TrustMaterial(
        key=key,
        cert_chain=tuple(cert_chain),
        identity=identity,
        issuer=issuer,
        trust_root=trust_root,
    )
    trust.check(FLAGS)
    try:
        result = verify_artifact(target, sig, trust, ignore_paths=ignore_path)
    except VerificationError as exc:  # the check ran and failed: exit 1, like a gate
        from petgov.cli.main import error_line

        error_line(escape(f"verification FAILED: {exc.one_line()}"))
        return ExitCode.GATE_FAILED
    if as_json:
        out = {**result.facts(), "provenance.files": list(result.files)}
        typer.echo(json.dumps(out, indent=2, sort_keys=True))
    else:
        typer.echo(f"verified {target}: {result.method} signer {result.identity} ({result.digest})")
    return ExitCode.OK


FLAGS = {  # how this command names each piece of trust material, for one-line usage errors
    "key": "--key",
    "cert_chain": "--cert-chain",
    "identity": "--identity",
    "issuer": "--issuer",
    "trust_root": "--trust-root",
}
