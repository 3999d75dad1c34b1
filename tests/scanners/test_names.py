"""One name per scanner: what `--scanner` takes is what the report's engine fields say.

Each scanner runs alone over a folder that gives most of them something to find; every
finding and coverage entry must then come from that scanner (or a pipeline stage), under the
name that selected it, with a kind the scanner declares.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.demo import harmless_payload_pickle, pii_csv
from petgov.errors import UsageError
from petgov.scanners.registry import SCANNERS, all_scanners, load
from tests.beyond.helpers import run, write
from tests.beyond.test_remote_code import MODELING
from tests.beyond.test_secrets import GH_TOKEN, _safetensors

STAGES = {"petgov", "targets", "archive", "hf", "inventory", "coverage"}
NAMES = [load(p).name for p in SCANNERS]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = {"model_type": "x", "auto_map": {"AutoModel": "modeling_x.XModel"}}
    return write(
        tmp_path_factory.mktemp("names") / "m",
        {
            "model.pkl": harmless_payload_pickle(),
            "model.safetensors": _safetensors({"uploader": GH_TOKEN}),
            "config.json": json.dumps(config),
            "modeling_x.py": MODELING,
            "README.md": "---\nlicense: cc-by-nc-4.0\n---\n# x\n",
            "requirements.txt": "requests==2.0.0\n",
            "train.csv": pii_csv(),
            "app.py": "from transformers import pipeline\np = pipeline(model='org/unknown')\n",
        },
    )


def test_names_are_unique_and_plain() -> None:
    assert len(set(NAMES)) == len(NAMES)
    assert all(n == n.lower() and "." not in n and not n.startswith("petgov") for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_scanner_alone_reports_under_its_own_name(repo: Path, name: str) -> None:
    doc = run(repo, name)
    assert set(doc["tool"]["engines"]) == {"petgov", name}
    engines = {f["engine"] for f in doc["findings"]} | {c["engine"] for c in doc["coverage"]}
    assert engines <= {name} | STAGES
    [scanner] = all_scanners([name])
    assert {f["kind"] for f in doc["findings"] if f["engine"] == name} <= scanner.kinds


def test_default_scan_engines_are_scanner_names(repo: Path) -> None:
    doc = run(repo, *[s.name for s in all_scanners()])
    engines = {f["engine"] for f in doc["findings"]} | {c["engine"] for c in doc["coverage"]}
    assert engines - STAGES <= set(NAMES)
    assert engines - STAGES <= set(doc["tool"]["engines"])
    # the folder exercises most scanners: a rename that misses one shows here
    assert {"pickle", "safetensors", "secrets", "remote-code", "licenses", "pii"} <= engines


def test_old_names_are_refused(cli: Callable[..., Any], tmp_path: Path) -> None:
    for old in ("petgov-pickle", "petgov.gguf", "petgov.secrets"):
        with pytest.raises(UsageError, match=f"unknown scanner {old}"):
            all_scanners([old])
    (tmp_path / "a.txt").write_text("hello\n")
    res = cli("scan", str(tmp_path), "--scanner", "petgov.gguf")
    assert res.code == 2 and "unknown scanner petgov.gguf" in res.stderr
    assert "Traceback" not in res.stderr
