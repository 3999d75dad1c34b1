"""Single-file Sigstore bundles (``*.sigstore.json``): keyless via sigstore-python, managed
keys via :mod:`petgov.provenance.keybundle`. The trusted root always comes from a file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from petgov.errors import UsageError, VerificationError
from petgov.provenance.interface import TrustMaterial, Verified
from petgov.provenance.keybundle import (
    key_fingerprint,
    load_public_key,
    read_bundle,
    subject_digests,
    verify_bundle,
)
from petgov.provenance.tlog import brief, load_trusted_root

MAX_ARTIFACT_BYTES = 1 << 30  # message signatures are checked over the bytes in memory


def _artifact(artifact: Path) -> tuple[bytes, str]:
    try:
        size = artifact.stat().st_size
        if size > MAX_ARTIFACT_BYTES:
            raise VerificationError(
                f"{artifact} is too large for a single-file bundle check ({size} bytes)",
                hint="sign large models with `petgov sign` (model-signing manifests)",
            )
        data = artifact.read_bytes()
    except OSError as exc:
        raise VerificationError(f"cannot read {artifact}: {exc.strerror}") from exc
    return data, hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> str:
    """Streaming sha256 of a file (hex); unreadable is a failed verification."""
    from petgov.inventory.hashing import sha256_file

    try:
        return sha256_file(path)
    except OSError as exc:
        raise VerificationError(f"cannot read {path}: {exc.strerror}") from exc


def verify_file(artifact: Path, signature: Path, trust: TrustMaterial) -> Verified:
    """Verify a single-file bundle over ``artifact``; raise VerificationError when it fails."""
    if trust.method == "key":
        assert trust.key is not None
        key = load_public_key(trust.key)
        bundle = read_bundle(signature)
        if "dsseEnvelope" in bundle:  # statement over a digest: stream, any size
            digest, data_or_none = _file_digest(artifact), None
        else:
            data_or_none, digest = _artifact(artifact)
        info = verify_bundle(bundle, key, digest, data_or_none, trust_root=trust.trust_root)
        return Verified("key", key_fingerprint(key), "sha256:" + digest, detail=info)
    data, digest = _artifact(artifact)
    if trust.method != "sigstore":
        raise UsageError("single-file bundles need --key, or --identity/--issuer/--trust-root")
    if trust.trust_root is None or not trust.issuer:
        raise UsageError(
            "keyless verification needs --identity, --issuer and --trust-root",
            hint="petgov never fetches trust roots; pass a trusted_root.json",
        )
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle
    from sigstore.verify import Verifier, policy

    verifier = Verifier(trusted_root=load_trusted_root(trust.trust_root))
    pol = policy.Identity(identity=trust.identity or "", issuer=trust.issuer)
    try:
        sbundle = Bundle.from_json(signature.read_bytes())
        if sbundle._dsse_envelope is None:
            verifier.verify_artifact(data, sbundle, pol)
        else:
            _, payload = verifier.verify_dsse(sbundle, pol)
            if digest not in subject_digests(payload):
                raise VerificationError("the signed statement is for a different artifact")
    except VerificationError:
        raise
    except (SigstoreError, ValueError, OSError) as exc:
        raise VerificationError(f"bundle does not verify: {brief(exc)}") from exc
    except Exception as exc:  # malformed bundles surface as pydantic/attr errors
        raise VerificationError(
            f"bundle does not verify: {type(exc).__name__}: {brief(exc)}"
        ) from exc
    return Verified("sigstore", trust.identity or "", "sha256:" + digest)
