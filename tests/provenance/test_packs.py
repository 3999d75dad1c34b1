"""Signed rule packs: `petgov rules sign/verify` and require_signature in policy config."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.errors import PolicyError
from petgov.policy.packs import builtin_pack_dir
from petgov.provenance.packs import sign_pack, verify_pack
from tests.provenance.helpers import write_keypair


def _pack(tmp_path: Path) -> Path:
    return Path(shutil.copytree(builtin_pack_dir(), tmp_path / "pack"))


def test_sign_and_verify_folder_pack(tmp_path: Path) -> None:
    priv, pub = write_keypair(tmp_path)
    pack = _pack(tmp_path)
    assert verify_pack(pack, [pub]) is None
    sign_pack(pack, priv)
    signer = verify_pack(pack, [pub])
    assert signer is not None and signer.startswith("key sha256:")
    rule = next(pack.rglob("PG-PROV-001.yaml"))
    rule.write_text(rule.read_text().replace("severity: low", "severity: info"))
    with pytest.raises(PolicyError, match="does not verify"):
        verify_pack(pack, [pub])


def _policy(tmp_path: Path, source: Path, keys: list[Path], sha: str | None = None) -> Path:
    pin = f', sha256 = "{sha}"' if sha else ""
    key_list = ", ".join(f'"{k}"' for k in keys)
    cfg = tmp_path / "petgov.toml"
    lines = [
        f'packs = [{{source = "{source}"{pin}}}]',
        "require_signature = true",
        f"pack_keys = [{key_list}]",
    ]
    cfg.write_text("\n".join(lines) + "\n")
    return cfg


def test_require_signature_through_scan(tmp_path: Path, cli: Callable[..., Any]) -> None:
    priv, pub = write_keypair(tmp_path)
    pack = _pack(tmp_path)
    target = tmp_path / "data.txt"
    target.write_text("hello")
    cfg = _policy(tmp_path, pack, [pub])
    res = cli("scan", str(target), "--policy", str(cfg), "-f", "json")
    assert res.code == 2 and "not signed" in res.stderr
    assert cli("rules", "sign", str(pack), "--key", str(priv)).code == 0
    res = cli("scan", str(target), "--policy", str(cfg), "-f", "json")
    assert res.code == 0, res.stderr
    _, other = write_keypair(tmp_path, "other")
    res = cli("scan", str(target), "--policy", str(_policy(tmp_path, pack, [other])), "-f", "json")
    assert res.code == 2 and "does not verify" in res.stderr


def test_tarball_pack_cli(tmp_path: Path, cli: Callable[..., Any]) -> None:
    priv, pub = write_keypair(tmp_path)
    pack = _pack(tmp_path)
    tar = tmp_path / "pack.tar.gz"
    assert cli("rules", "pack", str(pack), "-o", str(tar)).code == 0
    assert cli("rules", "verify", str(tar), "--key", str(pub)).code == 2
    assert cli("rules", "sign", str(tar), "--key", str(priv)).code == 0
    assert (tmp_path / "pack.tar.gz.sig").is_file()
    res = cli("rules", "verify", str(tar), "--key", str(pub))
    assert res.code == 0 and "sha256:" in res.stdout


def test_unusable_pack_key_is_a_usage_error(tmp_path: Path) -> None:
    """A junk or missing pack key was an internal error from model-signing's key loader."""
    from petgov.errors import UsageError, VerificationError
    from petgov.provenance.interface import TrustMaterial
    from petgov.provenance.modelsig import verify_model

    priv, _ = write_keypair(tmp_path)
    pack = _pack(tmp_path)
    sig = sign_pack(pack, priv)
    junk = tmp_path / "junk.pub"
    junk.write_text("junk\n")
    with pytest.raises(UsageError, match=r"pack key .*junk\.pub is not a PEM public key"):
        verify_pack(pack, [junk])
    with pytest.raises(UsageError, match="No such file"):
        verify_pack(pack, [tmp_path / "missing.pub"])
    with pytest.raises(VerificationError, match="not a PEM public key"):  # the library path too
        verify_model(pack, sig, TrustMaterial(key=junk))
