"""`petgov sign` / `petgov verify` end to end, including clean-room style receipts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from petgov.provenance.keybundle import sign_dsse
from tests.conftest import corpus_path
from tests.provenance.helpers import write_keypair, write_model


def test_sign_then_verify(tmp_path: Path, cli: Callable[..., Any]) -> None:
    priv, pub = write_keypair(tmp_path)
    model = write_model(tmp_path / "m")
    assert cli("sign", str(model), "--key", str(priv)).code == 0
    assert (model / "model.sig").is_file()
    res = cli("verify", str(model), "--key", str(pub), "--json")
    assert res.code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["provenance.verified"] is True
    assert sorted(out["provenance.files"]) == ["README.md", "config.json", "weights.bin"]
    (model / "config.json").write_text("{}")
    res = cli("verify", str(model), "--key", str(pub))
    assert res.code == 1  # a tampered model is a failed check (exit 1), not a usage error
    assert res.stderr.startswith("error: verification FAILED")
    assert "Traceback" not in res.stderr
    # refuses to overwrite an existing signature
    assert cli("sign", str(model), "--key", str(priv)).code == 2


def test_unusable_signing_key_is_a_one_line_usage_error(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    model = write_model(tmp_path / "m")
    _, pub = write_keypair(tmp_path)
    res = cli("sign", str(model), "--key", str(pub))  # a public key cannot sign
    assert res.code == 2
    assert res.stderr.startswith("error: cannot use the signing material")
    assert "internal error" not in res.stderr and res.stderr.count("\n") == 1
    assert not (model / "model.sig").exists()


def test_keyless_signing_offline_is_a_clear_error(tmp_path: Path, no_network: list[str]) -> None:
    """--sigstore is the one online step: with no network it fails in one line, nothing written."""
    from petgov.errors import VerificationError
    from petgov.provenance.modelsig import sign_model

    model = write_model(tmp_path / "m")
    with pytest.raises(VerificationError) as err:
        sign_model(model, tmp_path / "model.sig", sigstore=True)
    assert err.value.message.startswith("keyless Sigstore signing failed")
    assert "--key" in (err.value.hint or "")
    assert no_network, "keyless signing must have tried the network (and been refused)"
    assert not (tmp_path / "model.sig").exists()


def test_verify_receipt_style_bundle(tmp_path: Path, cli: Callable[..., Any]) -> None:
    priv, pub = write_keypair(tmp_path, "operator")
    artifact = tmp_path / "model.safetensors"
    artifact.write_bytes(b"weights" * 1000)
    digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
    stmt = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "model", "digest": {"sha256": digest}}],
        "predicateType": "https://petgov.dev/attestation/cleanroom-release/v1",
        "predicate": {},
    }  # fmt: skip
    key = load_pem_private_key(priv.read_bytes(), None)
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(sign_dsse(json.dumps(stmt).encode(), key)))
    res = cli("verify", str(artifact), "--signature", str(receipt), "--key", str(pub))
    assert res.code == 0, res.stderr
    artifact.write_bytes(b"other")
    res = cli("verify", str(artifact), "--signature", str(receipt), "--key", str(pub))
    assert res.code == 1 and "different artifact" in res.stderr


def test_verify_conformance_bundle_cli(cli: Callable[..., Any]) -> None:
    case = corpus_path("provenance", "sigstore-conformance", "bundle-verify", "happy-path-v0.3")
    root = corpus_path("provenance", "trust", "production_trusted_root.json")
    res = cli(
        "verify", str(case.parent.parent / "a.txt"),
        "--signature", str(case / "bundle.sigstore.json"),
        "--identity", "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
        ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
        "--issuer", "https://token.actions.githubusercontent.com",
        "--trust-root", str(root),
    )  # fmt: skip
    assert res.code == 0, res.stderr


def test_verify_without_trust_is_a_usage_error(tmp_path: Path, cli: Callable[..., Any]) -> None:
    model = write_model(tmp_path / "m")
    priv, _ = write_keypair(tmp_path)
    cli("sign", str(model), "--key", str(priv))
    res = cli("verify", str(model))
    assert res.code == 2 and "trust" in res.stderr


def test_unusable_trust_material_is_a_one_line_usage_error(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """A bad --key/--cert-chain/--trust-root is the user's input, not an internal error, and a
    scan given one must not pass with the signature left unchecked."""
    priv, _ = write_keypair(tmp_path)
    model = write_model(tmp_path / "m")
    assert cli("sign", str(model), "--key", str(priv)).code == 0
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    cases = [
        (("verify", str(model), "--key", str(junk)), "--key"),
        (("verify", str(model), "--key", str(tmp_path / "missing.pem")), "--key"),
        (("verify", str(model), "--cert-chain", str(junk)), "--cert-chain"),
        (
            ("scan", str(model), "--scanner", "provenance", "--verify-key", str(junk)),
            "--verify-key",
        ),
        (
            ("scan", str(model), "--scanner", "provenance", "--verify-identity", "a@b.c"),
            "--verify-identity needs --verify-issuer",
        ),
        (
            ("verify", str(model), "--identity", "a", "--issuer", "b", "--trust-root", str(junk)),
            "--trust-root",
        ),
    ]
    for args, needle in cases:
        res = cli(*args)
        assert res.code == 2, (args, res.stderr)
        assert res.stderr.startswith("error: ") and needle in res.stderr, res.stderr
        assert "internal error" not in res.stderr and res.stderr.count("\n") == 1, res.stderr


def test_library_validation_errors_are_short(cli: Callable[..., Any]) -> None:
    """A wrong file as --trust-root was 2,300 characters of pydantic field errors and URLs."""
    prov = corpus_path("provenance")
    res = cli(
        "verify",
        str(prov / "sigstore-python" / "bundle_v3.txt"),
        "--identity",
        "a@b.c",
        "--issuer",
        "https://accounts.google.com",
        "--trust-root",
        str(prov / "trust" / "production_signing_config.v0.2.json"),
    )
    assert res.code == 2
    assert res.stderr.startswith("error: cannot load trusted root") and "(and 9 more)" in res.stderr
    assert len(res.stderr) < 400 and "errors.pydantic.dev" not in res.stderr


def test_folder_with_a_non_model_signing_signature(tmp_path: Path, cli: Callable[..., Any]) -> None:
    _, pub = write_keypair(tmp_path)
    model = write_model(tmp_path / "m")
    other = tmp_path / "other.json"
    other.write_text("{}")
    res = cli("verify", str(model), "--signature", str(other), "--key", str(pub))
    assert res.code == 2
    assert "is not a model-signing signature" in res.stderr and "--help" not in res.stderr
