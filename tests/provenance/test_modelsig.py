"""model-signing verification: the upstream signed models, tampering, round trips."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from petgov.errors import VerificationError
from petgov.provenance.interface import TrustMaterial
from petgov.provenance.modelsig import sign_model, verify_model
from tests.conftest import corpus_path
from tests.provenance.helpers import write_keypair, write_model

IDENTITY = "stefanb@us.ibm.com"
ISSUER = "https://sigstore.verify.ibm.com/oauth2"


def _trust(kind: str) -> TrustMaterial:
    mt = corpus_path("provenance", "model-transparency")
    if kind == "elliptic-key":
        return TrustMaterial(key=mt / "keys/certificate/signing-key-pub.pem")
    if kind == "certificate":
        return TrustMaterial(cert_chain=(mt / "keys/certificate/ca-cert.pem",))
    # a bare trusted_root.json: petgov wraps it into a client trust config itself
    root = corpus_path("provenance", "trust", "production_trusted_root.json")
    return TrustMaterial(identity=IDENTITY, issuer=ISSUER, trust_root=root)


def _ignores(version: str) -> list[str]:
    # v1.0.1 manifests do not record their ignore paths
    return ["ignore-me"] if version == "v1.0.1" else []


@pytest.mark.parametrize("version", ["v1.1.0", "v1.0.1"])
@pytest.mark.parametrize("kind", ["elliptic-key", "certificate", "sigstore"])
def test_upstream_signed_models_verify_offline(version: str, kind: str) -> None:
    model = corpus_path("provenance", "model-transparency", f"{version}-{kind}")
    result = verify_model(model, model / "model.sig", _trust(kind), ignore_paths=_ignores(version))
    assert result.digest.startswith("sha256:") and len(result.digest) == 71
    assert set(result.files) == {"signme-1", "signme-2"}
    expected = {"elliptic-key": "key", "certificate": "certificate", "sigstore": "sigstore"}[kind]
    assert result.method == expected
    if kind == "sigstore":
        assert result.identity == IDENTITY
    if kind == "elliptic-key":
        assert result.identity.startswith("sha256:")


def _copy(kind: str, tmp_path: Path) -> Path:
    src = corpus_path("provenance", "model-transparency", f"v1.1.0-{kind}")
    return Path(shutil.copytree(src, tmp_path / kind))


@pytest.mark.parametrize("kind", ["elliptic-key", "certificate", "sigstore"])
def test_changed_file_fails(kind: str, tmp_path: Path) -> None:
    model = _copy(kind, tmp_path)
    (model / "signme-1").write_bytes((model / "signme-1").read_bytes() + b"x")
    with pytest.raises(VerificationError, match="does not verify"):
        verify_model(model, model / "model.sig", _trust(kind))


@pytest.mark.parametrize("kind", ["elliptic-key", "sigstore"])
def test_removed_file_fails(kind: str, tmp_path: Path) -> None:
    model = _copy(kind, tmp_path)
    (model / "signme-2").unlink()
    with pytest.raises(VerificationError):
        verify_model(model, model / "model.sig", _trust(kind))


def test_added_file_is_named_not_ignored(tmp_path: Path) -> None:
    model = _copy("elliptic-key", tmp_path)
    (model / "payload.pkl").write_bytes(b"extra")
    with pytest.raises(VerificationError, match=r"payload\.pkl"):
        verify_model(model, model / "model.sig", _trust("elliptic-key"))
    result = verify_model(model, model / "model.sig", _trust("elliptic-key"), allow_unsigned=True)
    assert result.detail["unsigned_files"] == ["payload.pkl"]


def test_recorded_ignore_path_may_change(tmp_path: Path) -> None:
    model = _copy("elliptic-key", tmp_path)
    (model / "ignore-me").write_text("changed after signing")
    verify_model(model, model / "model.sig", _trust("elliptic-key"))


def test_wrong_identity_fails() -> None:
    model = corpus_path("provenance", "model-transparency", "v1.1.0-sigstore")
    root = corpus_path("provenance", "trust", "production_trusted_root.json")
    trust = TrustMaterial(identity="someone@else.example", issuer=ISSUER, trust_root=root)
    with pytest.raises(VerificationError):
        verify_model(model, model / "model.sig", trust)


@pytest.mark.parametrize("algo", ["sha256", "blake3"])
def test_round_trip_with_generated_key(algo: str, tmp_path: Path) -> None:
    priv, pub = write_keypair(tmp_path)
    model = write_model(tmp_path / "model")
    sig = model / "model.sig"
    sign_model(model, sig, key=priv, hash_algorithm=algo)
    result = verify_model(model, sig, TrustMaterial(key=pub))
    assert set(result.files) == {"config.json", "weights.bin", "README.md"}
    _, other = write_keypair(tmp_path, "other")
    with pytest.raises(VerificationError):
        verify_model(model, sig, TrustMaterial(key=other))


def test_sign_single_file(tmp_path: Path) -> None:
    priv, pub = write_keypair(tmp_path)
    target = tmp_path / "pack.tar.gz"
    target.write_bytes(b"\x1f\x8b" + b"rules" * 100)
    sig = tmp_path / "pack.tar.gz.sig"
    sign_model(target, sig, key=priv)
    assert verify_model(target, sig, TrustMaterial(key=pub)).files == (".",)
    target.write_bytes(b"\x1f\x8b" + b"other" * 100)
    with pytest.raises(VerificationError):
        verify_model(target, sig, TrustMaterial(key=pub))


def test_sigstore_without_trust_root_is_refused_not_fetched() -> None:
    model = corpus_path("provenance", "model-transparency", "v1.1.0-sigstore")
    from petgov.errors import UsageError

    with pytest.raises(UsageError, match="trust-root"):
        verify_model(model, model / "model.sig", TrustMaterial(identity=IDENTITY, issuer=ISSUER))


def test_key_signed_model_with_unchecked_log_entries_is_refused(tmp_path: Path) -> None:
    """model-signing ignores log material in key bundles; a log entry grafted onto one (here a
    real Rekor entry of another signature) must be checked, not waved through (issue 24)."""
    import json

    model = _copy("elliptic-key", tmp_path)
    donor = corpus_path(
        "provenance", "sigstore-conformance", "bundle-verify", "managed-key-happy-path"
    )
    entry = json.loads((donor / "bundle.sigstore.json").read_text())["verificationMaterial"][
        "tlogEntries"
    ][0]
    sig = json.loads((model / "model.sig").read_text())
    sig["verificationMaterial"]["tlogEntries"] = [entry]
    (model / "model.sig").write_text(json.dumps(sig))
    key = _trust("elliptic-key").key
    with pytest.raises(VerificationError, match="without a trusted root"):
        verify_model(model, model / "model.sig", TrustMaterial(key=key))
    root = corpus_path("provenance", "trust", "production_trusted_root.json")
    with pytest.raises(VerificationError, match="different signature"):
        verify_model(model, model / "model.sig", TrustMaterial(key=key, trust_root=root))
