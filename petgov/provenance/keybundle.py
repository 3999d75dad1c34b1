"""Managed-key (public-key) Sigstore bundles, verified with ``cryptography`` alone.

sigstore-python cannot verify bundles signed with a plain key (its issue #1244), and petgov's
own clean-room receipts are exactly that: a bundle v0.3 with a ``publicKey`` hint and either a
DSSE envelope or a message signature. This is petgov's one DSSE implementation.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from petgov.errors import VerificationError

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding (DSSEv1): what is actually signed."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def load_public_key(path: Path) -> Any:
    """A PEM public key (a certificate's key is accepted too)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise VerificationError(f"cannot read public key {path}: {exc.strerror}") from exc
    try:
        if b"BEGIN CERTIFICATE" in data:
            return x509.load_pem_x509_certificate(data).public_key()
        return load_pem_public_key(data)
    except ValueError as exc:
        raise VerificationError(
            f"{path} is not a PEM public key", hint="pass the .pub/.pem public key"
        ) from exc


def key_fingerprint(public_key: Any) -> str:
    """``sha256:<hex>`` of the key's SubjectPublicKeyInfo DER: the stable signer identity."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    der = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def _ec_hash(size: int) -> Any:
    """The hash ECDSA pairs with a curve size (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512)."""
    from cryptography.hazmat.primitives import hashes

    if size <= 256:
        return hashes.SHA256()
    return hashes.SHA384() if size <= 384 else hashes.SHA512()


def _check(public_key: Any, sig: bytes, message: bytes) -> bool:
    """Verify one raw signature with the algorithm the key type implies."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            size = public_key.curve.key_size
            algo: hashes.HashAlgorithm = (
                hashes.SHA256()
                if size <= 256
                else hashes.SHA384()
                if size <= 384
                else hashes.SHA512()
            )
            public_key.verify(sig, message, ec.ECDSA(algo))
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(sig, message)
        elif isinstance(public_key, rsa.RSAPublicKey):
            try:
                public_key.verify(sig, message, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
                public_key.verify(sig, message, pss, hashes.SHA256())
        else:
            raise VerificationError(f"unsupported key type {type(public_key).__name__}")
    except InvalidSignature:
        return False
    return True


def _b64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (TypeError, ValueError) as exc:
        raise VerificationError(f"bundle {what} is not valid base64") from exc


def sign_dsse(
    payload: bytes, private_key: Any, *, payload_type: str = INTOTO_PAYLOAD_TYPE, hint: str = ""
) -> dict[str, Any]:
    """A Sigstore bundle v0.3 holding a DSSE envelope signed with ``private_key`` (EC)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise VerificationError("petgov signs with ECDSA keys (P-256 recommended)")
    algo = _ec_hash(private_key.curve.key_size)
    sig = private_key.sign(pae(payload_type, payload), ec.ECDSA(algo))
    return {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {"publicKey": {"hint": hint}, "tlogEntries": []},
        "dsseEnvelope": {
            "payload": base64.b64encode(payload).decode(),
            "payloadType": payload_type,
            "signatures": [{"sig": base64.b64encode(sig).decode(), "keyid": hint}],
        },
    }


def verify_dsse(bundle: Mapping[str, Any], public_key: Any) -> tuple[str, bytes]:
    """Check a DSSE envelope's signature; returns (payload type, payload bytes)."""
    payload_type, payload, _ = verify_dsse_signature(bundle, public_key)
    return payload_type, payload


def verify_dsse_signature(bundle: Mapping[str, Any], public_key: Any) -> tuple[str, bytes, bytes]:
    """Check a DSSE envelope's signature; returns (payload type, payload, the signature that
    verified): the signature is what log entries and timestamps must name."""
    env = bundle.get("dsseEnvelope")
    if not isinstance(env, Mapping):
        raise VerificationError("bundle has no DSSE envelope")
    payload = _b64(env.get("payload"), "payload")
    payload_type = env.get("payloadType")
    sigs = env.get("signatures")
    if not isinstance(payload_type, str) or not isinstance(sigs, list) or not sigs:
        raise VerificationError("DSSE envelope lacks a payload type or signatures")
    message = pae(payload_type, payload)
    for entry in sigs:
        if not isinstance(entry, Mapping):
            continue
        sig = _b64(entry.get("sig"), "sig")
        if _check(public_key, sig, message):
            return payload_type, payload, sig
    raise VerificationError("DSSE signature does not verify with this key")


def subject_digests(payload: bytes) -> set[str]:
    """sha256 digests (hex) named as subjects of an in-toto statement."""
    try:
        stmt = json.loads(payload)
        return {
            str(s["digest"]["sha256"]).lower()
            for s in stmt.get("subject", [])
            if isinstance(s, Mapping) and "sha256" in s.get("digest", {})
        }
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise VerificationError("DSSE payload is not an in-toto statement") from exc


def verify_bundle(
    bundle: Mapping[str, Any],
    public_key: Any,
    artifact_sha256: str,
    artifact: bytes | None = None,
    *,
    trust_root: Path | None = None,
) -> dict[str, Any]:
    """Verify a public-key bundle over an artifact (by its sha256, and its bytes if at hand).

    DSSE bundles: signature over the PAE, then the artifact digest must be a statement subject.
    Message-signature bundles: the recorded digest must equal the artifact's, and the signature
    is checked over the artifact bytes (ECDSA/RSA/Ed25519 sign the message, not the digest).
    Log entries and timestamps the bundle carries are verified against ``trust_root`` or the
    bundle is refused (:mod:`petgov.provenance.tlog`).
    Returns a small dict: kind, payload (statement dict for DSSE), what the log material proved.
    """
    from petgov.provenance.tlog import check_log_material, check_media_type

    check_media_type(bundle)
    if "dsseEnvelope" in bundle:
        payload_type, payload, sig = verify_dsse_signature(bundle, public_key)
        if payload_type != INTOTO_PAYLOAD_TYPE:
            raise VerificationError(f"unexpected DSSE payload type {payload_type!r}")
        if artifact_sha256.lower() not in subject_digests(payload):
            raise VerificationError("the signed statement is for a different artifact")
        log = check_log_material(
            bundle,
            public_key=public_key,
            signature=sig,
            artifact_sha256=None,
            trust_root=trust_root,
        )
        return {"kind": "dsse", "statement": json.loads(payload), "log": log.to_dict()}
    msg = bundle.get("messageSignature")
    if not isinstance(msg, Mapping):
        raise VerificationError("bundle has neither a DSSE envelope nor a message signature")
    md = msg.get("messageDigest") or {}
    if md:
        if str(md.get("algorithm", "")).upper() != "SHA2_256":
            raise VerificationError(f"unsupported message digest {md.get('algorithm')!r}")
        if _b64(md.get("digest"), "digest").hex() != artifact_sha256.lower():
            raise VerificationError("the bundle's message digest is for a different artifact")
    sig = _b64(msg.get("signature"), "signature")
    if artifact is None:
        raise VerificationError("message signatures need the artifact bytes")
    if not _check(public_key, sig, artifact):
        raise VerificationError("signature does not verify with this key")
    log = check_log_material(
        bundle,
        public_key=public_key,
        signature=sig,
        artifact_sha256=artifact_sha256,
        trust_root=trust_root,
    )
    return {"kind": "message", "log": log.to_dict()}


def read_bundle(path: Path) -> dict[str, Any]:
    """Load a bundle JSON file (a PetgovError on junk, never a traceback)."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise VerificationError(f"cannot read signature {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise VerificationError(f"{path} is not a JSON Sigstore bundle") from exc
    if not isinstance(data, dict):
        raise VerificationError(f"{path} is not a Sigstore bundle")
    return data
