"""The signed-model journey through the real CLI: sign, configure a room, challenge, promote, open.

A room with ``require_signature`` and a ``signer_key`` must release a model signed with that
key (the key reaches the provenance scanner), and deny one signed with any other key. Before
the typed scanner options the room's key was parsed and never used, so every signed model was
denied (architecture review §7.2).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from petgov.cleanroom.binding import expected_report_data
from petgov.cleanroom.envelope import spki_sha256
from petgov.demo import write_key_pair
from tests.attestation.test_tokens import jwks, real_payload, sign
from tests.cleanroom.test_promote_attested import _challenge, _setup

pytestmark = pytest.mark.corpus
NOW = "2025-02-10T10:30:00Z"
REFERENCE = (  # the attestation gate is strict: what it may skip is listed
    "version: 1\ntype: gcp-cs\ndebug: forbid\n"
    "tolerate_skipped: [measurements, image_digest, token.audience]\n"
)


def _room(signer: str) -> str:
    return (
        '[cleanrooms.cs]\ndestination = "releases"\nevidence = "gcp-cs"\n'
        'reference = "ref.yaml"\njwks = "jwks.json"\nrequire_signature = true\n'
        f'signer_key = "{signer}"\n'
    )


def _promote(cli, tmp: Path, model: Path, cfg: Path, key: object):  # type: ignore[no-untyped-def]
    """Challenge, mint bound Confidential Space evidence, promote; the CLI result."""
    nonce = _challenge(cli, cfg, "cs", NOW)
    payload = real_payload()
    payload["dbgstat"] = "disabled-since-boot"
    payload["eat_nonce"] = [expected_report_data(nonce, spki_sha256(key.public_key())).hex()]  # type: ignore[attr-defined]
    evidence = tmp / "token.jwt"
    evidence.write_bytes(sign({"alg": "RS256", "kid": "k1", "typ": "JWT"}, payload))
    return cli(
        "cleanroom",
        "promote",
        str(model),
        "--to",
        "cs",
        "--evidence",
        str(evidence),
        "--tee-key",
        str(tmp / "tee.pub"),
        "--nonce",
        nonce,
        "--config",
        str(cfg),
        "--now",
        NOW,
        "--format",
        "json",
    )


@pytest.mark.parametrize("signed_by_room_key", [True, False])
def test_key_signed_model_is_promoted_only_with_the_rooms_key(
    tmp_path: Path,
    cli_process,  # type: ignore[no-untyped-def]
    signed_by_room_key: bool,
) -> None:
    """The real entry point (`python -m petgov`) for every step of the journey."""
    cli = cli_process
    key, model, cfg = _setup(tmp_path, _room("keys/signer.pub.pem"))
    (tmp_path / "ref.yaml").write_text(REFERENCE)
    jwks(tmp_path)
    keys = tmp_path / "keys"
    write_key_pair(
        ec.generate_private_key(ec.SECP256R1()), keys / "signer.pem", keys / "signer.pub.pem"
    )
    write_key_pair(
        ec.generate_private_key(ec.SECP256R1()), keys / "other.pem", keys / "other.pub.pem"
    )
    signer = keys / ("signer.pem" if signed_by_room_key else "other.pem")
    signed = cli("sign", str(model), "--key", str(signer), "-o", str(model / "model.sig"))
    assert signed.code == 0, signed.stderr

    res = _promote(cli, tmp_path, model, cfg, key)
    doc = json.loads(res.stdout)
    gates = {g["name"]: g for g in doc["gates"]}
    if not signed_by_room_key:
        assert res.code == 1
        assert not doc["allowed"] and not gates["provenance"]["passed"]
        assert gates["provenance"]["reasons"] == ["no verified signature covers the artifact"]
        assert not list((tmp_path / "releases").glob("[!.]*"))
        return
    assert res.code == 0, {n: g["reasons"] for n, g in gates.items() if not g["passed"]}
    assert gates["provenance"]["passed"]
    opened = cli(
        "cleanroom",
        "open",
        str(Path(doc["location"]) / "artifact.env"),
        "--key",
        str(tmp_path / "tee.key"),
        "-o",
        str(tmp_path / "model.tar"),
    )
    assert opened.code == 0, opened.stderr
    import tarfile

    with tarfile.open(tmp_path / "model.tar") as tf:
        assert sorted(tf.getnames()) == ["model.safetensors", "model.sig"]


def test_unreadable_signer_key_is_a_config_error_and_keeps_the_nonce(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    key, model, cfg = _setup(tmp_path, _room("keys/missing.pub.pem"))
    (tmp_path / "ref.yaml").write_text(REFERENCE)
    jwks(tmp_path)
    res = _promote(cli, tmp_path, model, cfg, key)
    assert res.code == 2
    assert res.stderr.startswith("error: signer_key ") and res.stderr.count("\n") == 1
    store = next(tmp_path.rglob("challenges.json"))
    assert all(v["used_at"] is None for v in json.loads(store.read_text()).values())


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ('signer_identity = "ml@example.com"\n', "signer_identity needs signer_issuer"),
        (
            'signer_identity = "ml@example.com"\nsigner_issuer = "https://issuer.example"\n',
            "keyless verification needs trust_root",
        ),
        ('signer_key = "ref.yaml"\n', "is not a PEM public key"),
    ],
)
def test_signer_settings_that_cannot_verify_anything_are_refused(
    tmp_path: Path,
    cli,  # type: ignore[no-untyped-def]
    settings: str,
    message: str,
) -> None:
    """A keyless signer without its issuer or trust root, or a key file that is no key: exit 2
    naming the setting (before, such a room denied every model with 'no verified signature')."""
    room = _room("x").replace('signer_key = "x"\n', settings)
    key, model, cfg = _setup(tmp_path, room)
    (tmp_path / "ref.yaml").write_text(REFERENCE)
    jwks(tmp_path)
    res = _promote(cli, tmp_path, model, cfg, key)
    assert res.code == 2 and message in res.stderr, res.stderr
    assert res.stderr.count("\n") == 1
