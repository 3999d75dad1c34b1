"""SPDX 3.0.1 AI/Dataset rendering: content per corpus card, the license rule, round trip."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.bom import spdx
from petgov.errors import OutputError
from tests.bom.conftest import CARDS, card_dir, scan_card

pytestmark = pytest.mark.corpus

NO_ASSERTION = "expandedlicensing_NoAssertionLicense"


def _doc(name: str, *scanners: str, reproducible: bool = True) -> dict[str, Any]:
    report = scan_card(card_dir(name), *scanners)
    return spdx.document(report, spdx.SpdxOptions(reproducible=reproducible)).document


def _by_type(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [n for n in doc["@graph"] if n.get("type") == kind]


def _relations(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in _by_type(doc, "Relationship") if r["relationshipType"] == kind]


def _ids(objects: Any) -> set[str]:
    return {o.get_id() for o in objects.objects if o.get_id() and not o.get_id().startswith("_:")}


@pytest.mark.parametrize("name", CARDS)
def test_every_card_round_trips_through_the_library(name: str) -> None:
    doc = _doc(name, "licenses")
    assert spdx.license_problems(doc) == []
    objects = spdx.deserialize(json.loads(spdx.render(doc)))
    graph_ids = {n["spdxId"] for n in doc["@graph"] if "spdxId" in n}
    assert _ids(objects) == graph_ids
    assert objects.link() == set()  # every reference resolves inside the document
    types = sorted(o.get_compact_type() or "" for o in objects.objects)
    assert types == sorted(n["type"] for n in doc["@graph"])
    assert spdx.serialize(objects) == doc


@pytest.mark.parametrize("name", CARDS)
def test_every_package_has_one_declared_and_one_concluded_license(name: str) -> None:
    doc = _doc(name)
    packages = [*_by_type(doc, "ai_AIPackage"), *_by_type(doc, "dataset_DatasetPackage")]
    assert packages
    for kind in ("hasDeclaredLicense", "hasConcludedLicense"):
        sources = [r["from"] for r in _relations(doc, kind)]
        assert sorted(sources) == sorted(p["spdxId"] for p in packages)
    assert {tuple(r["to"]) for r in _relations(doc, "hasConcludedLicense")} == {(NO_ASSERTION,)}


def test_minilm_datasets_files_and_hashes() -> None:
    doc = _doc("all-MiniLM-L6-v2")
    (model,) = [p for p in _by_type(doc, "ai_AIPackage") if "/model/" in p["spdxId"]]
    assert model["ai_domain"] == ["sentence-similarity"]
    assert model["ai_typeOfModel"] == ["bert", "BertModel"]
    assert "verifiedUsing" not in model  # the only weights are an LFS pointer: no hash to give
    datasets = _by_type(doc, "dataset_DatasetPackage")
    (trained,) = _relations(doc, "trainedOn")
    assert trained["from"] == model["spdxId"]
    assert sorted(trained["to"]) == sorted(d["spdxId"] for d in datasets)
    assert {d["name"] for d in datasets} >= {"s2orc", "embedding-data/QQP"}
    files = _by_type(doc, "software_File")
    (contains,) = _relations(doc, "contains")
    assert sorted(contains["to"]) == sorted(f["spdxId"] for f in files)
    assert all(f["verifiedUsing"][0]["algorithm"] == "sha256" for f in files)
    pointer = next(f for f in files if f["name"] == "model.safetensors.lfs-pointer")
    assert "Git-LFS pointer" in pointer["comment"]


def test_qwen_base_model_is_an_ancestor_with_declared_license() -> None:
    doc = _doc("Qwen2.5-0.5B-Instruct-GGUF", "licenses")
    (rel,) = _relations(doc, "ancestorOf")
    base = next(n for n in doc["@graph"] if n.get("spdxId") == rel["from"])
    assert base["name"] == "Qwen/Qwen2.5-0.5B"
    assert base["software_packageUrl"] == "pkg:huggingface/qwen/qwen2.5-0.5b"
    model = next(n for n in doc["@graph"] if n.get("spdxId") == rel["to"][0])
    declared = next(
        r for r in _relations(doc, "hasDeclaredLicense") if r["from"] == model["spdxId"]
    )
    expression = next(n for n in doc["@graph"] if n.get("spdxId") == declared["to"][0])
    assert expression["simplelicensing_licenseExpression"] == "Apache-2.0"


def test_adapter_without_license_declares_no_assertion() -> None:
    doc = _doc("flowertune-tinyllama-peft-adapter", "licenses")
    model = next(p for p in _by_type(doc, "ai_AIPackage") if "/model/" in p["spdxId"])
    declared = next(
        r for r in _relations(doc, "hasDeclaredLicense") if r["from"] == model["spdxId"]
    )
    assert declared["to"] == [NO_ASSERTION]


def test_reproducible_is_byte_stable_and_default_is_not() -> None:
    assert spdx.render(_doc("TinyLlama-1.1B-Chat-v1.0")) == spdx.render(
        _doc("TinyLlama-1.1B-Chat-v1.0")
    )
    first = _doc("TinyLlama-1.1B-Chat-v1.0", reproducible=False)
    second = _doc("TinyLlama-1.1B-Chat-v1.0", reproducible=False)
    assert first != second  # a fresh document namespace each time


def test_missing_license_relationship_fails_with_the_json_path() -> None:
    doc = _doc("TinyLlama-1.1B-Chat-v1.0")
    broken = copy.deepcopy(doc)
    graph = broken["@graph"]
    index = next(
        i for i, n in enumerate(graph) if n.get("relationshipType") == "hasDeclaredLicense"
    )
    source = graph[index]["from"]
    del graph[index]
    package = next(i for i, n in enumerate(graph) if n.get("spdxId") == source)
    with pytest.raises(OutputError) as err:
        spdx.check(broken)
    assert f"$['@graph'][{package}]" in str(err.value)
    assert "0 hasDeclaredLicense" in str(err.value)


def test_duplicate_license_relationship_is_a_problem() -> None:
    doc = _doc("TinyLlama-1.1B-Chat-v1.0")
    concluded = next(n for n in doc["@graph"] if n.get("relationshipType") == "hasConcludedLicense")
    doc["@graph"].append({**concluded, "spdxId": concluded["spdxId"] + "-copy"})
    (problem,) = spdx.license_problems(doc)
    assert "2 hasConcludedLicense" in problem.message


def test_no_graph_is_a_problem_not_a_crash() -> None:
    assert [str(p) for p in spdx.license_problems({})] == ["$: no @graph array"]


def test_bom_command_writes_spdx(cli: Callable[..., Any], tmp_path: Path) -> None:
    out = tmp_path / "bom.spdx.json"
    target = str(card_dir("all-MiniLM-L6-v2"))
    args = ("bom", target, "-o", str(out), "--format", "spdx3-json", "--reproducible")
    res = cli(*args, "--scanner", "licenses")
    assert res.code == 0, res.stderr
    assert "valid SPDX 3.0.1 AI-BOM" in res.stderr
    assert "completeness" in res.stderr
    first = out.read_bytes()
    doc = json.loads(first)
    assert doc["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    assert spdx.license_problems(doc) == []
    assert cli(*args, "--scanner", "licenses").code == 0
    assert out.read_bytes() == first


def test_findings_are_review_annotations_on_their_file_or_model() -> None:
    doc = _doc("all-MiniLM-L6-v2")
    notes = {n["statement"].split(" ")[0]: n for n in _by_type(doc, "Annotation")}
    pointer = next(f for f in _by_type(doc, "software_File") if f["name"].endswith("lfs-pointer"))
    assert notes["PG-BOM-003"]["subject"] == pointer["spdxId"]
    assert notes["PG-BOM-003"]["annotationType"] == "review"
    adapter = _doc("flowertune-tinyllama-peft-adapter", "licenses")
    model = next(p for p in _by_type(adapter, "ai_AIPackage") if "/model/" in p["spdxId"])
    notes = {n["statement"].split(" ")[0]: n for n in _by_type(adapter, "Annotation")}
    assert notes["PG-LIC-001"]["subject"] == model["spdxId"]


def test_scan_format_spdx3(cli: Callable[..., Any]) -> None:
    res = cli(
        "scan",
        str(card_dir("TinyLlama-1.1B-Chat-v1.0")),
        "--format",
        "spdx3-json",
        "--scanner",
        "bom",
    )
    assert res.code == 0, res.stderr
    doc = res.json()
    assert spdx.license_problems(doc) == []
    assert _by_type(doc, "ai_AIPackage")


def test_missing_required_property_is_an_output_error_not_a_traceback() -> None:
    from spdx_python_model.bindings import v3_0_1 as model

    package = model.ai_AIPackage(spdxId="https://example.invalid/m", name="m")  # no creationInfo
    with pytest.raises(OutputError) as err:
        spdx.serialize(model.SHACLObjectSet([package]))
    assert "creationInfo" in str(err.value)
    assert "\n" not in str(err.value)


def test_name_only_license_becomes_a_licenseref_linked_to_its_text(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "README.md").write_text(
        "---\nlicense: other\nlicense_name: acme-terms\n"
        "license_link: https://example.com/acme/LICENSE\n---\n# m\n"
    )
    doc = spdx.document(scan_card(root), spdx.SpdxOptions(reproducible=True)).document
    (expression,) = _by_type(doc, "simplelicensing_LicenseExpression")
    ref = expression["simplelicensing_licenseExpression"]
    assert ref.startswith("LicenseRef-")
    assert "acme" in ref.lower()
    assert expression["simplelicensing_customIdToUri"] == [
        {"type": "DictionaryEntry", "key": ref, "value": "https://example.com/acme/LICENSE"}
    ]


def test_vex_with_spdx_is_a_usage_error(cli: Callable[..., Any], tmp_path: Path) -> None:
    target = str(card_dir("TinyLlama-1.1B-Chat-v1.0"))
    res = cli("bom", target, "-f", "spdx3-json", "--vex", str(tmp_path / "vex.json"))
    assert res.code == 2
    assert "--vex" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "vex.json").exists()


def test_card_with_code_and_requirements_round_trips(tmp_path: Path) -> None:
    """A model folder that also ships code: packages, hub models and services survive the
    library's deserializer with the same ids and types, and the license rule still holds."""
    import shutil

    root = tmp_path / "m"
    shutil.copytree(card_dir("TinyLlama-1.1B-Chat-v1.0"), root)
    (root / "requirements.txt").write_text("torch==2.5.1\ntransformers>=4.37\n")
    (root / "serve.py").write_text(
        "from transformers import AutoModel\nimport openai\n"
        'm = AutoModel.from_pretrained("org/helper-model")\nclient = openai.OpenAI()\n'
    )
    report = scan_card(root, "dependencies", "shadow-ai")
    doc = spdx.document(report, spdx.SpdxOptions(reproducible=True)).document
    assert spdx.license_problems(doc) == []
    objects = spdx.deserialize(json.loads(spdx.render(doc)))
    assert _ids(objects) == {n["spdxId"] for n in doc["@graph"] if "spdxId" in n}
    assert objects.link() == set()
    types = sorted(o.get_compact_type() or "" for o in objects.objects)
    assert types == sorted(n["type"] for n in doc["@graph"])
    assert spdx.serialize(objects) == doc
    names = {n.get("name") for n in doc["@graph"]}
    assert {"torch", "transformers", "org/helper-model", "openai"} <= names
    model = next(p for p in _by_type(doc, "ai_AIPackage") if "/model/" in p["spdxId"])
    (depends,) = [r for r in _relations(doc, "dependsOn") if r["from"] == model["spdxId"]]
    assert len(depends["to"]) == 4
