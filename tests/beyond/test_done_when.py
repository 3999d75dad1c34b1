"""The issue's "done when": one scan of a model + code repo reports every beyond-the-weights
risk as a finding, and all of it lands in one valid AI-BOM (``petgov scan --format cyclonedx``).
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

from petgov.bom import validate
from petgov.deps.osv import import_zip
from tests.beyond.helpers import write
from tests.beyond.osvfixture import build_zip
from tests.beyond.test_remote_code import MODELING
from tests.beyond.test_secrets import HF_TOKEN
from tests.beyond.test_shadow import APP, POLICY

CARD = "---\nlicense: cc-by-nc-4.0\nlibrary_name: transformers\n---\n# x\n"


def test_one_scan_everything_in_the_bom(tmp_path: Path, cli: Any) -> None:
    db = tmp_path / "osv.sqlite"
    import_zip(build_zip(tmp_path / "all.zip"), db)
    config = {"model_type": "x", "auto_map": {"AutoModel": "modeling_x.XModel"}}
    repo = write(
        tmp_path / "repo",
        {
            "config.json": json.dumps(config),
            "modeling_x.py": MODELING,
            "README.md": CARD,
            "requirements.txt": "torch==2.5.1\nhuggingface-clii\n",
            "serve/app.py": APP,
            "extra_state.pkl": pickle.dumps({"hub_token": HF_TOKEN}, protocol=4),
        },
    )
    write(tmp_path, {"petgov.toml": POLICY})
    res = cli(
        "scan",
        str(repo),
        "--format",
        "cyclonedx",
        "--osv-db",
        str(db),
        "--no-progress",
        cwd=tmp_path,
    )
    assert res.code == 1, res.stderr  # the malicious package and remote code gate
    doc = json.loads(res.stdout)
    validate.check(doc, "1.6")
    assert HF_TOKEN not in res.stdout
    ids = {v["id"] for v in doc["vulnerabilities"]}
    for rule in ("PG-RC-001", "PG-SEC-002", "PG-LIC-002", "PG-DEP-001", "PG-DEP-002", "PG-SHA-001"):
        assert rule in ids, rule
    assert {"MAL-2025-100", "GHSA-aaaa-bbbb-cccc"} <= ids
    kinds = {(c["type"], c["name"]) for c in doc["components"]}
    assert {("library", "torch"), ("library", "huggingface-clii")} <= kinds
    assert ("machine-learning-model", "uncleared-model") in kinds
    assert {s["name"] for s in doc["services"]} == {"openai", "anthropic"}
    model = doc["metadata"]["component"]
    assert model["licenses"][0]["license"]["id"] == "CC-BY-NC-4.0"
