"""Dependencies: manifests, offline OSV import, range matching, MAL- entries, no-db coverage."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from petgov.deps import manifests
from petgov.deps.osv import _in_range, import_zip
from petgov.errors import UsageError
from tests.beyond.helpers import by_kind, kinds, run, target_facts, write
from tests.beyond.osvfixture import build_zip

REQS = """\
# model serving
torch==2.5.1
transformers==4.37.2  # last affected
requests>=2.31
huggingface-clii==0.1
numpy
-r other.txt
"""
PYPROJECT = """\
[project]
name = "app"
dependencies = ["requests==2.30.0", "safetensors>=0.4"]
[project.optional-dependencies]
gpu = ["Torch==2.6.0"]
"""
POETRY_LOCK = """\
[[package]]
name = "transformers"
version = "4.38.0"

[[package]]
name = "requests"
version = "2.3.0"
"""


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "osv.sqlite"
    meta = import_zip(build_zip(tmp_path / "all.zip"), db)
    assert meta["records"] == "5" and meta["skipped"] == "1"
    return db


def test_events_follow_osv_semantics() -> None:
    ev = [{"introduced": "1.0"}, {"fixed": "1.5"}, {"introduced": "2.0"}, {"last_affected": "2.2"}]
    hit = {
        v: _in_range(Version(v), ev) for v in ("0.9", "1.0", "1.4.9", "1.5", "2.1", "2.2", "2.3")
    }
    assert hit == {
        "0.9": False,
        "1.0": True,
        "1.4.9": True,
        "1.5": False,
        "2.1": True,
        "2.2": True,
        "2.3": False,
    }


def test_manifests_parse() -> None:
    deps = manifests.parse("requirements.txt", REQS, "requirements.txt")
    assert [(d.name, d.version) for d in deps] == [
        ("torch", "2.5.1"),
        ("transformers", "4.37.2"),
        ("requests", None),
        ("huggingface-clii", "0.1"),
        ("numpy", None),
    ]
    assert deps[0].line == 2 and deps[0].purl == "pkg:pypi/torch@2.5.1"
    py = manifests.parse("pyproject.toml", PYPROJECT, "pyproject.toml")
    assert {(d.name, d.version) for d in py} == {
        ("requests", "2.30.0"),
        ("safetensors", None),
        ("torch", "2.6.0"),
    }
    lock = manifests.parse("poetry.lock", POETRY_LOCK, "poetry.lock")
    assert [(d.name, d.version) for d in lock] == [
        ("transformers", "4.38.0"),
        ("requests", "2.3.0"),
    ]
    assert manifests.is_manifest("requirements-dev.txt") and not manifests.is_manifest("notes.txt")


def test_scan_with_store(tmp_path: Path, store: Path) -> None:
    repo = write(
        tmp_path / "repo",
        {"requirements.txt": REQS, "pyproject.toml": PYPROJECT, "poetry.lock": POETRY_LOCK},
    )
    doc = run(repo, "dependencies", options={"osv_db": str(store)})
    hits = sorted(
        (Path(f["path"]).name, f["evidence"]["package"], f["evidence"]["id"], f["severity"])
        for f in doc["findings"]
    )
    assert hits == [
        ("poetry.lock", "requests", "GHSA-dddd-eeee-ffff", "medium"),
        ("pyproject.toml", "requests", "GHSA-dddd-eeee-ffff", "medium"),
        ("requirements.txt", "huggingface-clii", "MAL-2025-100", "critical"),
        ("requirements.txt", "torch", "GHSA-aaaa-bbbb-cccc", "critical"),
        ("requirements.txt", "transformers", "PYSEC-2024-1", "high"),
    ]
    mal = by_kind(doc, "dependency.malicious")[0]
    assert mal["action"] == "block" and mal["location"] == {"line": 5}
    torch = next(f for f in by_kind(doc, "dependency.vulnerable") if "torch" in f["message"])
    assert "CVE-2025-32434" in torch["message"] and "2.6.0" in torch["message"]
    facts = target_facts(doc, repo)
    names = {c["purl"] for c in facts["dependencies.components"]}
    assert "pkg:pypi/torch@2.5.1" in names and "pkg:pypi/numpy" in names
    assert len(facts["dependencies.vulnerabilities"]) == 5


def test_unpinned_malicious_is_still_reported(tmp_path: Path, store: Path) -> None:
    repo = write(tmp_path / "r", {"requirements.txt": "huggingface-clii\ntorch\n"})
    doc = run(repo, "dependencies", options={"osv_db": str(store)})
    assert kinds(doc) == ["dependency.malicious"]


def test_no_database_is_visible_skipped(tmp_path: Path) -> None:
    repo = write(tmp_path / "r", {"requirements.txt": "torch==2.5.1\n"})
    doc = run(repo, "dependencies", options={"osv_db": str(tmp_path / "none.sqlite")})
    assert kinds(doc) == []
    cov = [c for c in doc["coverage"] if c["engine"] == "dependencies"]
    assert [c["status"] for c in cov] == ["skipped"] and "petgov db import" in cov[0]["reason"]


def test_db_cli(tmp_path: Path, cli: Any) -> None:
    zpath = build_zip(tmp_path / "all.zip")
    db = tmp_path / "db" / "osv.sqlite"
    res = cli("db", "import", str(zpath), "--db", str(db))
    assert res.code == 0 and "imported 5 OSV records" in res.stdout
    assert "sha256:" in cli("db", "info", "--db", str(db)).stdout
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    res = cli("db", "import", str(bad), "--db", str(db))
    assert res.code == 2 and "not a zip" in res.stderr
    assert db.is_file()  # the old store survives a failed import
    env = {"PETGOV_OSV_DB": str(db), "PATH": "/usr/bin:/bin"}
    repo = write(tmp_path / "r", {"requirements.txt": "torch==2.5.1\n"})
    res = cli("scan", str(repo), "--format", "json", env=env)
    assert res.code == 1 and "GHSA-aaaa-bbbb-cccc" in res.stdout


def test_import_of_a_zip_without_osv_records_keeps_the_store(tmp_path: Path, store: Path) -> None:
    """A wrong zip (a model archive, an empty export) must not replace a good store with an
    empty one: later scans would find no vulnerabilities and say the store was consulted."""
    before = store.read_bytes()
    other = tmp_path / "model.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("config.json", "[1, 2]")
        zf.writestr("weights.bin", b"\0" * 8)
    with pytest.raises(UsageError, match="no OSV records") as info:
        import_zip(other, store)
    assert info.value.hint
    assert store.read_bytes() == before
    assert [p.name for p in store.parent.iterdir() if ".tmp" in p.name] == []


def test_scope_marks_extras_and_dev_groups_optional() -> None:
    poetry = """\
