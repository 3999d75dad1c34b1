"""Generate keys and small models on disk for provenance tests (no committed binaries)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from petgov.demo import write_key_pair


def write_keypair(folder: Path, name: str = "signer") -> tuple[Path, Path]:
    """A fresh P-256 key pair as PEM files: (private, public)."""
    priv, pub = folder / f"{name}.pem", folder / f"{name}.pub"
    write_key_pair(ec.generate_private_key(ec.SECP256R1()), priv, pub)
    return priv, pub


def write_model(folder: Path) -> Path:
    """A tiny model folder: config plus a weights blob."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text('{"hidden": 8}')
    (folder / "weights.bin").write_bytes(bytes(range(256)) * 64)
    (folder / "README.md").write_text("# tiny model\n")
    return folder
