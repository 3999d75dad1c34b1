"""Promotion receipts: a signed in-toto statement of what was released where, under which proof.

subject = the artifact digest; predicate = clean room, release id, evidence digest and verdict,
policy and AI-BOM digests, purpose, expiry, the warnings of settings that relaxed a gate, and
the audit log's last record before the release (so a log emptied or rolled back later
contradicts a signed receipt). It is a DSSE envelope (in-toto Statement v1,
``application/vnd.in-toto+json``) inside a Sigstore bundle v0.3 with a public-key hint, signed
by the operator's key (ECDSA P-256 / SHA-256), so a third party can check it offline.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from petgov.errors import VerificationError
from petgov.provenance.keybundle import pae  # the one DSSE implementation

PAYLOAD_TYPE = "application/vnd.in-toto+json"
PREDICATE_TYPE = "https://petgov.dev/attestation/cleanroom-release/v1"
BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"


def statement(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The in-toto statement for a release manifest."""
    art = manifest.get("artifact") or {}
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": art.get("name", "artifact"), "digest": {"sha256": art.get("sha256")}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "cleanroom": manifest.get("cleanroom"),
            "release_id": manifest.get("release_id"),
            "envelope_sha256": manifest.get("envelope_sha256"),
            "evidence": {
                "type": (manifest.get("evidence") or {}).get("type"),
                "sha256": (manifest.get("evidence") or {}).get("sha256"),
                "verdict": (manifest.get("evidence") or {}).get("verdict"),
            },
            "tee_key_spki_sha256": manifest.get("tee_key_spki_sha256"),
            "policy_sha256": _digest(manifest.get("policy")),
            "bom_sha256": _digest(manifest.get("bom")),
            "purpose": manifest.get("purpose"),
            "created_at": manifest.get("created_at"),
            "expires_at": manifest.get("expires_at"),
            "audit": manifest.get("audit"),  # the log position before this release
            "warnings": list(manifest.get("warnings") or []),  # settings that relaxed a gate
            "data_policies": [  # the providers' signed policies that allowed the release
                {k: p.get(k) for k in ("provider", "dataset", "sha256")}
                for p in manifest.get("data_policies") or []
            ],
        },
    }


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def sign(manifest: Mapping[str, Any], private_key: Any, key_hint: str = "") -> dict[str, Any]:
    """A Sigstore bundle holding the DSSE-signed statement."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise VerificationError("receipt keys must be ECDSA (P-256 recommended)")
    payload = json.dumps(statement(manifest), sort_keys=True, separators=(",", ":")).encode()
    sig = private_key.sign(pae(PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
    return {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {"publicKey": {"hint": key_hint}, "tlogEntries": []},
        "dsseEnvelope": {
            "payload": base64.b64encode(payload).decode(),
            "payloadType": PAYLOAD_TYPE,
            "signatures": [{"sig": base64.b64encode(sig).decode(), "keyid": key_hint}],
        },
    }


def verify(
    bundle: Mapping[str, Any], public_key: Any, artifact_sha256: str | None = None
) -> dict[str, Any]:
    """Check the signature (and the subject digest when given); returns the statement."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        env = bundle["dsseEnvelope"]
        payload = base64.b64decode(env["payload"], validate=True)
        sigs = [base64.b64decode(s["sig"], validate=True) for s in env["signatures"]]
        if env["payloadType"] != PAYLOAD_TYPE:
            raise VerificationError(f"unexpected payload type {env['payloadType']!r}")
    except (KeyError, TypeError, ValueError) as exc:
        raise VerificationError(f"not a petgov receipt bundle: {exc}") from exc
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise VerificationError("receipt keys must be ECDSA public keys")
    message = pae(PAYLOAD_TYPE, payload)
    ok = False
    for sig in sigs:
        try:
            public_key.verify(sig, message, ec.ECDSA(hashes.SHA256()))
            ok = True
            break
        except InvalidSignature:
            continue
    if not ok:
        raise VerificationError("receipt signature does not verify with this key")
    stmt: dict[str, Any] = json.loads(payload)
    if stmt.get("predicateType") != PREDICATE_TYPE:
        raise VerificationError("not a clean-room release statement")
    if artifact_sha256 is not None:
        subjects = {s.get("digest", {}).get("sha256") for s in stmt.get("subject", [])}
        if artifact_sha256 not in subjects:
            raise VerificationError("the receipt is for a different artifact")
    return stmt
