"""`petgov sign`: sign a model folder or file into model.sig (OpenSSF model-signing format)."""

from __future__ import annotations

from pathlib import Path

import typer

from petgov.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    """Attach the sign command."""
    app.command("sign")(sign)


def default_signature(target: Path) -> Path:
    """model.sig inside a folder, FILE.sig beside a file."""
    return target / "model.sig" if target.is_dir() else target.with_name(target.name + ".sig")


def sign(
    target: Path = typer.Argument(..., help="Model folder or file to sign."),
    key: Path | None = typer.Option(None, "--key", help="EC private key (PEM)."),
    cert: Path | None = typer.Option(None, "--cert", help="Signing certificate for --key."),
    cert_chain: list[Path] = typer.Option(
        [], "--cert-chain", metavar="<path>", help="Certificate chain (PEM; repeatable)."
    ),
    sigstore: bool = typer.Option(
        False, "--sigstore", help="Keyless Sigstore signing (needs the network and an OIDC login)."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Signature path."),
    hash_algorithm: str = typer.Option(
        "sha256",
        "--hash",
        metavar="<sha256|blake3>",
        help="sha256 (sharded, interoperable) or blake3 (fast).",
    ),
    ignore_path: list[str] = typer.Option(
        [], "--ignore-path", metavar="<path>", help="Paths not to sign (repeatable)."
    ),
) -> int:
    """Sign TARGET; the signature lists every file's digest."""
    from petgov.errors import UsageError
    from petgov.provenance.modelsig import sign_model

    if not target.exists():
        raise UsageError(f"{target} does not exist")
    if cert_chain and cert is None:
        raise UsageError("--cert-chain needs --cert (the signing certificate)")
    sig = output or default_signature(target)
    if sig.exists():
        raise UsageError(f"{sig} exists", hint="remove it or pass --output elsewhere")
    sign_model(
        target,
        sig,
        key=key,
        cert_chain=cert_chain,
        signing_cert=cert,
        sigstore=sigstore,
        hash_algorithm=hash_algorithm,
        ignore_paths=ignore_path,
    )
    typer.echo(f"signed {target} -> {sig}")
    return ExitCode.OK
