"""Shadow AI: model uses found with ast, judged against a [shadow_ai] sanctioned list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from petgov.shadow.detect import find_uses
from tests.beyond.helpers import by_kind, kinds, run, target_facts, write

SHA = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"
APP = f"""
import os
from transformers import AutoModel, AutoTokenizer, pipeline
from huggingface_hub import hf_hub_download
from sentence_transformers import SentenceTransformer
import openai
from anthropic import Anthropic

tok = AutoTokenizer.from_pretrained("sentence-transformers/all-MiniLM-L6-v2", revision="{SHA}")
emb = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2")
m = AutoModel.from_pretrained("someone/uncleared-model")
local = AutoModel.from_pretrained("./checkpoints/run1")
clf = pipeline("text-classification", model="meta-llama/Llama-Guard-3-8B", revision="main")
w = hf_hub_download(repo_id="TheBloke/Llama-2-7B-GGUF", filename="x.gguf")
dyn = AutoModel.from_pretrained(os.environ["MODEL"])
client = openai.OpenAI()
r = client.chat.completions.create(model="gpt-4o-mini", messages=[])
r2 = client.chat.completions.create(model="gpt-3.5-turbo", messages=[])
claude = Anthropic()
"""
POLICY = f"""
[shadow_ai]
sanctioned_models = ["sentence-transformers/all-MiniLM-L6-v2", "meta-llama/*"]
allowed_revisions = {{ "sentence-transformers/all-MiniLM-L6-v2" = ["{SHA}"] }}
allowed_providers = ["openai"]
provider_models = ["gpt-4o*"]
"""


def test_detects_uses() -> None:
    uses = find_uses(APP, "app.py")
    got = [(u.kind, u.id, u.provider) for u in uses]
    assert got == [
        ("hf_model", "sentence-transformers/all-MiniLM-L6-v2", "huggingface"),
        ("hf_model", "sentence-transformers/all-MiniLM-L6-v2", "huggingface"),
        ("hf_model", "someone/uncleared-model", "huggingface"),
        ("hf_model", "meta-llama/Llama-Guard-3-8B", "huggingface"),
        ("hf_model", "TheBloke/Llama-2-7B-GGUF", "huggingface"),
        ("hf_model", None, "huggingface"),
        ("provider_client", None, "openai"),
        ("provider_model", "gpt-4o-mini", "openai"),
        ("provider_model", "gpt-3.5-turbo", "openai"),
        ("provider_client", None, "anthropic"),
    ]
    assert uses[0].pinned and uses[0].line == 9


def test_judged_against_sanctioned_list(tmp_path: Path) -> None:
    repo = write(tmp_path / "code", {"app.py": APP})
    cfg = write(tmp_path, {"petgov.toml": POLICY}) / "petgov.toml"
    doc = run(repo, "shadow-ai", options={"shadow_config": str(cfg)})
    found = sorted(
        (f["kind"], f["evidence"]["model"] or f["evidence"]["provider"]) for f in doc["findings"]
    )
    assert found == [
        ("shadow_ai.unpinned_revision", "meta-llama/Llama-Guard-3-8B"),
        ("shadow_ai.unpinned_revision", "sentence-transformers/all-MiniLM-L6-v2"),
        ("shadow_ai.unsanctioned_model", "TheBloke/Llama-2-7B-GGUF"),
        ("shadow_ai.unsanctioned_model", "huggingface"),
        ("shadow_ai.unsanctioned_model", "someone/uncleared-model"),
        ("shadow_ai.unsanctioned_provider", "anthropic"),
        ("shadow_ai.unsanctioned_provider", "gpt-3.5-turbo"),
    ]
    assert all(f["action"] == "warn" for f in doc["findings"])
    rows = target_facts(doc, repo)["shadow_ai.models"]
    verdicts = {(r["id"], r["line"]): r["sanctioned"] for r in rows}
    assert verdicts[("sentence-transformers/all-MiniLM-L6-v2", 9)] is True
    assert verdicts[("gpt-4o-mini", 17)] is True
    assert verdicts[("someone/uncleared-model", 11)] is False


def test_without_list_uses_are_listed_not_judged(tmp_path: Path) -> None:
    repo = write(tmp_path / "code", {"app.py": APP})
    doc = run(repo, "shadow-ai")
    assert kinds(doc) == []
    rows = target_facts(doc, repo)["shadow_ai.models"]
    assert len(rows) == 10 and {r["sanctioned"] for r in rows} == {None}
    assert any("not judged" in n for n in doc["notes"])


def test_notebook_and_bad_file(tmp_path: Path) -> None:
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "source": ["!pip install transformers\n", "from transformers import AutoModel\n"],
            },
            {"cell_type": "markdown", "source": "AutoModel.from_pretrained('not/code')"},
            {"cell_type": "code", "source": "m = AutoModel.from_pretrained('org/nb-model')\n"},
        ],
        "nbformat": 4,
        "metadata": {},
    }
    repo = write(tmp_path / "c", {"nb.ipynb": json.dumps(nb), "broken.py": "def (:\n"})
    doc = run(repo, "shadow-ai")
    rows = target_facts(doc, repo)["shadow_ai.models"]
    assert [r["id"] for r in rows] == ["org/nb-model"]
    assert any(c["status"] == "error" and c["path"].endswith("broken.py") for c in doc["coverage"])


def test_shadow_cli(tmp_path: Path, cli: Any) -> None:
    repo = write(tmp_path / "code", {"app.py": APP})
    cfg = write(tmp_path, {"petgov.toml": POLICY}) / "petgov.toml"
    res = cli("shadow", str(repo), "--config", str(cfg), "--json")
    assert res.code == 0
    out = json.loads(res.stdout)
    assert len(out["uses"]) == 10 and len(by_kind(out, "shadow_ai.unsanctioned_provider")) == 2
    assert cli("shadow", str(repo), "--config", str(cfg), "--strict").code == 1
    assert cli("shadow", str(tmp_path / "missing")).code == 2


def test_shadow_cli_refuses_a_bad_config(tmp_path: Path, cli: Any) -> None:
    """A --config that is missing, broken or has a bad list is exit 2: before, the uses were
    listed as "not judged" and --strict passed."""
    repo = write(tmp_path / "code", {"app.py": APP})
    configs = {
        "missing.toml": None,
        "broken.toml": '[shadow_ai\nsanctioned_models = ["a/b"]\n',
        "wrong.toml": '[shadow_ai]\nsanctioned_models = "a/b"\n',
        "empty.toml": 'fail_on = "high"\n',
    }
    for name, text in configs.items():
        if text is not None:
            (tmp_path / name).write_text(text)
        res = cli("shadow", str(repo), "--config", str(tmp_path / name), "--strict")
        assert res.code == 2, (name, res.stdout, res.stderr)
        assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1, res.stderr
