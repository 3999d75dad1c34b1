"""Data providers' signed policies enforced by `promote`: every decision names policy and clause.

The policies are signed with the real model-signing signer (`petgov sign`), the promotion runs
the real pipeline, envelope and audit log; only the attestation verdict is a test appraiser.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec, x25519

from petgov.cleanroom import data_policy
from petgov.cleanroom.audit_log import verify
from petgov.cleanroom.config import CleanRoom
from petgov.cleanroom.destination import Destination
from petgov.demo import write_key_pair
from petgov.provenance.modelsig import sign_model
from tests.cleanroom.test_promote import _Appraiser, _failed, _model, _room, _run


def provider_keys(tmp: Path, name: str) -> tuple[Path, Path]:
    """An EC P-256 key pair for a data provider: (private, public)."""
    private, public = tmp / f"{name}.pem", tmp / f"{name}.pub.pem"
    write_key_pair(ec.generate_private_key(ec.SECP256R1()), private, public)
    return private, public


def signed_policy(tmp: Path, key: Path | None, **clauses: Any) -> Path:
    """A policy file written and (unless ``key`` is None) signed as `petgov sign` signs it."""
    body: dict[str, Any] = {
        "schema": data_policy.SCHEMA,
        "provider": "bank",
        "dataset": "customers",
        "purposes": ["unit test"],
        "tee": ["gcp-cs", "snp"],
        "retention_days": 7,
        **clauses,
    }
    path = tmp / f"{body['provider']}-{body['dataset']}.policy.yaml"
    path.write_text(yaml.safe_dump(body))
    if key is not None:
        sign_model(path, data_policy.signature_path(path), key=key)
    return path


def policy_room(tmp: Path, policies: list[Path], **extra: Any) -> CleanRoom:
    keys = extra.pop("providers", None) or {"bank": str(tmp / "bank.pub.pem")}
    return _room(
        tmp, providers=keys, data_policies=[str(p) for p in policies], retention="1d", **extra
    )


def room_toml(tmp: Path, policy: Path) -> Path:
    """petgov.toml with room 'research' serving ``policy``, provider bank's key beside it."""
    cfg = tmp / "petgov.toml"
    cfg.write_text(
        "[cleanrooms.research]\n"
        'destination = "releases"\nevidence = "gcp-cs"\nreference = "ref.yaml"\n'
        f'purpose = "unit test"\ndata_policies = ["{policy.name}"]\n'
        '[cleanrooms.research.providers]\nbank = "bank.pub.pem"\n'
    )
    return cfg


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    return provider_keys(tmp_path, "bank")[0]


def _promote(tmp: Path, room: CleanRoom) -> Any:
    key = x25519.X25519PrivateKey.generate()
    return _run(tmp, room, _model(tmp), key, appraiser=_Appraiser(key))


def test_a_release_every_policy_allows_goes_out_and_names_the_policies(
    tmp_path: Path, bank: Path
) -> None:
    policy = signed_policy(tmp_path, bank)
    room = policy_room(tmp_path, [policy])
    result = _promote(tmp_path, room)
    assert result.allowed, _failed(result)
    manifest = Destination(room.destination).releases()[0].manifest
    assert [p["dataset"] for p in manifest["data_policies"]] == ["customers"]
    record = json.loads(room.audit_log.read_text().splitlines()[-1])
    assert record["data"]["data_policies"][0]["provider"] == "bank"


