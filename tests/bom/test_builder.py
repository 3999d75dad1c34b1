"""ML-BOMs of the corpus model folders: valid under 1.6 and 1.7, holding what the inputs hold."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from petgov.bom import api, validate
from petgov.bom.builder import BuildOptions
from tests.bom.conftest import CARDS, card_dir, scan_card

pytestmark = pytest.mark.corpus


def _bom(name: str, spec: str = "1.6", **kw: Any) -> dict[str, Any]:
    report = scan_card(card_dir(name))
    return api.document(report, BuildOptions(spec=spec, reproducible=True, **kw)).document


def _props(component: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in component.get("properties", [])}


@pytest.mark.parametrize("spec", validate.SPECS)
@pytest.mark.parametrize("name", CARDS)
def test_every_corpus_card_gives_a_valid_bom(name: str, spec: str) -> None:
    doc = _bom(name, spec)
    assert doc["specVersion"] == spec
    assert validate.problems(doc, spec) == []
    model = doc["metadata"]["component"]
    assert model["type"] == "machine-learning-model"
    assert model["name"] == name
    root = card_dir(name)
    files = {c["name"]: c for c in model["components"]}
    on_disk = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
    assert set(files) == set(on_disk)
    for rel, path in on_disk.items():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert files[rel]["hashes"] == [{"alg": "SHA-256", "content": digest}]


def test_minilm_datasets_are_data_components_referenced_from_the_model_card() -> None:
    doc = _bom("all-MiniLM-L6-v2")
    model = doc["metadata"]["component"]
    refs = [d["ref"] for d in model["modelCard"]["modelParameters"]["datasets"]]
    assert len(refs) == 21
    data = {c["bom-ref"]: c for c in doc["components"] if c["type"] == "data"}
    assert set(refs) == set(data)
    assert data["dataset:embedding-data/QQP"]["data"] == [
        {"type": "dataset", "name": "embedding-data/QQP"}
    ]
    assert model["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    params = model["modelCard"]["modelParameters"]
    assert params["task"] == "sentence-similarity"
    assert params["modelArchitecture"] == "BertModel"
    assert "pedigree" not in model
    # the weights are an LFS pointer: flagged, and not used as the model's hash
    assert "hashes" not in model
    assert _props(model)["petgov:lfs-pointer"] == "model.safetensors.lfs-pointer"
    kinds = {_props(v)["petgov:kind"] for v in doc["vulnerabilities"]}
    assert "bom.lfs_pointer" in kinds
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert set(deps[model["bom-ref"]]) == set(refs)


def test_qwen_base_model_becomes_pedigree_ancestor() -> None:
    model = _bom("Qwen2.5-0.5B-Instruct-GGUF")["metadata"]["component"]
    (ancestor,) = model["pedigree"]["ancestors"]
    assert ancestor["group"] == "Qwen"
    assert ancestor["name"] == "Qwen2.5-0.5B"
    assert ancestor["purl"] == "pkg:huggingface/qwen/qwen2.5-0.5b"
    (lic,) = model["licenses"]
    assert lic["license"]["id"] == "Apache-2.0"
    assert lic["license"]["url"].endswith("/LICENSE")


def test_peft_adapter_has_no_license_and_a_finding() -> None:
    doc = _bom("flowertune-tinyllama-peft-adapter")
    model = doc["metadata"]["component"]
    assert "licenses" not in model
    assert model["pedigree"]["ancestors"][0]["name"] == "TinyLlama-1.1B-Chat-v1.0"
    ids = {v["id"] for v in doc["vulnerabilities"]}
    assert "PG-BOM-002" in ids  # completeness below 50
    assert all(v["affects"][0]["ref"] == model["bom-ref"] for v in doc["vulnerabilities"])


def test_tinyllama_chat_template_digest_and_inferred_task() -> None:
    model = _bom("TinyLlama-1.1B-Chat-v1.0")["metadata"]["component"]
    props = _props(model)
    template = card_dir("TinyLlama-1.1B-Chat-v1.0") / "chat_template.jinja"
    digest = hashlib.sha256(template.read_bytes()).hexdigest()
    assert props["petgov:chat-template:chat_template.jinja"] == f"sha256:{digest}"
    assert props["petgov:inferred"] == "task"
    assert model["modelCard"]["modelParameters"]["task"] == "text-generation"
    assert "generation-config" in " ".join(props)


def test_reproducible_output_is_byte_identical() -> None:
    first = api.text(scan_card(card_dir("all-MiniLM-L6-v2")), BuildOptions(reproducible=True))
    second = api.text(scan_card(card_dir("all-MiniLM-L6-v2")), BuildOptions(reproducible=True))
    assert first == second
    loose = api.text(scan_card(card_dir("all-MiniLM-L6-v2")), BuildOptions())
    assert loose != first  # a fresh serial number otherwise


def test_score_and_document_contract_and_fact() -> None:
    report = scan_card(card_dir("flowertune-tinyllama-peft-adapter"))
    value, doc = api.score_and_document(report)
    assert isinstance(value, int)
    assert doc is not None and doc["bomFormat"] == "CycloneDX"
    (facts,) = [f for f in report.facts.values() if "bom.completeness" in f]
    assert facts["bom.completeness"] == value
    assert "license" in facts["bom.missing"]


def test_completeness_orders_cards_by_what_they_document() -> None:
    scores = {
        name: api.score_and_document(scan_card(card_dir(name)))[0]
        for name in ("all-MiniLM-L6-v2", "flowertune-tinyllama-peft-adapter")
    }
    assert scores["all-MiniLM-L6-v2"] > scores["flowertune-tinyllama-peft-adapter"]


def test_license_finding_only_for_targets_that_present_as_models(tmp_path: Any) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "weights.bin").write_bytes(b"\x00\x01" * 64)
    report = scan_card(bare)
    assert not [d for d in report.decisions if d.finding.kind.startswith("bom.")]
    (facts,) = [f for f in report.facts.values() if "bom.completeness" in f]
    assert facts["bom.completeness"] < 50
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(
        '{"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"}'
    )
    kinds = {d.finding.kind for d in scan_card(model).decisions}
    assert "bom.completeness_low" in kinds


def test_license_scanner_fact_wins_over_the_card_name() -> None:
    report = scan_card(card_dir("Qwen2.5-0.5B-Instruct-GGUF"), "licenses")
    model = api.document(report, BuildOptions(reproducible=True)).document["metadata"]["component"]
    assert model["licenses"][0]["license"]["id"] == "Apache-2.0"
    assert _props(model)["petgov:license-source"] == "license-scanner"
