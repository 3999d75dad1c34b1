"""Shipped YAML (built-in rules, pickle lists) parsed once per installation: the JSON kept in the
cache folder gives exactly what PyYAML gives, and anything stale or damaged is parsed again."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from petgov.catalog import _read as read_catalog
from petgov.catalog import shipped_rule_files
from petgov.policy.packs import builtin_pack_dir, load_pack
from petgov.util import yamldocs


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty cache folder and an empty in-process memo (as in a new process)."""
    monkeypatch.setenv("PETGOV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(yamldocs, "_memo", {})
    monkeypatch.setattr(yamldocs, "_bundles", {})
    return tmp_path / "cache" / yamldocs.SUBDIR


def new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamldocs, "_memo", {})
    monkeypatch.setattr(yamldocs, "_bundles", {})


def no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(raw: bytes) -> Any:
        raise AssertionError("parsed YAML although the cache holds it")

    monkeypatch.setattr(yamldocs, "_parse", refuse)


def test_rules_from_the_cache_equal_pyyaml(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = shipped_rule_files(builtin_pack_dir())
    assert len(files) > 60
    yamldocs.warm(list(files.values()), "rules")
    assert (fresh / "rules.json").is_file()
    new_process(monkeypatch)
    no_yaml(monkeypatch)
    yamldocs.warm(list(files.values()), "rules")
    for name, raw in files.items():
        assert list(yamldocs.documents(raw)) == list(yaml.safe_load_all(raw)), name


def test_catalog_and_pack_are_the_same_from_the_cache(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = builtin_pack_dir()

    def snapshot() -> tuple[Any, ...]:
        pack = load_pack(root)
        rules = [
            (r.id, r.title, r.severity, r.mode, r.when, r.tags, r.compliance, r.docs, r.fixtures)
            for r in pack.rules
        ]
        return read_catalog(root), pack.name, pack.version, rules

    parsed = snapshot()
    new_process(monkeypatch)
    no_yaml(monkeypatch)
    cached = snapshot()
    assert cached == parsed
    assert len(parsed[3]) > 60


def test_a_damaged_or_foreign_cache_file_is_parsed_again(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = b"id: PG-X-001\ntitle: t\n"
    for body in (
        b"not json",
        b"[]",
        json.dumps({"format": "other", "documents": {}}).encode(),
        json.dumps(  # another PyYAML's documents: never reused
            {
                "format": yamldocs._FORMAT,
                "pyyaml": "0.0.1",
                "documents": {yamldocs.hashlib.sha256(raw).hexdigest(): [{"id": "forged"}]},
            }
        ).encode(),
    ):
        fresh.mkdir(parents=True, exist_ok=True)
        (fresh / "t.json").write_bytes(body)
        new_process(monkeypatch)
        yamldocs.warm([raw], "t")
        assert yamldocs.documents(raw) == ({"id": "PG-X-001", "title": "t"},)
        stored = json.loads((fresh / "t.json").read_bytes())  # rewritten whole
        assert list(stored["documents"].values()) == [[{"id": "PG-X-001", "title": "t"}]]


def test_an_edited_file_is_parsed_again_and_the_old_entry_dropped(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = b"a: 1\n", b"b: 2\n"
    yamldocs.warm([a, b], "t")
    new_process(monkeypatch)
    edited = b"a: 3\n"
    yamldocs.warm([edited, b], "t")
    assert yamldocs.documents(edited) == ({"a": 3},)
    kept = json.loads((fresh / "t.json").read_bytes())["documents"]
    assert sorted(json.dumps(v) for v in kept.values()) == ['[{"a": 3}]', '[{"b": 2}]']


def test_documents_json_cannot_hold_are_never_cached(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dated, int_keys, plain = b"since: 2024-01-02\n", b"1: one\n", b"k: [1, 2.5, true, null]\n"
    yamldocs.warm([dated, int_keys, plain], "t")
    new_process(monkeypatch)
    yamldocs.warm([dated, int_keys, plain], "t")
    assert yamldocs.documents(dated) == ({"since": datetime.date(2024, 1, 2)},)
    assert yamldocs.documents(int_keys) == ({1: "one"},)
    assert yamldocs.documents(plain) == ({"k": [1, 2.5, True, None]},)
    assert len(json.loads((fresh / "t.json").read_bytes())["documents"]) == 1


def test_an_unwritable_cache_folder_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("PETGOV_CACHE_DIR", str(blocker))  # a file where the folder would be
    new_process(monkeypatch)
    yamldocs.warm([b"a: 1\n"], "t")
    assert yamldocs.documents(b"a: 1\n") == ({"a": 1},)


def test_an_edited_rule_copy_is_read_from_its_own_bytes(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A pack folder that is not the built-in one is never served from the cache."""
    copy = tmp_path / "pack"
    shutil.copytree(builtin_pack_dir(), copy)
    load_pack(builtin_pack_dir())  # fills the cache
    rule = sorted(copy.rglob("PG-*.yaml"))[0]
    text = rule.read_text()
    title = yaml.safe_load(text)["title"]
    rule.write_text(text.replace(title, "edited title", 1))
    new_process(monkeypatch)
    rules = {r.source: r for r in load_pack(copy).rules}
    assert any(r.title == "edited title" for r in rules.values())
