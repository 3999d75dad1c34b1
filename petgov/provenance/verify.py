"""One entry point that picks the right verifier for a signature file."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path

from petgov.errors import UsageError
from petgov.provenance.interface import TrustMaterial, Verified
from petgov.provenance.keybundle import read_bundle

MODEL_SIGNING_PREDICATE = "https://model_signing/signature/v1.0"


def find_signature(target: Path) -> Path | None:
    """The conventional signature path for ``target``, when one exists."""
    if target.is_dir():
        sig = target / "model.sig"
        return sig if sig.is_file() else None
    for suffix in (".sig", ".sigstore.json", ".sigstore"):
        sig = target.with_name(target.name + suffix)
        if sig.is_file():
            return sig
    return None


def is_model_signing(signature: Path) -> bool:
    """Whether the bundle carries a model-signing manifest (rather than a plain statement)."""
    env = read_bundle(signature).get("dsseEnvelope")
    if not isinstance(env, dict):
        return False
    try:
        stmt = json.loads(base64.b64decode(env.get("payload", ""), validate=True))
    except ValueError:
        return False
    return isinstance(stmt, dict) and stmt.get("predicateType") == MODEL_SIGNING_PREDICATE


def verify_artifact(
    target: Path, signature: Path, trust: TrustMaterial, *, ignore_paths: Sequence[str] = ()
) -> Verified:
    """Verify ``signature`` over ``target`` offline; raise VerificationError on failure."""
    from petgov.provenance import modelsig, sigbundle

    if trust.method is None:
        raise UsageError("say what to trust: --key, --cert-chain, or --identity/--issuer")
    if is_model_signing(signature):
        return modelsig.verify_model(target, signature, trust, ignore_paths=ignore_paths)
    if target.is_dir():
        raise UsageError(
            f"{signature} is not a model-signing signature, so it cannot cover the folder {target}",
            hint="verify a folder with the model.sig that petgov sign wrote; a Sigstore bundle "
            "covers one file",
        )
    return sigbundle.verify_file(target, signature, trust)
