"""`petgov scan --no-cache` and `petgov cache info|clear` on a real scan's cache."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from petgov.demo import write_demo
from tests.conftest import CliResult

Cli = Callable[..., CliResult]


@pytest.fixture
def model(tmp_path: Path) -> Path:
    write_demo(tmp_path / "demo")
    return tmp_path / "demo" / "model"


def entries(root: Path) -> list[Path]:
    return sorted((root / "scan").rglob("*.json"))


def test_scan_fills_the_cache_and_no_cache_leaves_it_alone(
    cli: Cli, model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("PETGOV_CACHE_DIR", str(root))
    assert cli("scan", str(model), "--no-cache", "--scanner", "pickle").code == 1
    # no scan results; petgov's own parsed rules/lists (parsed/) are not results (docs/cache.md)
    assert not (root / "scan").exists() and not (root / "packs").exists()
    assert cli("scan", str(model), "--scanner", "pickle").code == 1
    assert len(entries(root)) == 1  # the one pickle; the pickle engine ran on nothing else
    info = cli("cache", "info")
    assert info.code == 0
    assert f"path: {root}" in info.stdout
    assert "scan: 1 file(s)" in info.stdout and "packs: 0 file(s)" in info.stdout


def test_cache_clear_removes_only_its_own_sections(
    cli: Cli, model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("PETGOV_CACHE_DIR", str(root))
    cli("scan", str(model), "--scanner", "pickle")
    pack = root / "packs" / "sha256" / ("ab" * 32) / "pack.tar.gz"
    pack.parent.mkdir(parents=True)
    pack.write_bytes(b"x")
    mine = root / "notes.txt"  # PETGOV_CACHE_DIR may point at a folder holding other files
    mine.write_text("keep me")
    kept = cli("cache", "clear", "--scans-only")
    assert kept.code == 0 and "removed 1 file(s) from scan" in kept.stdout
    assert entries(root) == [] and pack.is_file()
    assert cli("cache", "clear").code == 0
    assert not pack.exists() and mine.read_text() == "keep me"
    assert not (root / "parsed").exists()


def test_the_cache_follows_xdg_cache_home(
    cli: Cli, model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PETGOV_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cli("scan", str(model), "--scanner", "pickle")
    assert len(entries(tmp_path / "xdg" / "petgov")) == 1
    assert f"path: {tmp_path / 'xdg' / 'petgov'}" in cli("cache", "info").stdout
    assert os.environ.get("PETGOV_CACHE_DIR") is None
