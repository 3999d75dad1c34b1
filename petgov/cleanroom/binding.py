"""Key binding: the TEE proves, inside its attestation, which key the artifact goes to.

The TEE answers a challenge with evidence whose report data is
``SHA-512("petgov-cleanroom-v1" || nonce || SHA-256(SPKI DER of its public key))`` (64 bytes:
the size of SEV-SNP and TDX report data). Evidence types with separate fields (AWS Nitro:
``nonce`` and ``public_key``) bind them directly. ``promote`` recomputes the value from the
nonce it issued and the key it was handed, so the key the artifact is encrypted to is provably
the attested TEE's.
"""

from __future__ import annotations

import hashlib

DOMAIN = b"petgov-cleanroom-v1"


def expected_report_data(nonce_hex: str, spki_sha256_hex: str) -> bytes:
    """The 64 bytes a TEE must put in its report data for this nonce and key."""
    return hashlib.sha512(
        DOMAIN + bytes.fromhex(nonce_hex) + bytes.fromhex(spki_sha256_hex)
    ).digest()


def report_data_matches(report_data: bytes | None, nonce_hex: str, spki_sha256_hex: str) -> bool:
    """Whether evidence report data binds this nonce and key (compared in constant time)."""
    import hmac

    if not report_data:
        return False
    expect = expected_report_data(nonce_hex, spki_sha256_hex)
    return hmac.compare_digest(bytes(report_data[: len(expect)]), expect)
