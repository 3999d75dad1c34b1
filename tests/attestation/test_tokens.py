"""JWT handling with generated keys: the OIDC/JWKS path, algorithm confusion, freshness.

The payload is the real Confidential Space OIDC token's (flare corpus file); only the signing
key is generated here, because Google's signing key for it was never published.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from petgov.attestation.api import verify_evidence
from petgov.attestation.appraisal import Reference, parse_reference
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus
NOW = dt.datetime(2025, 2, 10, 10, 30, tzinfo=dt.timezone.utc)
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def real_payload() -> dict[str, Any]:
    token = corpus_path(
        "attestation", "gcp-confidential-space", "flare_cs_oidc_tdx_debug_2025-02-10.jwt"
    ).read_text()
    body = token.strip().split(".")[1]
    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return payload


def sign(header: dict[str, Any], payload: dict[str, Any], key: rsa.RSAPrivateKey = KEY) -> bytes:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(sig)}".encode()


def jwks(tmp_path: Path, kid: str = "k1") -> Path:
    numbers = KEY.public_key().public_numbers()
    path = tmp_path / "jwks.json"
    entry = {
        "kty": "RSA",
        "kid": kid,
        "n": b64(numbers.n.to_bytes(256, "big")),
        "e": b64(numbers.e.to_bytes(3, "big")),
    }
    path.write_text(json.dumps({"keys": [entry]}))
    return path


def statuses(token: bytes, certs: list[Path], ref: Reference | None = None) -> dict[str, str]:
    result = verify_evidence(token, "gcp-cs", certs=certs, now=NOW, reference=ref)
    out = {c.name: c.status for c in result.checks}
    out["verdict"] = result.verdict
    return out


def test_oidc_token_with_pinned_jwks(tmp_path: Path) -> None:
    token = sign({"alg": "RS256", "kid": "k1", "typ": "JWT"}, real_payload())
    got = statuses(token, [jwks(tmp_path)], Reference(debug_allowed=True))
    assert got["signature"] == "pass" and got["verdict"] == "pass"
    assert statuses(token, [jwks(tmp_path)])["debug"] == "fail"  # dbgstat "enabled"


def test_unknown_kid_and_foreign_key_fail(tmp_path: Path) -> None:
    token = sign({"alg": "RS256", "kid": "k1"}, real_payload())
    assert statuses(token, [jwks(tmp_path, kid="other")])["signature"] == "fail"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = sign({"alg": "RS256", "kid": "k1"}, real_payload(), key=other)
    assert statuses(forged, [jwks(tmp_path)])["signature"] == "fail"


def test_algorithm_confusion_refused(tmp_path: Path) -> None:
    payload = real_payload()
    none_head = b64(json.dumps({"alg": "none", "kid": "k1"}).encode())
    none = f"{none_head}.{b64(json.dumps(payload).encode())}."
    assert statuses(none.encode(), [jwks(tmp_path)])["signature"] == "fail"
    pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    head = b64(json.dumps({"alg": "HS256", "kid": "k1"}).encode())
    signing_input = f"{head}.{b64(json.dumps(payload).encode())}"
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    hs = f"{signing_input}.{b64(mac)}".encode()
    assert statuses(hs, [jwks(tmp_path)])["signature"] == "fail"


def test_max_age_freshness(tmp_path: Path) -> None:
    token = sign({"alg": "RS256", "kid": "k1"}, real_payload())  # iat 2025-02-10T10:14:12Z
    fresh = parse_reference({"debug": "allow", "max_age": "30m"})
    assert statuses(token, [jwks(tmp_path)], fresh)["freshness"] == "pass"
    stale = parse_reference({"debug": "allow", "max_age": 300})
    assert statuses(token, [jwks(tmp_path)], stale)["freshness"] == "fail"
