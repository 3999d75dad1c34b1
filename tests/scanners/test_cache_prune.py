"""`petgov cache prune` drops scan results by last use and to a size, and never fetched packs.

The entries come from real scans; a warm scan's hit refreshes an entry, so an entry still in
use survives an age-based prune while one nobody read goes.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.pipeline import ScanOptions, scan
from petgov.scanners.result_cache import ScanCache
from petgov.util.cachedir import prune

DAY = 86400.0


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / "scan").rglob("*.json"))


def _age_all(root: Path, days: float) -> None:
    then = time.time() - days * DAY
    for path in (root / "scan").rglob("*"):
        if path.is_file():
            os.utime(path, (then, then))


def _scan(folder: Path, root: Path) -> ScanCache:
    cache = ScanCache(root / "scan")
    scan([str(folder)], ScanOptions(scanners=("pickle",), cache=cache))
    return cache


@pytest.fixture
def two_models(tmp_path: Path) -> tuple[Path, Path]:
    used, forgotten = tmp_path / "used", tmp_path / "forgotten"
    for folder, payload in ((used, [1, 2]), (forgotten, {"w": 3})):
        folder.mkdir()
        (folder / "weights.pkl").write_bytes(pickle.dumps(payload))
    return used, forgotten


def test_an_entry_read_again_survives_an_age_prune_one_never_read_goes(
    two_models: tuple[Path, Path], tmp_path: Path
) -> None:
    root = tmp_path / "cache"
    used, forgotten = two_models
    _scan(used, root)
    _scan(forgotten, root)
    assert len(_entries(root)) == 2
    _age_all(root, 40)
    assert _scan(used, root).stats.hits == 1  # the hit marks the entry used today
    files, freed = prune(root, older_than=30 * DAY, max_bytes=None, now=time.time())
    assert files == 1 and freed > 0
    assert len(_entries(root)) == 1
    warm = _scan(used, root)
    assert warm.stats.hits == 1 and warm.stats.misses == 0
    assert _scan(forgotten, root).stats.hits == 0


def test_a_size_cap_drops_the_least_recently_used_first(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    shard = root / "scan" / "ab"
    shard.mkdir(parents=True)
    now = time.time()
    for age, name in ((3, "old"), (2, "mid"), (1, "new")):
        path = shard / f"{name}.json"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (now - age * DAY, now - age * DAY))
    assert prune(root, older_than=None, max_bytes=2000, now=now) == (1, 1000)
    assert sorted(p.stem for p in shard.iterdir()) == ["mid", "new"]
    assert prune(root, older_than=None, max_bytes=0, now=now) == (2, 2000)
    assert not shard.exists()  # empty shard folders go too


def test_packs_and_fresh_temp_files_are_kept_stale_temp_files_go(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    (root / "packs").mkdir(parents=True)
    pack = root / "packs" / "pack.tar"
    pack.write_bytes(b"p")
    shard = root / "scan" / "cd"
    shard.mkdir(parents=True)
    now = time.time()
    fresh, stale = shard / ".a.tmp", shard / ".b.tmp"
    fresh.write_bytes(b"t")
    stale.write_bytes(b"t")
    os.utime(stale, (now - 7200, now - 7200))
    old = now - 400 * DAY
    os.utime(pack, (old, old))
    assert prune(root, older_than=30 * DAY, max_bytes=0, now=now) == (1, 1)
    assert pack.exists() and fresh.exists() and not stale.exists()


def test_the_command_prunes_by_default_age_and_rejects_bad_values(
    two_models: tuple[Path, Path],
    tmp_path: Path,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv("PETGOV_CACHE_DIR", str(root))
    _scan(two_models[0], root)
    out = cli("cache", "prune")
    assert out.code == 0 and "removed 0 scan result file(s)" in out.stdout
    _age_all(root, 31)
    out = cli("cache", "prune")
    assert out.code == 0 and "removed 1 scan result file(s)" in out.stdout, out.stdout
    for flag, value in (("--older-than", "3x"), ("--max-size", "lots")):
        bad = cli("cache", "prune", flag, value)
        assert bad.code == 2 and flag in bad.stderr and "Traceback" not in bad.stderr


def test_a_file_another_scan_renames_away_mid_prune_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "cache"
    shard = root / "scan" / "ef"
    shard.mkdir(parents=True)
    (shard / ".gone.tmp").write_bytes(b"t")
    (shard / "kept.json").write_bytes(b"x")
    real_stat = Path.stat

    def racing_stat(self: Path, **kwargs: Any) -> Any:
        if self.name == ".gone.tmp":
            raise FileNotFoundError(self)  # renamed into place by a concurrent scan
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", racing_stat)
    assert prune(root, older_than=30 * DAY, max_bytes=None, now=time.time()) == (0, 0)
    assert (shard / "kept.json").exists()
