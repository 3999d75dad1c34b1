"""Remote code: auto_map, custom pipelines, sentence-transformers modules and ast analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from petgov.scanners.remote_code import analyze_python, auto_map_refs, module_file
from tests.beyond.helpers import by_kind, kinds, run, target_facts, write
from tests.conftest import corpus_path

MODELING = """
import subprocess as sp
from os import system
import importlib
import requests
from huggingface_hub import hf_hub_download

class XModel:
    def __init__(self):
        sp.Popen(["curl", "x"])
        system("id")
        exec(compile("1", "f", "eval"))
        importlib.import_module("evil")
        requests.post("http://example.invalid", data=b"")
        hf_hub_download("org/more-code", "stage2.py")
        with open("/tmp/out", "w") as fh:
            fh.write("x")
"""


def _repo(tmp_path: Path) -> Path:
    config = {
        "model_type": "x",
        "auto_map": {
            "AutoConfig": "configuration_x.XConfig",
            "AutoModel": "modeling_x.XModel",
            "AutoTokenizer": ["other/tok--tokenization_x.Tok", None],
        },
    }
    return write(
        tmp_path / "repo",
        {
            "config.json": json.dumps(config),
            "modeling_x.py": MODELING,
            "configuration_x.py": "class XConfig:\n    pass\n",
            "helpers/unused.py": "import os\nos.remove('x')\n",
        },
    )


def test_auto_map_names_modules_and_reaches_capabilities(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    doc = run(repo, "remote-code")
    found = kinds(doc)
    for kind in (
        "remote_code.auto_map",
        "remote_code.external_repo",
        "remote_code.exec",
        "remote_code.network",
        "remote_code.dynamic_import",
        "remote_code.file_write",
    ):
        assert kind in found, kind
    auto = by_kind(doc, "remote_code.auto_map")[0]
    assert "modeling_x.py" in auto["message"] and "configuration_x.py" in auto["message"]
    ext = by_kind(doc, "remote_code.external_repo")[0]
    assert ext["evidence"]["refs"] == ["other/tok--tokenization_x.Tok"]
    assert ext["action"] == "block"
    exe = next(f for f in by_kind(doc, "remote_code.exec") if f["path"].endswith("modeling_x.py"))
    assert exe["severity"] == "high" and exe["action"] == "block"
    assert {"subprocess.Popen", "os.system", "exec", "compile"} <= set(exe["evidence"]["calls"])
    net = by_kind(doc, "remote_code.network")[0]
    assert "huggingface_hub.hf_hub_download" in net["evidence"]["calls"]
    facts = target_facts(doc, repo)
    assert facts["remote_code.required"] is True
    assert "other/tok--tokenization_x.Tok" in facts["remote_code.modules"]


def test_unreferenced_py_in_model_folder_is_one_step_lower(tmp_path: Path) -> None:
    doc = run(_repo(tmp_path), "remote-code")
    writes = [f for f in by_kind(doc, "remote_code.file_write") if "unused" in f["path"]]
    assert not writes  # helpers/ has no model marker: not model code
    repo = write(
        tmp_path / "plain", {"config.json": "{}", "tool.py": "import os\nos.system('x')\n"}
    )
    exe = by_kind(run(repo, "remote-code"), "remote_code.exec")
    assert [f["severity"] for f in exe] == ["medium"]


def test_codebase_without_model_markers_is_not_flagged(tmp_path: Path) -> None:
    repo = write(tmp_path / "app", {"main.py": "import subprocess\nsubprocess.run(['ls'])\n"})
    assert kinds(run(repo, "remote-code")) == []


def test_python_is_never_imported(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    repo = write(
        tmp_path / "m",
        {
            "config.json": json.dumps({"auto_map": {"AutoModel": "boom.M"}}),
            "boom.py": f"open({str(marker)!r}, 'w').write('ran')\n",
        },
    )
    doc = run(repo, "remote-code")
    assert not marker.exists()
    assert "remote_code.file_write" in kinds(doc)


def test_unparsable_python_is_a_finding_and_not_scanned(tmp_path: Path) -> None:
    repo = write(tmp_path / "m", {"config.json": "{}", "x.py": "def (:\n  \x00garbage"})
    doc = run(repo, "remote-code")
    assert kinds(doc) == ["remote_code.unparsable"]
    assert any(c["status"] == "not_scanned" and c["path"].endswith("x.py") for c in doc["coverage"])


def test_custom_pipeline_and_sentence_transformer_modules(tmp_path: Path) -> None:
    cfg = {"custom_pipelines": {"my-task": {"impl": "pipe.MyPipeline", "pt": ["AutoModel"]}}}
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Custom", "type": "custom_layer.Layer"},
    ]
    repo = write(
        tmp_path / "m",
        {
            "config.json": json.dumps(cfg),
            "modules.json": json.dumps(modules),
            "pipe.py": "x = 1\n",
            "custom_layer.py": "import socket\n",
        },
    )
    doc = run(repo, "remote-code")
    refs = sorted(r for f in by_kind(doc, "remote_code.auto_map") for r in f["evidence"]["refs"])
    assert refs == ["custom_layer.Layer", "pipe.MyPipeline"]
    assert by_kind(doc, "remote_code.network")[0]["severity"] == "medium"


def test_helpers() -> None:
    assert module_file("a--b.c.D") == ("a", "b/c.py")
    assert auto_map_refs({"auto_map": {"A": ["x.Y", None]}}) == ["x.Y"]
    hits, _ = analyze_python(b"import os as o\no.system('x')\n")
    assert [(h.call, h.line) for h in hits] == [("os.system", 2)]
    with pytest.raises(SyntaxError):
        analyze_python(b"def (")


@pytest.mark.parametrize(
    "folder",
    [
        "all-MiniLM-L6-v2",
        "TinyLlama-1.1B-Chat-v1.0",
        "distilbert-base-uncased-finetuned-sst-2-english",
    ],
)
def test_real_hub_configs_need_no_remote_code(folder: str) -> None:
    path = corpus_path("aibom", "hf-model-cards", folder)
    doc = run(path, "remote-code")
    assert kinds(doc) == []
    assert target_facts(doc, path)["remote_code.required"] is False
    scanned = {c["path"] for c in doc["coverage"] if c["status"] == "scanned"}
    assert str(path / "config.json") in scanned
