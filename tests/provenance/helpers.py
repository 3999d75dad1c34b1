"""Generate keys and small models on disk for provenance tests (no committed binaries)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def write_keypair(folder: Path, name: str = "signer") -> tuple[Path, Path]:
    """A fresh P-256 key pair as PEM files: (private, public)."""
    key = ec.generate_private_key(ec.SECP256R1())
    priv = folder / f"{name}.pem"
    pub = folder / f"{name}.pub"
    priv.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pub.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return priv, pub


def write_model(folder: Path) -> Path:
    """A tiny model folder: config plus a weights blob."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text('{"hidden": 8}')
    (folder / "weights.bin").write_bytes(bytes(range(256)) * 64)
    (folder / "README.md").write_text("# tiny model\n")
    return folder
