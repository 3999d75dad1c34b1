"""The AI-BOM lists packages, OSV vulnerabilities, hub models and AI services of a code repo.

Every document built here goes through petgov's validator (CycloneDX strict schema plus
bom-ref integrity) before anything is asserted about it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from petgov.bom import validate
from petgov.bom.builder import BuildOptions, build
from petgov.deps.osv import import_zip
from petgov.pipeline import ScanOptions, scan
from tests.beyond.helpers import scanner_options, write
from tests.beyond.osvfixture import build_zip
from tests.beyond.test_shadow import APP, POLICY, SHA

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.timezone.utc)
REQS = "torch==2.5.1\nrequests>=2.31\nhuggingface-clii\n"
PYPROJECT = """\
[project]
name = "app"
dependencies = ["transformers==4.37.2"]
[project.optional-dependencies]
dev = ["requests==2.30.0"]
"""


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "osv.sqlite"
    import_zip(build_zip(tmp_path / "all.zip"), db)
    return db


def bom_of(path: Path, **options: Any) -> dict[str, Any]:
    """Scan ``path`` with the dependency and shadow-AI scanners; the 1.6 BOM, both specs valid."""
    opts = ScanOptions(
        scanners=["dependencies", "shadow-ai", "bom"],
        now=NOW,
        scanner_options=scanner_options(**options),
    )
    report = scan([str(path)], opts)
    docs = {}
    for spec in validate.SPECS:
        docs[spec] = build(report, BuildOptions(spec=spec, reproducible=True)).document
        validate.check(docs[spec], spec)
    return docs["1.6"]


def components(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in doc.get("components", [])}


def props(obj: dict[str, Any], name: str) -> list[str]:
    return [p["value"] for p in obj.get("properties", []) if p["name"] == f"petgov:{name}"]


def test_packages_and_osv_in_bom(tmp_path: Path, store: Path) -> None:
    repo = write(tmp_path / "repo", {"requirements.txt": REQS, "pyproject.toml": PYPROJECT})
    doc = bom_of(repo, osv_db=str(store))
    libs = {c["name"]: c for c in components(doc).values() if c["type"] == "library"}
    assert set(libs) == {"torch", "requests", "huggingface-clii", "transformers"}
    assert libs["torch"]["purl"] == "pkg:pypi/torch@2.5.1"
    assert libs["torch"]["scope"] == "required"
    # requests appears twice: unpinned (required) and pinned in an optional extra
    reqs = [c for c in components(doc).values() if c["name"] == "requests"]
    assert sorted((c.get("version", ""), c["scope"]) for c in reqs) == [
        ("", "required"),
        ("2.30.0", "optional"),
    ]
    unpinned = next(c for c in reqs if "version" not in c)
    assert unpinned["purl"] == "pkg:pypi/requests" and props(unpinned, "specifier") == [">=2.31"]
    osv = {v["id"]: v for v in doc["vulnerabilities"] if v["source"]["name"] == "OSV"}
    assert set(osv) == {
        "GHSA-aaaa-bbbb-cccc",
        "PYSEC-2024-1",
        "GHSA-dddd-eeee-ffff",
        "MAL-2025-100",
    }
    mal = osv["MAL-2025-100"]
    assert mal["ratings"][0]["severity"] == "critical" and props(mal, "malicious") == ["true"]
    assert [a["ref"] for a in mal["affects"]] == [libs["huggingface-clii"]["bom-ref"]]
    torch = osv["GHSA-aaaa-bbbb-cccc"]
    assert torch["affects"] == [
        {
            "ref": libs["torch"]["bom-ref"],
            "versions": [{"version": "2.5.1", "status": "affected"}],
        }
    ]
    assert torch["references"][0]["id"] == "CVE-2025-32434"
    assert torch["recommendation"] == "upgrade to 2.6.0"
    # the model component (the repo) depends on every package
    root = doc["metadata"]["component"]["bom-ref"]
    graph = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert {c["bom-ref"] for c in reqs} <= set(graph[root])
    assert props(doc["metadata"]["component"], "dependencies-osv-db") == [str(store)]
    # the petgov findings are there too, with their policy action
    rules = {v["id"] for v in doc["vulnerabilities"] if v["source"]["name"] == "petgov"}
    assert {"PG-DEP-001", "PG-DEP-002"} <= rules


def test_no_database_is_said_in_bom(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo", {"requirements.txt": REQS})
    doc = bom_of(repo, osv_db=str(tmp_path / "none.sqlite"))
    assert len([c for c in components(doc).values() if c["type"] == "library"]) == 3
    assert "vulnerabilities" not in doc or not [
        v for v in doc["vulnerabilities"] if v["source"]["name"] == "OSV"
    ]
    assert props(doc["metadata"]["component"], "dependencies-osv-db") == ["none: not checked"]


def test_shadow_ai_models_and_services_in_bom(tmp_path: Path) -> None:
    repo = write(tmp_path / "code", {"app.py": APP})
    cfg = write(tmp_path, {"petgov.toml": POLICY}) / "petgov.toml"
    doc = bom_of(repo, shadow_config=str(cfg))
    hub = {
        (c.get("group"), c["name"], c.get("version")): c
        for c in components(doc).values()
        if c["type"] == "machine-learning-model"
    }
    pinned = hub[("sentence-transformers", "all-MiniLM-L6-v2", SHA)]
    assert pinned["purl"] == f"pkg:huggingface/sentence-transformers/all-minilm-l6-v2@{SHA}"
    assert props(pinned, "sanctioned") == ["true"]
    unpinned = hub[("sentence-transformers", "all-MiniLM-L6-v2", None)]
    assert unpinned["purl"] == "pkg:huggingface/sentence-transformers/all-minilm-l6-v2"
    assert props(unpinned, "sanctioned") == ["false"]  # not an allowed revision
    assert props(hub[("someone", "uncleared-model", None)], "sanctioned") == ["false"]
    guard = hub[("meta-llama", "Llama-Guard-3-8B", "main")]
    assert "@" not in guard["purl"] and props(guard, "revision-pinned") == ["false"]
    services = {s["name"]: s for s in doc["services"]}
    assert set(services) == {"openai", "anthropic"}
    assert props(services["openai"], "model") == ["gpt-3.5-turbo", "gpt-4o-mini"]
    assert props(services["openai"], "sanctioned") == ["false"]  # gpt-3.5 is not allowed
    assert props(services["anthropic"], "sanctioned") == ["false"]
    assert props(doc["metadata"]["component"], "shadow-ai-unresolved-models") == ["1"]
    root = doc["metadata"]["component"]["bom-ref"]
    graph = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert services["openai"]["bom-ref"] in graph[root]


def test_not_judged_without_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    repo = write(tmp_path / "code", {"app.py": APP})
    doc = bom_of(repo)
    verdicts = {v for s in doc["services"] for v in props(s, "sanctioned")}
    assert verdicts == {"not-judged"}


def test_same_package_in_two_targets_is_one_component(tmp_path: Path, store: Path) -> None:
    a = write(tmp_path / "a", {"requirements.txt": "torch==2.5.1\n"})
    b = write(tmp_path / "b", {"requirements.txt": "torch==2.5.1\n"})
    opts = ScanOptions(
        scanners=["dependencies", "bom"],
        now=NOW,
        scanner_options=scanner_options(osv_db=str(store)),
    )
    report = scan([str(a), str(b)], opts)
    doc = build(report, BuildOptions(reproducible=True)).document
    validate.check(doc, "1.6")
    torch = [c for c in doc["components"] if c.get("name") == "torch"]
    assert len(torch) == 1
    assert sorted(props(torch[0], "source")) == [
        str(a / "requirements.txt"),
        str(b / "requirements.txt"),
    ]
    osv = [v for v in doc["vulnerabilities"] if v["id"] == "GHSA-aaaa-bbbb-cccc"]
    assert len(osv) == 1 and len(osv[0]["affects"]) == 1


def test_environment_packages_matched_against_osv(tmp_path: Path) -> None:
    """--deps-environment: installed distributions become components and are matched."""
    from importlib.metadata import version

    from tests.beyond.osvfixture import record

    installed = version("packaging")
    rec = record("GHSA-pack-pack-pack", "packaging", [{"introduced": "0"}], severity="LOW")
    db = tmp_path / "osv.sqlite"
    import_zip(build_zip(tmp_path / "all.zip", [rec]), db)
    repo = write(tmp_path / "repo", {"app.py": "print('no manifest here')\n"})
    doc = bom_of(repo, osv_db=str(db), deps_environment=True)
    libs = {c["name"]: c for c in components(doc).values() if c["type"] == "library"}
    assert libs["packaging"]["purl"] == f"pkg:pypi/packaging@{installed}"
    assert props(libs["packaging"], "source") == ["python-environment"]
    assert "cyclonedx-python-lib" in libs  # what petgov itself runs on
    hit = next(v for v in doc["vulnerabilities"] if v["id"] == "GHSA-pack-pack-pack")
    assert hit["affects"][0]["ref"] == libs["packaging"]["bom-ref"]
    assert hit["ratings"][0]["severity"] == "low"


def test_cli_bom_and_scan_take_environment_flag(tmp_path: Path, store: Path, cli: Any) -> None:
    repo = write(tmp_path / "repo", {"requirements.txt": REQS})
    out = tmp_path / "bom.json"
    res = cli("bom", str(repo), "--deps-environment", "--osv-db", str(store), "-o", str(out))
    assert res.code == 0, res.stderr
    doc = json.loads(out.read_text())
    validate.check(doc, "1.6")
    names = {c["name"] for c in doc["components"] if c["type"] == "library"}
    assert {"torch", "huggingface-clii", "packaging"} <= names
    res = cli("scan", str(repo), "--format", "cyclonedx", "--osv-db", str(store), "--no-progress")
    assert res.code == 1  # the malicious package blocks
    doc = json.loads(res.stdout)
    validate.check(doc, "1.6")
    assert "MAL-2025-100" in {v["id"] for v in doc["vulnerabilities"]}
    assert "packaging" not in {c["name"] for c in doc["components"]}  # no flag, no environment
    res = cli("bom", str(repo), "--osv-db", str(tmp_path / "missing.sqlite"))
    assert res.code == 2 and "no such file" in res.stderr and "Traceback" not in res.stderr


def test_vex_links_to_bom_components(tmp_path: Path, store: Path, cli: Any) -> None:
    from urllib.parse import unquote

    repo = write(tmp_path / "repo", {"requirements.txt": REQS})
    out, vex_path = tmp_path / "bom.json", tmp_path / "vex.json"
    res = cli(
        "bom",
        str(repo),
        "--osv-db",
        str(store),
        "-o",
        str(out),
        "--vex",
        str(vex_path),
        "--reproducible",
    )
    assert res.code == 0, res.stderr
    assert "VEX" in res.stderr
    bom, vex = json.loads(out.read_text()), json.loads(vex_path.read_text())
    validate.check(vex, "1.6")
    assert vex["serialNumber"] != bom["serialNumber"]
    serial = bom["serialNumber"].removeprefix("urn:uuid:")
    refs = {c["bom-ref"] for c in bom["components"]}
    states = {}
    for v in vex["vulnerabilities"]:
        for target in v["affects"]:
            link, _, fragment = target["ref"].partition("#")
            assert link == f"urn:cdx:{serial}/1" and unquote(fragment) in refs
        states[v["id"]] = v["analysis"]["state"]
    assert states == {"MAL-2025-100": "exploitable", "GHSA-aaaa-bbbb-cccc": "in_triage"}
    again = tmp_path / "vex2.json"
    cli(
        "bom",
        str(repo),
        "--osv-db",
        str(store),
        "-o",
        str(out),
        "--vex",
        str(again),
        "--reproducible",
    )
    assert again.read_bytes() == vex_path.read_bytes()  # reproducible VEX too


def test_bom_link_escapes_what_a_fragment_cannot_hold() -> None:
    from petgov.bom.vex import bom_link

    link = bom_link("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", 1, "pypi:torch@2.5.1#2")
    assert link == "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pypi:torch@2.5.1%232"
