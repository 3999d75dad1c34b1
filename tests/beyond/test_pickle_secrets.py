"""Secrets inside pickles: string constants the static VM sees go to the secrets detector.

The fixtures are written with ``pickle.dumps`` (that only serializes); nothing here loads one.
"""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import pytest

from petgov.scanners.pickle_vm import analyze
from petgov.scanners.secrets import pickle_string_findings
from tests.beyond.helpers import by_kind, run, write
from tests.beyond.test_secrets import AWS_KEY, HF_TOKEN, PEM


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_token_in_pickle_is_a_redacted_finding(tmp_path: Path, protocol: int) -> None:
    state = {"layer.weight": [0.1, 0.2], "config": {"hub_token": HF_TOKEN, "lr": "0.001"}}
    repo = write(tmp_path / "m", {"model.pkl": pickle.dumps(state, protocol=protocol)})
    doc = run(repo, "pickle", "secrets")
    hits = by_kind(doc, "secret.hf_token")
    assert len(hits) == 1
    hit = hits[0]
    assert hit["rule_id"] == "PG-SEC-002" and hit["engine"] == "secrets"
    assert "pickle string at byte" in hit["message"]
    assert HF_TOKEN not in json.dumps(doc)  # only the redacted form and fingerprint
    assert hit["evidence"]["redacted"].startswith("hf_Q") and hit["evidence"]["fingerprint"]
    cov = [c["status"] for c in doc["coverage"] if c["engine"] == "secrets"]
    assert cov == ["scanned"]
    data = (repo / "model.pkl").read_bytes()
    at = hit["location"]["offset"]
    assert data.find(HF_TOKEN.encode(), at) - at < 12  # the offset is that string's opcode


def test_offsets_point_at_the_string_holding_each_secret() -> None:
    data = pickle.dumps(["x" * 20, "short", f"aws={AWS_KEY}", PEM, "tail string"], protocol=4)
    strings = analyze(data).strings
    assert [t for _, t in strings] == ["x" * 20, f"aws={AWS_KEY}", PEM, "tail string"]
    found = {f.kind: f.location["offset"] for f in pickle_string_findings("p", strings)}
    assert set(found) == {"secret.cloud_key", "secret.private_key"}
    assert data.find(AWS_KEY.encode()) > found["secret.cloud_key"]
    assert found["secret.private_key"] > found["secret.cloud_key"]
    assert data.find(b"-----BEGIN", found["secret.private_key"]) - found["secret.private_key"] < 12


def test_torch_zip_member_and_clean_pickle(tmp_path: Path) -> None:
    inner = pickle.dumps({"args": {"wandb_key": AWS_KEY}, "epoch": 3}, protocol=2)
    zpath = tmp_path / "m" / "model.pt"
    zpath.parent.mkdir()
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("archive/data.pkl", inner)
        zf.writestr("archive/version", "3\n")
    (tmp_path / "m" / "clean.pkl").write_bytes(pickle.dumps({"a": "just some text here"}))
    doc = run(tmp_path / "m", "pickle", "secrets")
    hits = [
        (Path(f["path"]).name, f["kind"])
        for f in doc["findings"]
        if f["kind"].startswith("secret.")
    ]
    assert hits == [("data.pkl", "secret.cloud_key")]


def test_strings_past_the_budget_are_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from petgov.scanners import pickle_vm

    monkeypatch.setattr(pickle_vm, "SECRET_BUDGET", 30)
    data = pickle.dumps(["a" * 20, "b" * 20, HF_TOKEN], protocol=4)
    repo = write(tmp_path / "m", {"model.pkl": data})
    doc = run(repo, "pickle", "secrets")
    assert by_kind(doc, "secret.hf_token") == []
    cov = [c for c in doc["coverage"] if c["engine"] == "secrets"]
    assert [c["status"] for c in cov] == ["skipped"] and "2 string constant(s)" in cov[0]["reason"]
