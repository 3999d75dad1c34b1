"""The provenance scanner through `petgov scan`: facts, unsigned, broken and extra files."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from petgov.provenance.modelsig import sign_model
from tests.conftest import corpus_path
from tests.provenance.helpers import write_keypair, write_model


def _prov(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (f["rule_id"], Path(f["path"]).name)
        for f in report["findings"]
        if f["rule_id"].startswith("PG-PROV")
    )


def _signed(tmp_path: Path) -> tuple[Path, Path]:
    priv, pub = write_keypair(tmp_path)
    model = write_model(tmp_path / "model")
    (model / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    sign_model(model, model / "model.sig", key=priv)
    return model, pub


def test_verified_folder_sets_facts(
    tmp_path: Path, cli: Callable[..., Any], validate_report: Callable[..., None]
) -> None:
    model, pub = _signed(tmp_path)
    res = cli("scan", str(model), "--verify-key", str(pub), "-f", "json", "--scanner", "provenance")
    report = res.json()
    validate_report(report)
    assert _prov(report) == []
    facts = report["facts"][str(model)]
    assert facts["provenance.verified"] is True
    assert facts["provenance.method"] == "key"
    assert facts["provenance.identity"].startswith("sha256:")
    assert facts["provenance.digest"].startswith("sha256:")
    assert report["facts"][str(model / "weights.bin")]["provenance.verified"] is True


def test_tampered_folder_is_critical(tmp_path: Path, cli: Callable[..., Any]) -> None:
    model, pub = _signed(tmp_path)
    (model / "weights.bin").write_bytes(b"evil")
    res = cli("scan", str(model), "--verify-key", str(pub), "-f", "json", "--scanner", "provenance")
    report = res.json()
    assert ("PG-PROV-002", "model.sig") in _prov(report)
    assert res.code == 1
    assert report["facts"][str(model)]["provenance.verified"] is False


def test_extra_file_and_unsigned_model(tmp_path: Path, cli: Callable[..., Any]) -> None:
    model, pub = _signed(tmp_path)
    shutil.copy(model / "model.safetensors", model / "extra.safetensors")
    res = cli("scan", str(model), "--verify-key", str(pub), "-f", "json", "--scanner", "provenance")
    report = res.json()
    assert _prov(report) == [("PG-PROV-003", "extra.safetensors")]
    assert report["facts"][str(model)]["provenance.verified"] is True
    assert report["facts"][str(model / "extra.safetensors")]["provenance.verified"] is False


def test_unsigned_and_unverified(tmp_path: Path, cli: Callable[..., Any]) -> None:
    model, _ = _signed(tmp_path)
    res = cli("scan", str(model), "-f", "json", "--scanner", "provenance")
    assert _prov(res.json()) == [("PG-PROV-004", "model.sig")]
    (model / "model.sig").unlink()
    res = cli("scan", str(model), "-f", "json", "--scanner", "provenance")
    report = res.json()
    unsigned = [f for f in report["findings"] if f["rule_id"] == "PG-PROV-001"]
    files = sorted(
        p for p in report["facts"] if report["facts"][p].get("provenance.verified") is False
    )
    assert len(files) >= 2  # several unsigned files: one finding for their folder
    assert [(f["path"], f["message"].split(":")[0]) for f in unsigned] == [
        (str(model), f"{len(files)} files without model.sig or a Sigstore bundle")
    ]
    single = cli("scan", files[0], "-f", "json", "--scanner", "provenance").json()
    assert [f["path"] for f in single["findings"] if f["rule_id"] == "PG-PROV-001"] == [files[0]]


def test_upstream_keyless_model_offline(tmp_path: Path, cli: Callable[..., Any]) -> None:
    model = corpus_path("provenance", "model-transparency", "v1.1.0-sigstore")
    root = corpus_path("provenance", "trust", "production_trusted_root.json")
    res = cli(
        "scan", str(model), "-f", "json", "--scanner", "provenance",
        "--verify-identity", "stefanb@us.ibm.com",
        "--verify-issuer", "https://sigstore.verify.ibm.com/oauth2",
        "--trust-root", str(root),
    )  # fmt: skip
    facts = res.json()["facts"][str(model)]
    assert facts["provenance.verified"] is True
    assert facts["provenance.identity"] == "stefanb@us.ibm.com"
    assert facts["provenance.method"] == "sigstore"
