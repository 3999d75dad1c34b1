"""Signed rule packs: the policy loader's signature hook, on the same model-signing code.

A pack folder is signed into ``PACK/model.sig``, a tarball into ``PACK.tar.gz.sig`` beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from petgov.errors import PolicyError, VerificationError
from petgov.provenance.interface import TrustMaterial
from petgov.provenance.modelsig import sign_model, verify_model
from petgov.provenance.verify import find_signature


def pack_signature(pack: Path) -> Path:
    """Where a pack's signature lives."""
    return pack / "model.sig" if pack.is_dir() else pack.with_name(pack.name + ".sig")


def sign_pack(pack: Path, key: Path) -> Path:
    """Sign a pack folder or tarball with an EC key; returns the signature path."""
    sig = pack_signature(pack)
    if sig.exists():
        raise PolicyError(f"{sig} exists", hint="remove it to re-sign the pack")
    sign_model(pack, sig, key=key)
    return sig


def verify_pack(pack: Path, keys: Sequence[Path]) -> str | None:
    """The signer (``key sha256:...``) of a signed pack, None when unsigned; raises if broken."""
    sig = find_signature(pack)
    if sig is None:
        return None
    if not keys:
        raise PolicyError(f"rule pack {pack} is signed but no pack key is configured")
    for key in keys:  # an unusable key is a configuration error, not a bad signature
        TrustMaterial(key=key).check({"key": "pack key"})
    errors = []
    for key in keys:
        try:
            result = verify_model(pack, sig, TrustMaterial(key=key))
        except VerificationError as exc:
            errors.append(str(exc))
            continue
        return f"{result.method} {result.identity}"
    raise PolicyError(
        f"rule pack {pack} refused: its signature does not verify with the configured keys",
        hint=errors[0] if errors else None,
    )


def pack_signature_hook(keys: Sequence[Path]) -> Callable[[Path], str | None]:
    """A ``petgov.policy.packs.SignatureHook`` trusting ``keys``."""
    frozen = tuple(keys)
    return lambda pack: verify_pack(pack, frozen)
