"""Regression tests for D-M4 (challenge prints a bare nonce; a non-hex --nonce is exit 2) and
'verify' on a tampered model (exit 1: the check failed, not a usage error)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from petgov.demo import safetensors_bytes, write_demo_key

ROOM = '[cleanrooms.research]\ndestination = "out"\nevidence = "snp"\nreference = "ref.yaml"\n'


def test_D_M4_challenge_prints_a_bare_nonce(tmp_path: Path, cli: Callable[..., Any]) -> None:
    (tmp_path / "petgov.toml").write_text(ROOM)
    res = cli("cleanroom", "challenge", "research", cwd=tmp_path)
    assert res.code == 0, res.stderr
    nonce = res.stdout.strip()
    assert len(bytes.fromhex(nonce)) == 32 and res.stdout == nonce + "\n"
    record = cli("cleanroom", "challenge", "research", "-f", "json", cwd=tmp_path)
    assert len(bytes.fromhex(json.loads(record.stdout)["nonce"])) == 32


def test_D_M4_non_hex_nonce_is_a_usage_error(tmp_path: Path, cli: Callable[..., Any]) -> None:
    (tmp_path / "petgov.toml").write_text(ROOM)
    (tmp_path / "m.safetensors").write_bytes(safetensors_bytes())
    (tmp_path / "ev.bin").write_bytes(b"x")
    _, pub = write_demo_key(tmp_path)
    for bad in ("zz", '{"nonce": "ab"}', ""):
        res = cli(
            "cleanroom", "promote", "m.safetensors", "--to", "research", "--evidence", "ev.bin",
            "--tee-key", str(pub), "--nonce", bad, cwd=tmp_path,
        )  # fmt: skip
        assert res.code == 2, res.stderr
        assert "internal error" not in res.stderr and "not a hex nonce" in res.stderr


def test_verify_tampered_model_exits_1(tmp_path: Path, cli: Callable[..., Any]) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "model.safetensors").write_bytes(safetensors_bytes())
    key, pub = write_demo_key(tmp_path)
    assert cli("sign", str(model), "--key", str(key)).code == 0
    assert cli("verify", str(model), "--key", str(pub)).code == 0
    (model / "model.safetensors").write_bytes(safetensors_bytes() + b"\0")
    res = cli("verify", str(model), "--key", str(pub))
    assert res.code == 1 and res.stderr.startswith("error: verification FAILED")
    assert cli("verify", str(model), "--key", str(tmp_path / "missing.pem")).code == 2


def test_D_M5_hf_cache_miss_is_one_line_without_network(
    tmp_path: Path, cli: Callable[..., Any], no_network: list[str], monkeypatch: Any
) -> None:
    """A miss went online with 6 retries over 30 s. Now naming hf:// is consent to read the hub
    (issue 18): one attempt, no retries; with --offline, one line and no socket at all."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    target = "hf://org/name@" + "0123456789abcdef" * 2 + "01234567"
    res = cli("scan", target, "--offline")
    assert res.code == 2
    assert "not in the local Hugging Face cache" in res.stderr and "--offline" in res.stderr
    assert res.stderr.count("\n") == 1
    assert no_network == []
    cli("scan", target)
    assert len(no_network) == 1  # consented: one connection attempt, never six