@pytest.mark.parametrize(
    ("clauses", "room_extra", "clause"),
    [
        ({"purposes": ["marketing"]}, {}, "clause purposes"),
        ({"tee": ["tdx"]}, {}, "clause tee"),
        ({"retention_days": 0.5}, {}, "clause retention_days"),
        ({"rooms": ["other"]}, {}, "clause rooms"),
        ({"measurements": {"measurement": ["ab" * 48]}}, {}, "clause measurements"),
    ],
)
def test_a_disallowed_release_is_denied_with_the_clause_named(
    tmp_path: Path, bank: Path, clauses: dict[str, Any], room_extra: dict[str, Any], clause: str
) -> None:
    policy = signed_policy(tmp_path, bank, **clauses)
    room = policy_room(tmp_path, [policy], **room_extra)
    result = _promote(tmp_path, room)
    assert not result.allowed
    reasons = _failed(result)["data-policy"]
    assert any(f"policy bank/customers ({policy.name}) {clause}" in r for r in reasons), reasons
    assert Destination(room.destination).releases() == []
    record = json.loads(room.audit_log.read_text().splitlines()[-1])
    assert record["event"] == "promote.denied"
    gate = next(g for g in record["data"]["gates"] if g["name"] == "data-policy")
    assert gate["passed"] is False and clause in " ".join(gate["reasons"])
    assert verify(room.audit_log).ok


def test_multi_party_release_needs_every_provider(tmp_path: Path, bank: Path) -> None:
    insurer, _ = provider_keys(tmp_path, "insurer")
    ok = signed_policy(tmp_path, bank)
    other = signed_policy(
        tmp_path, insurer, provider="insurer", dataset="claims", purposes=["actuarial"]
    )
    keys = {"bank": str(tmp_path / "bank.pub.pem"), "insurer": str(tmp_path / "insurer.pub.pem")}
    room = policy_room(tmp_path, [ok, other], providers=keys)
    result = _promote(tmp_path, room)
    reasons = _failed(result)["data-policy"]
    assert len(reasons) == 1 and "policy insurer/claims" in reasons[0], reasons


@pytest.mark.parametrize("damage", ["unsigned", "other-key", "edited", "unknown-provider"])
def test_an_untrusted_policy_fails_closed(tmp_path: Path, bank: Path, damage: str) -> None:
    mallory, _ = provider_keys(tmp_path, "mallory")
    policy = signed_policy(
        tmp_path,
        None if damage == "unsigned" else mallory if damage == "other-key" else bank,
        **({"provider": "mallory"} if damage == "unknown-provider" else {}),
    )
    if damage == "edited":  # widen the purposes after signing
        policy.write_text(policy.read_text().replace("unit test", "anything"))
    room = policy_room(tmp_path, [policy])
    result = _promote(tmp_path, room)
    reasons = _failed(result)["data-policy"]
    assert reasons and "not trusted" in reasons[0], reasons
    assert Destination(room.destination).releases() == []


def test_cli_exit_codes_and_missing_policy_file(
    tmp_path: Path, bank: Path, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from tests.cleanroom.test_promote import promote_command

    policy = signed_policy(tmp_path, bank, purposes=["marketing"])
    tee = x25519.X25519PrivateKey.generate()
    _, args = promote_command(
        tmp_path,
        monkeypatch,
        tee,
        data_policies=[policy.name],
        purpose="unit test",
        retention="1d",
    )
    cfg = Path(args[-1])
    cfg.write_text(cfg.read_text() + '[cleanrooms.research.providers]\nbank = "bank.pub.pem"\n')
    denied = cli(*args)
    assert denied.code == 1 and "clause purposes" in denied.stdout
    policy.unlink()
    missing = cli(*args)
    assert missing.code == 2 and policy.name in missing.stderr


def test_policies_command_lists_terms_and_fails_on_an_untrusted_policy(
    tmp_path: Path, bank: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    policy = signed_policy(tmp_path, bank, preview={"epsilon_total": 3})
    cfg = room_toml(tmp_path, policy)
    args = ["cleanroom", "policies", "research", "--config", str(cfg)]
    ok = cli(*args)
    assert ok.code == 0, ok.stderr
    assert "OK bank/customers" in ok.stdout and "ε 0 of 3 spent" in ok.stdout
    listed = json.loads(cli(*args, "-f", "json").stdout)
    assert listed[0]["trusted"] is True and listed[0]["retention_days"] == 7
    policy.write_text(policy.read_text().replace("unit test", "anything"))
    edited = cli(*args)
    assert edited.code == 1 and "UNTRUSTED" in edited.stdout
