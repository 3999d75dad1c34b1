"""The SPDX 3.0.1 AI-BOM carries the same packages, OSV vulnerabilities, hub models and AI
services as the CycloneDX one, and every document round-trips through spdx-python-model.

Fixtures are generated here: a requirements file and pyproject with packages named in the small
OSV fixture, and a code file with ``from_pretrained`` and AI provider clients.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from petgov.bom import spdx
from petgov.bom.builder import BuildOptions, build
from petgov.deps.osv import import_zip
from petgov.pipeline import ScanOptions, scan
from tests.beyond.helpers import scanner_options, write
from tests.beyond.osvfixture import build_zip
from tests.beyond.test_bom_software import NOW, PYPROJECT, REQS
from tests.beyond.test_shadow import APP, POLICY, SHA

JSONDict = dict[str, Any]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "osv.sqlite"
    import_zip(build_zip(tmp_path / "all.zip"), db)
    return db


def report_of(path: Path, **options: Any) -> Any:
    opts = ScanOptions(
        scanners=["dependencies", "shadow-ai", "bom"],
        now=NOW,
        scanner_options=scanner_options(**options),
    )
    return scan([str(path)], opts)


def spdx_of(report: Any) -> JSONDict:
    """The checked SPDX document, after asserting it round-trips through the library."""
    doc = spdx.document(report, spdx.SpdxOptions(reproducible=True)).document
    objects = spdx.deserialize(json.loads(spdx.render(doc)))
    assert objects.link() == set()  # every reference resolves inside the document
    ids = {o.get_id() for o in objects.objects if o.get_id() and not o.get_id().startswith("_:")}
    assert ids == {n["spdxId"] for n in doc["@graph"] if "spdxId" in n}
    assert spdx.serialize(objects) == doc
    return doc


def of_type(doc: JSONDict, kind: str) -> list[JSONDict]:
    return [n for n in doc["@graph"] if n.get("type") == kind]


def node(doc: JSONDict, ident: str) -> JSONDict:
    return next(n for n in doc["@graph"] if n.get("spdxId") == ident)


def relations(doc: JSONDict, kind: str, source: str) -> list[str]:
    return [
        t
        for r in doc["@graph"]
        if r.get("relationshipType") == kind and r.get("from") == source
        for t in r["to"]
    ]


def model_of(doc: JSONDict) -> JSONDict:
    return next(p for p in of_type(doc, "ai_AIPackage") if "/model/" in p["spdxId"])


def test_packages_vulnerabilities_and_assessments(tmp_path: Path, store: Path) -> None:
    repo = write(tmp_path / "repo", {"requirements.txt": REQS, "pyproject.toml": PYPROJECT})
    doc = spdx_of(report_of(repo, osv_db=str(store)))
    assert "security" in of_type(doc, "SpdxDocument")[0]["profileConformance"]
    pkgs = of_type(doc, "software_Package")
    libs = {(p["name"], p.get("software_packageVersion")): p for p in pkgs}
    assert set(libs) == {
        ("torch", "2.5.1"),
        ("requests", None),
        ("requests", "2.30.0"),
        ("huggingface-clii", None),
        ("transformers", "4.37.2"),
    }
    assert all(p["software_primaryPurpose"] == "library" for p in pkgs)
    torch = libs[("torch", "2.5.1")]
    assert torch["software_packageUrl"] == "pkg:pypi/torch@2.5.1"
    unpinned = libs[("requests", None)]
    assert unpinned["software_packageUrl"] == "pkg:pypi/requests"
    assert "specifier: >=2.31" in unpinned["comment"]
    model = model_of(doc)["spdxId"]
    needed = relations(doc, "dependsOn", model)
    optional = relations(doc, "hasOptionalDependency", model)
    assert optional == [libs[("requests", "2.30.0")]["spdxId"]]  # only the dev extra has it
    assert set(needed) == {p["spdxId"] for p in pkgs} - set(optional)

    vulns = {v["name"]: v for v in of_type(doc, "security_Vulnerability")}
    assert set(vulns) == {
        "GHSA-aaaa-bbbb-cccc",
        "PYSEC-2024-1",
        "GHSA-dddd-eeee-ffff",
        "MAL-2025-100",
    }
    ghsa = vulns["GHSA-aaaa-bbbb-cccc"]
    assert ghsa["summary"] == "torch.load RCE"
    idents = {(i["externalIdentifierType"], i["identifier"]) for i in ghsa["externalIdentifier"]}
    assert idents == {("securityOther", "GHSA-aaaa-bbbb-cccc"), ("cve", "CVE-2025-32434")}
    assert ghsa["externalIdentifier"][0]["identifierLocator"] == [
        "https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc"
    ]
    assert "severity: critical" in ghsa["comment"]

    (probe,) = [
        a
        for a in of_type(doc, "security_VexUnderInvestigationVulnAssessmentRelationship")
        if a["from"] == ghsa["spdxId"]
    ]
    assert probe["relationshipType"] == "underInvestigationFor"
    assert probe["to"] == [torch["spdxId"]]
    assert "upgrade to 2.6.0" in probe["security_statusNotes"]
    (mal,) = of_type(doc, "security_VexAffectedVulnAssessmentRelationship")
    assert mal["from"] == vulns["MAL-2025-100"]["spdxId"]
    assert mal["relationshipType"] == "affects"
    assert mal["to"] == [libs[("huggingface-clii", None)]["spdxId"]]
    assert "malicious" in mal["security_actionStatement"]
    assert "malicious: true" in vulns["MAL-2025-100"]["comment"]
    assert "dependencies-osv-db: " + str(store) in model_of(doc)["comment"]


def test_same_osv_records_and_packages_as_cyclonedx(tmp_path: Path, store: Path) -> None:
    """Both renderers read the same grouped facts: same package purls and OSV ids."""
    repo = write(
        tmp_path / "repo",
        {"requirements.txt": REQS, "pyproject.toml": PYPROJECT, "app.py": APP},
    )
    report = report_of(repo, osv_db=str(store))
    cdx = build(report, BuildOptions(reproducible=True)).document
    doc = spdx_of(report)
    cdx_purls = {c["purl"] for c in cdx["components"] if "purl" in c}
    spdx_purls = {
        p["software_packageUrl"]
        for p in [*of_type(doc, "software_Package"), *of_type(doc, "ai_AIPackage")]
        if "software_packageUrl" in p
    }
    assert cdx_purls == spdx_purls
    osv = {v["id"] for v in cdx["vulnerabilities"] if v["source"]["name"] == "OSV"}
    assert osv == {v["name"] for v in of_type(doc, "security_Vulnerability")}
    assert {s["name"] for s in cdx["services"]} == {
        p["name"]
        for p in of_type(doc, "software_Package")
        if p["software_primaryPurpose"] == "other"
    }


def test_hub_models_and_services_with_sanction_verdicts(tmp_path: Path) -> None:
    repo = write(tmp_path / "code", {"app.py": APP})
    cfg = write(tmp_path, {"petgov.toml": POLICY}) / "petgov.toml"
    doc = spdx_of(report_of(repo, shadow_config=str(cfg)))
    model = model_of(doc)
    hub = {
        (p["name"], p.get("software_packageVersion")): p
        for p in of_type(doc, "ai_AIPackage")
        if "/hub-model/" in p["spdxId"]
    }
    pinned = hub[("sentence-transformers/all-MiniLM-L6-v2", SHA)]
    assert pinned["software_packageUrl"] == (
        f"pkg:huggingface/sentence-transformers/all-minilm-l6-v2@{SHA}"
    )
    assert "sanctioned: true" in pinned["comment"]
    assert "revision-pinned: true" in pinned["comment"]
    unpinned = hub[("sentence-transformers/all-MiniLM-L6-v2", None)]
    assert "@" not in unpinned["software_packageUrl"]
    assert "sanctioned: false" in unpinned["comment"]  # not an allowed revision
    guard = hub[("meta-llama/Llama-Guard-3-8B", "main")]
    assert "@" not in guard["software_packageUrl"] and "revision-pinned: false" in guard["comment"]
    assert (
        "call: transformers.AutoModel.from_pretrained"
        in hub[("someone/uncleared-model", None)]["comment"]
    )
    # every AI package, the hub models too, has its declared and concluded license
    assert spdx.license_problems(doc) == []
    services = {
        p["name"]: p
        for p in of_type(doc, "software_Package")
        if p["software_primaryPurpose"] == "other"
    }
    assert set(services) == {"openai", "anthropic"}
    openai = services["openai"]
    assert "model: gpt-3.5-turbo; model: gpt-4o-mini" in openai["comment"]
    assert "sanctioned: false" in openai["comment"]  # gpt-3.5 is not an allowed model
    assert node(doc, openai["suppliedBy"])["type"] == "Organization"
    needed = set(relations(doc, "dependsOn", model["spdxId"]))
    assert {p["spdxId"] for p in [*hub.values(), *services.values()]} <= needed
    assert "shadow-ai-unresolved-models: 1" in model["comment"]
    # no OSV record, no Security profile claim
    assert "security" not in of_type(doc, "SpdxDocument")[0]["profileConformance"]


def test_not_judged_without_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    repo = write(tmp_path / "code", {"app.py": APP})
    doc = spdx_of(report_of(repo))
    services = [p for p in of_type(doc, "software_Package") if "/service/" in p["spdxId"]]
    assert services and all("sanctioned: not-judged" in s["comment"] for s in services)


def test_tools_and_rule_packs_in_creation_info(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"requirements.txt": "torch==2.5.1\n"})
    report = report_of(repo, osv_db=str(tmp_path / "none.sqlite"))
    doc = spdx_of(report)
    (creation,) = of_type(doc, "CreationInfo")
    tools = {node(doc, t)["name"] for t in creation["createdUsing"]}
    assert f"petgov {report.tool.version}" in tools
    for name, version in report.tool.engines.items():
        assert f"{name} {version}" in tools
    for pack in report.policy.packs:
        assert f"{pack['name']} {pack['version']}" in tools
    assert f"policy mode {report.policy.mode}" in creation["comment"]
    assert "dependencies-osv-db: none: not checked" in model_of(doc)["comment"]


def test_cli_writes_spdx_with_packages(tmp_path: Path, store: Path, cli: Any) -> None:
    repo = write(tmp_path / "repo", {"requirements.txt": REQS})
    out = tmp_path / "bom.spdx.json"
    args = ("bom", str(repo), "-f", "spdx3-json", "--osv-db", str(store), "--reproducible")
    res = cli(*args, "-o", str(out))
    assert res.code == 0, res.stderr
    doc = json.loads(out.read_text())
    assert spdx.license_problems(doc) == []
    assert {v["name"] for v in of_type(doc, "security_Vulnerability")} >= {"MAL-2025-100"}
    first = out.read_bytes()
    assert cli(*args, "-o", str(out)).code == 0
    assert out.read_bytes() == first  # reproducible with packages and vulnerabilities too


def test_single_file_target_depends_from_its_model_package(tmp_path: Path) -> None:
    """A one-file target shares its path with its file element; the model package, not the
    file, is what depends on the hub models and services the file uses."""
    app = write(tmp_path / "code", {"app.py": APP}) / "app.py"
    doc = spdx_of(report_of(app))
    model = model_of(doc)
    (depends,) = [r for r in of_type(doc, "Relationship") if r["relationshipType"] == "dependsOn"]
    assert depends["from"] == model["spdxId"]
