"""Public-key DSSE bundles: petgov's one DSSE verifier (also used by clean-room receipts)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from petgov.errors import VerificationError
from petgov.provenance.keybundle import (
    key_fingerprint,
    pae,
    sign_dsse,
    verify_bundle,
)


def _statement(digest: str) -> bytes:
    stmt = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "a", "digest": {"sha256": digest}}],
        "predicateType": "https://example.test/v1",
        "predicate": {},
    }
    return json.dumps(stmt).encode()


def test_pae_matches_the_dsse_spec_example() -> None:
    # DSSE spec: PAE("http://example.com/HelloWorld", "hello world")
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_sign_verify_and_subject_binding() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    digest = hashlib.sha256(b"artifact").hexdigest()
    bundle = sign_dsse(_statement(digest), key, hint="k")
    assert verify_bundle(bundle, key.public_key(), digest)["kind"] == "dsse"
    with pytest.raises(VerificationError, match="different artifact"):
        verify_bundle(bundle, key.public_key(), hashlib.sha256(b"other").hexdigest())
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(VerificationError, match="does not verify"):
        verify_bundle(bundle, other, digest)


def test_tampered_payload_fails() -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    digest = hashlib.sha256(b"artifact").hexdigest()
    bundle = sign_dsse(_statement(digest), key)
    import base64

    bundle["dsseEnvelope"]["payload"] = base64.b64encode(_statement("0" * 64)).decode()
    with pytest.raises(VerificationError):
        verify_bundle(bundle, key.public_key(), "0" * 64)


def test_fingerprint_is_spki_sha256(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    pub = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = pub.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert key_fingerprint(pub) == "sha256:" + hashlib.sha256(der).hexdigest()


@pytest.mark.parametrize("junk", [{}, {"dsseEnvelope": {"payload": "!!"}}, {"messageSignature": 1}])
def test_junk_bundles_are_errors_not_tracebacks(junk: dict[str, object]) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(VerificationError):
        verify_bundle(junk, key, "0" * 64, b"")
