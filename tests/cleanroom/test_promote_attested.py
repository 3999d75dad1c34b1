"""Promotions through the CLI with real attestation verification (no test appraiser).

- a Confidential Space token minted with a generated key and a pinned JWKS, whose eat_nonce
  binds the challenge and the TEE key: released, opened inside the "TEE", receipt verified;
- real SEV-SNP evidence from the corpus: it verifies, but cannot bind a petgov challenge, so
  it is denied under the default binding and released only under binding = "unbound";
- real debug-enabled SEV-SNP evidence: denied on debug whatever the binding.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import x25519

from petgov.cleanroom.binding import expected_report_data
from petgov.cleanroom.envelope import spki_sha256
from petgov.demo import safetensors_bytes, write_key_pair
from tests.attestation.test_tokens import jwks, real_payload, sign
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus


def _setup(tmp: Path, room: str) -> tuple[x25519.X25519PrivateKey, Path, Path]:
    key = x25519.X25519PrivateKey.generate()
    write_key_pair(key, tmp / "tee.key", tmp / "tee.pub")
    model = tmp / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(safetensors_bytes())
    cfg = tmp / "petgov.toml"
    cfg.write_text(room)
    return key, model, cfg


def _challenge(cli, cfg: Path, name: str, now: str) -> str:  # type: ignore[no-untyped-def]
    res = cli("cleanroom", "challenge", name, "--config", str(cfg), "--now", now)
    assert res.code == 0, res.stderr
    nonce = res.stdout.strip()  # the bare nonce, as docs/cleanroom.md promises
    bytes.fromhex(nonce)
    return nonce


def test_bound_confidential_space_token_is_released(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    now = "2025-02-10T10:30:00Z"
    key, model, cfg = _setup(
        tmp_path,
        '[cleanrooms.cs]\ndestination = "releases"\nevidence = "gcp-cs"\n'
        'reference = "ref.yaml"\njwks = "jwks.json"\nrequire_signature = false\n',
    )
    (tmp_path / "ref.yaml").write_text(  # the gate is strict: what it may skip is listed
        "version: 1\ntype: gcp-cs\ndebug: forbid\n"
        "tolerate_skipped: [measurements, image_digest, token.audience]\n"
    )
    jwks(tmp_path)
    nonce = _challenge(cli, cfg, "cs", now)
    payload = real_payload()
    payload["dbgstat"] = "disabled-since-boot"
    payload["eat_nonce"] = [expected_report_data(nonce, spki_sha256(key.public_key())).hex()]
    evidence = tmp_path / "token.jwt"
    evidence.write_bytes(sign({"alg": "RS256", "kid": "k1", "typ": "JWT"}, payload))
    args = [
        "cleanroom",
        "promote",
        str(model),
        "--to",
        "cs",
        "--evidence",
        str(evidence),
        "--tee-key",
        str(tmp_path / "tee.pub"),
        "--nonce",
        nonce,
        "--config",
        str(cfg),
        "--now",
        now,
        "--format",
        "json",
    ]
    res = cli(*args)
    doc = json.loads(res.stdout)
    assert res.code == 0, [g for g in doc["gates"] if not g["passed"]]
    sealed = Path(doc["location"]) / "artifact.env"
    opened = cli(
        "cleanroom",
        "open",
        str(sealed),
        "--key",
        str(tmp_path / "tee.key"),
        "-o",
        str(tmp_path / "model.tar"),
    )
    assert opened.code == 0 and (tmp_path / "model.tar").stat().st_size > 0
    replay = cli(*args)
    assert replay.code == 1
    failed = {g["name"] for g in json.loads(replay.stdout)["gates"] if not g["passed"]}
    assert failed == {"freshness"}
    audit = cli("cleanroom", "audit", "verify", str(tmp_path / ".petgov/cleanrooms/cs/audit.jsonl"))
    assert audit.code == 0 and "OK: 2 records" in audit.stdout


SNP_ROOM = (
    '[cleanrooms.snp]\ndestination = "releases"\nevidence = "snp"\nreference = "ref.yaml"\n'
    "require_signature = false\n"
)


def _snp_reference(tmp: Path, *certs: str) -> None:
    lines = "\n".join(f"  - {corpus_path('attestation', 'sev-snp', c)}" for c in certs)
    tolerate = "tolerate_skipped: [revocation, measurements, tcb.minimum, vmpl]\n"
    (tmp / "ref.yaml").write_text(f"version: 1\ntype: snp\n{tolerate}certs:\n{lines}\n")


@pytest.mark.parametrize("binding", ["nonce-and-key", "unbound"])
def test_real_snp_evidence_and_the_binding(tmp_path: Path, cli, binding: str) -> None:  # type: ignore[no-untyped-def]
    now = "2024-01-01T00:00:00Z"
    _, model, cfg = _setup(tmp_path, SNP_ROOM + f'binding = "{binding}"\n')
    _snp_reference(tmp_path, "virtee_milan_vcek.der", "amd_ask_ark_milan.pem")
    evidence = corpus_path("attestation", "sev-snp", "virtee_milan_report.hex")
    nonce = _challenge(cli, cfg, "snp", now)
    res = cli(
        "cleanroom",
        "promote",
        str(model),
        "--to",
        "snp",
        "--evidence",
        str(evidence),
        "--tee-key",
        str(tmp_path / "tee.pub"),
        "--nonce",
        nonce,
        "--config",
        str(cfg),
        "--now",
        now,
        "--format",
        "json",
    )
    gates = {g["name"]: g for g in json.loads(res.stdout)["gates"]}
    if binding == "unbound":
        assert res.code == 0 and gates["attestation"]["passed"]
        assert "binding not checked" in gates["attestation"]["reasons"][0]
    else:
        assert res.code == 1 and not gates["attestation"]["passed"]
        assert any("does not bind" in r for r in gates["attestation"]["reasons"])
    skipped = [r for r in gates["attestation"]["reasons"] if "was skipped" in r]
    assert skipped and all(r.startswith("warning: attestation check ") for r in skipped)


def test_debug_snp_evidence_is_denied(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    now = "2022-09-24T01:00:00Z"
    _, model, cfg = _setup(tmp_path, SNP_ROOM + 'binding = "unbound"\n')
    _snp_reference(tmp_path, "gosevguest_milan_vcek.der")
    evidence = corpus_path("attestation", "sev-snp", "gosevguest_milan_attestation.bin")
    nonce = _challenge(cli, cfg, "snp", now)
    res = cli(
        "cleanroom",
        "promote",
        str(model),
        "--to",
        "snp",
        "--evidence",
        str(evidence),
        "--tee-key",
        str(tmp_path / "tee.pub"),
        "--nonce",
        nonce,
        "--config",
        str(cfg),
        "--now",
        now,
        "--format",
        "json",
    )
    assert res.code == 1
    gates = {g["name"]: g for g in json.loads(res.stdout)["gates"]}
    assert any(r.startswith("debug") for r in gates["attestation"]["reasons"])
    assert not list((tmp_path / "releases").glob("[!.]*"))


def test_bad_tee_key_names_the_option_and_keeps_the_nonce(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    now = "2024-01-01T00:00:00Z"
    _, model, cfg = _setup(tmp_path, SNP_ROOM)
    evidence = corpus_path("attestation", "sev-snp", "virtee_milan_report.hex")
    nonce = _challenge(cli, cfg, "snp", now)
    junk = tmp_path / "junk.pub"
    junk.write_text("junk\n")
    args = ["--evidence", str(evidence), "--nonce", nonce, "--config", str(cfg), "--now", now]
    res = cli("cleanroom", "promote", str(model), "--to", "snp", "--tee-key", str(junk), *args)
    assert res.code == 2
    assert res.stderr.startswith(f"error: --tee-key {junk}: not a PEM public key")
    assert res.stderr.count("\n") == 1
    store = next(tmp_path.rglob("challenges.json"))
    assert json.loads(store.read_text())[nonce]["used_at"] is None  # not burned by a typo
