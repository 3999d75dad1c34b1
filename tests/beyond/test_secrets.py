"""Secrets: detect-secrets plugins plus petgov's patterns; notebooks, cards, datasets, headers."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from petgov.scanners.secrets import _lines_with, find_secrets
from tests.beyond.helpers import by_kind, kinds, run, write

# Built at run time so no scanner flags this test file as a leak.
HF_TOKEN = "hf_" + "QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi"
AWS_KEY = "AKIA" + "Z7QWERTYUIOPASDF"
GH_TOKEN = "ghp_" + "0123456789abcdefghijABCDEFGHIJ012345"
OPENAI = "sk-proj-" + "Ab3dEf6hIj9lMn2pQr5tUv8xYz1BcD4fGh7jKl0nOp3rSt6v"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----\n"


def _safetensors(meta: dict[str, str]) -> bytes:
    header = {"__metadata__": meta, "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + bytes(8)


def _notebook() -> str:
    cells = [
        {
            "cell_type": "code",
            "source": ["import os\n", "print(os.environ['K'])\n"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": [OPENAI + "\n"]}],
        },
        {"cell_type": "code", "source": [f"token = '{GH_TOKEN}'\n"], "outputs": []},
        {"cell_type": "markdown", "source": "nothing here"},
    ]
    return json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}})


def test_patterns() -> None:
    text = f"a={AWS_KEY}\nb={HF_TOKEN}\n{PEM}c = 'AKIAIOSFODNN7EXAMPLE'\n"
    got = {(s.category.kind, s.line) for s in find_secrets(text)}
    assert got == {("secret.cloud_key", 1), ("secret.hf_token", 2), ("secret.private_key", 3)}
    assert find_secrets("just prose, hf_short and sk-not-a-key") == []


def test_repo_of_configs_notebooks_cards_datasets(tmp_path: Path) -> None:
    repo = write(
        tmp_path / "repo",
        {
            "config.json": json.dumps({"model_type": "x", "hub_token": HF_TOKEN}),
            "train.ipynb": _notebook(),
            "README.md": f"---\nlicense: mit\n---\nUse key {AWS_KEY} to download.\n",
            "data/train.csv": f"id,text\n1,hello\n2,my key is {PEM.splitlines()[0]}\n",
            "model.safetensors": _safetensors({"format": "pt", "uploader": HF_TOKEN}),
            "clean.yaml": "lr: 0.1\n",
        },
    )
    doc = run(repo, "secrets", "safetensors")  # header strings: checked by the header's scanner
    found = sorted((Path(f["path"]).name, f["kind"]) for f in doc["findings"])
    assert found == [
        ("README.md", "secret.cloud_key"),
        ("config.json", "secret.hf_token"),
        ("model.safetensors", "secret.hf_token"),
        ("train.csv", "secret.private_key"),
        ("train.ipynb", "secret.ai_api_key"),
        ("train.ipynb", "secret.vcs_token"),
    ]
    out = next(f for f in by_kind(doc, "secret.ai_api_key"))
    assert out["location"] == {"cell": 0, "part": "output", "output": 0, "line": 1}
    assert "output of cell 0" in out["message"]
    meta = next(f for f in by_kind(doc, "secret.hf_token") if f["path"].endswith("safetensors"))
    assert meta["location"] == {"metadata_key": "__metadata__.uploader"}
    assert all(f["action"] == "block" for f in doc["findings"])
    blob = json.dumps(doc)
    for raw in (HF_TOKEN, AWS_KEY, GH_TOKEN, OPENAI, "MIIEowIBAAKCAQEA7"):
        assert raw not in blob
    fps = {f["evidence"]["fingerprint"] for f in by_kind(doc, "secret.hf_token")}
    assert len(fps) == 1  # same token in config and metadata: same fingerprint
    scanned = {Path(c["path"]).name for c in doc["coverage"] if c["status"] == "scanned"}
    assert {"clean.yaml", "model.safetensors", "train.ipynb"} <= scanned


def test_broken_header_is_a_finding_and_its_strings_are_not_claimed(tmp_path: Path) -> None:
    header = b'{"__metadata__": {"uploader": "%s"}, "w": {"dtype"' % HF_TOKEN.encode()
    bad = struct.pack("<Q", len(header)) + header  # sniffs as safetensors; JSON is cut off
    repo = write(tmp_path / "m", {"model.safetensors": bad})
    doc = run(repo, "secrets", "safetensors")
    assert kinds(doc) == ["ser.safetensors_malformed"]
    assert [c for c in doc["coverage"] if c["engine"] == "secrets"] == []


def test_header_is_parsed_once_for_structure_and_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from petgov.formats import safetensors as reader
    from petgov.scanners import safetensors as scanner

    calls: list[int] = []
    real = reader.read_header

    def counting(fh: Any, size: int) -> Any:
        calls.append(size)
        return real(fh, size)

    monkeypatch.setattr(scanner, "read_header", counting)
    monkeypatch.setattr(reader, "read_header", counting)  # any other reader of the header
    repo = write(tmp_path / "m", {"model.safetensors": _safetensors({"uploader": HF_TOKEN})})
    doc = run(repo, "secrets", "safetensors")
    assert kinds(doc) == ["secret.hf_token"] and len(calls) == 1


def test_gguf_key_value_secret(tmp_path: Path) -> None:
    from tests.scanners import test_gguf as g

    data = g.gguf(
        [
            g.kv("general.architecture", g.STRING, "llama"),
            g.kv("general.source.url", g.STRING, f"https://x.invalid/?t={HF_TOKEN}"),
        ],
        [g.tensor("w", (8,), 0, 0)],
        bytes(32),
    )
    repo = write(tmp_path / "m", {"model.gguf": data})
    doc = run(repo, "secrets", "gguf")
    assert kinds(doc) == ["secret.hf_token"]
    assert doc["findings"][0]["location"] == {"metadata_key": "general.source.url"}
    assert HF_TOKEN not in json.dumps(doc)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["IBM", "ibm", "hmac", "cos_", "x", "İ", "Σ", "\n", "\r\n", "\u2028", " "]),
        max_size=40,
    ).map("".join)
)
def test_trigger_lines_equal_the_per_line_definition(text: str) -> None:
    """The fast line filter keeps exactly the lines a per-line case-insensitive test keeps."""

    triggers = ("ibm", "hmac", "cos_")
    naive = "\n".join(x for x in text.splitlines() if any(t in x.lower() for t in triggers))
    assert _lines_with(text, text.lower(), triggers) == naive


def _tokenizer(extra_vocab: dict[str, int], added: str = "<s>") -> str:
    vocab = {f"\u0120tok{i}": i for i in range(3000)} | extra_vocab
    doc = {
        "version": "1.0",
        "added_tokens": [{"id": 0, "content": added, "special": True}],
        "normalizer": None,
        "model": {"type": "BPE", "vocab": vocab, "merges": [f"\u0120t ok{i}" for i in range(2000)]},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def test_tokenizer_vocabulary_bulk_is_left_out_and_said(tmp_path: Path) -> None:
    """Short vocabulary pieces are not run through the detectors (coverage says so); secrets
    in the rest of the file, or in a piece long enough to hold one, are still found, at the
    line of the original file."""
    text = _tokenizer({GH_TOKEN: 9000}, added=HF_TOKEN)
    repo = write(
        tmp_path / "repo",
        {
            "tokenizer.json": text,
            "vocab.json": json.dumps({"a": 0, AWS_KEY: 1, "b": 2}),
            "merges.txt": "#version: 0.2\nh e\nhe llo\n",
        },
    )
    doc = run(repo, "secrets")
    found = sorted(
        (Path(f["path"]).name, f["kind"], f["location"]["line"]) for f in doc["findings"]
    )
    lines = text.splitlines()
    hf_line = next(i for i, x in enumerate(lines, 1) if HF_TOKEN in x)
    gh_line = next(i for i, x in enumerate(lines, 1) if GH_TOKEN in x)
    assert found == [
        ("tokenizer.json", "secret.hf_token", hf_line),
        ("tokenizer.json", "secret.vcs_token", gh_line),
        ("vocab.json", "secret.cloud_key", 1),
    ]
    notes = {Path(c["path"]).name: c["reason"] for c in doc["coverage"] if c["engine"] == "secrets"}
    assert "5000 of 5001 strings shorter than 16 characters not checked" in notes["tokenizer.json"]
    assert "not checked for secrets" in notes["vocab.json"]
    assert "not checked for secrets" in notes["merges.txt"]


def test_a_tokenizer_file_of_another_shape_is_read_whole(tmp_path: Path) -> None:
    repo = write(
        tmp_path / "repo",
        {
            "tokenizer.json": f"not json {HF_TOKEN}",
            "vocab.json": json.dumps({"key": HF_TOKEN}),
            "merges.txt": f"a b c {AWS_KEY}\n",
        },
    )
    doc = run(repo, "secrets")
    assert sorted(Path(f["path"]).name for f in doc["findings"]) == [
        "merges.txt",
        "tokenizer.json",
        "vocab.json",
    ]
    assert not [c for c in doc["coverage"] if "not checked" in c["reason"]]


def test_shipped_detectors_are_the_installed_plugins() -> None:
    """petgov/data/secrets/detect_secrets.json is what the installed detect-secrets holds
    (regenerate with PETGOV_UPDATE_GOLDEN=1 after upgrading it)."""
    from petgov.scanners.secrets import DETECTORS_FILE, describe_detectors
    from tests.conftest import REPO
    from tests.golden import check

    check(REPO / "petgov" / "data" / DETECTORS_FILE, json.dumps(describe_detectors(), indent=1))


def test_shipped_and_imported_detectors_find_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from petgov.scanners import secrets

    jwt = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "c2lnbmF0dXJlLXZhbHVl"
    text = (
        f"a={AWS_KEY}\nb={HF_TOKEN}\n{PEM}token: {jwt}\nurl = https://bob:s3cr3tpassw0rd@host/x\n"
        f"{GH_TOKEN} {OPENAI} xoxb-123456789012-abcdefghij sk_live_" + "a1B2c3D4e5F6g7H8i9J0k1L2\n"
    )
    shipped = sorted((s.type, s.value, s.line) for s in find_secrets(text))
    assert len(shipped) >= 7
    monkeypatch.setattr(secrets, "_detectors", secrets.imported_detectors)
    assert sorted((s.type, s.value, s.line) for s in find_secrets(text)) == shipped


def test_a_scan_without_secrets_to_validate_does_not_import_detect_secrets() -> None:
    import subprocess
    import sys

    probe = (
        "import json, sys\nfrom petgov.scanners.secrets import find_secrets\n"
        "got = sorted((s.category.kind, s.line) for s in find_secrets(sys.argv[1]))\n"
        "print(json.dumps([got, 'detect_secrets' in sys.modules]))"
    )
    text = f"a={AWS_KEY}\nb={HF_TOKEN}\n{PEM}"
    done = subprocess.run([sys.executable, "-c", probe, text], capture_output=True, text=True)
    got, imported = json.loads(done.stdout)
    assert imported is False, done.stderr
    assert got == [["secret.cloud_key", 1], ["secret.hf_token", 2], ["secret.private_key", 3]]