[tool.poetry.dependencies]
python = "^3.11"
torch = "2.5.1"
[tool.poetry.group.dev.dependencies]
pytest = "8.0.0"
"""
    got = {(d.name, d.scope) for d in manifests.parse("pyproject.toml", poetry, "p")}
    assert got == {("torch", "required"), ("pytest", "optional")}
    pipfile = (
        '{"default": {"torch": {"version": "==2.5.1"}}, "develop": {"ruff": {"version": "==0.5"}}}'
    )
    got = {(d.name, d.scope) for d in manifests.parse("Pipfile.lock", pipfile, "p")}
    assert got == {("torch", "required"), ("ruff", "optional")}
    py = manifests.parse("pyproject.toml", PYPROJECT, "pyproject.toml")
    assert {d.name: d.scope for d in py}["torch"] == "optional"


def test_osv_db_that_is_not_a_store_is_a_usage_error(tmp_path: Path, cli: Any) -> None:
    """Before, the dependencies scanner errored quietly and the scan or BOM went on."""
    junk = tmp_path / "osv.sqlite"
    junk.write_text("not a database\n" * 100)
    repo = write(tmp_path / "r", {"requirements.txt": "torch==2.5.1\n"})
    for cmd in ("scan", "bom"):
        res = cli(cmd, str(repo), "--osv-db", str(junk), "-o", str(tmp_path / "out.json"))
        assert res.code == 2, (cmd, res.stderr)
        assert "not a petgov OSV store" in res.stderr and res.stderr.count("\n") == 1
        assert not (tmp_path / "out.json").exists()
