"""The scan cache reuses an item's result only while nothing that could change it has changed.

Each test scans real files with the real engines twice. A hit is proven by breaking the engine
between the runs (a cached verdict does not call it); a miss by the broken engine's error.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

import petgov
from petgov.demo import harmless_payload_pickle, write_demo
from petgov.model import Action, CoverageStatus, Item, Origin, Report
from petgov.pipeline import ScanOptions, scan
from petgov.policy.evaluate import PolicyOptions
from petgov.scanners import result_cache
from petgov.scanners.interface import Entry
from petgov.scanners.options import PickleOptions, PiiOptions, ScannerOptions
from petgov.scanners.pickle_scanner import PickleScanner
from petgov.scanners.result_cache import ScanCache, read_entry, tree_state
from petgov.targets.archive import ArchiveLimits
from petgov.targets.interface import BytesSource

SCANNERS = ("pickle", "safetensors", "secrets")


@pytest.fixture
def model(tmp_path: Path) -> Path:
    write_demo(tmp_path / "demo")
    folder = tmp_path / "demo" / "model"
    (folder / "notes.txt").write_text("see config.json\n")
    (folder / "weights.pkl").write_bytes(pickle.dumps({"layers": [1, 2, 3]}))
    return folder


def run(target: Path, cache: ScanCache | None, **changes: Any) -> Report:
    options = ScanOptions(scanners=SCANNERS, cache=cache)
    return scan([str(target)], dataclasses.replace(options, **changes))


def comparable(report: Report) -> dict[str, Any]:
    doc = report.to_dict()
    doc.pop("created_at")
    return doc


def broken_pickle_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(self: PickleScanner, *args: Any) -> Any:
        raise RuntimeError("engine was called")

    monkeypatch.setattr(PickleScanner, "scan", crash)


def engine_errors(report: Report) -> list[str]:
    return [c.path for c in report.coverage if c.status is CoverageStatus.ERROR]


def blocked(report: Report) -> set[str]:
    return {d.finding.path for d in report.decisions if d.action is Action.BLOCK}


def test_a_warm_scan_is_served_from_the_cache_and_equals_the_cold_one(
    model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ScanCache(tmp_path / "cache")
    cold = run(model, cache)
    assert cache.stats.hits == 0 and cache.stats.stored >= 4
    assert blocked(cold) == {f"{model}/optimizer.weights"}
    broken_pickle_engine(monkeypatch)
    warm_cache = ScanCache(tmp_path / "cache")
    warm = run(model, warm_cache)
    assert warm_cache.stats.misses == 0 and warm_cache.stats.hits == cache.stats.misses
    assert engine_errors(warm) == []
    assert comparable(warm) == comparable(cold)


def test_without_a_cache_the_engine_runs(model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken_pickle_engine(monkeypatch)  # the check the other tests rely on: a miss shows
    assert f"{model}/optimizer.weights" in engine_errors(run(model, None))


def _version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(petgov, "__version__", petgov.__version__ + ".post1")


def _engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PickleScanner, "version", PickleScanner.version + "b")


def _library(monkeypatch: pytest.MonkeyPatch) -> None:
    real = result_cache._dist_versions
    monkeypatch.setattr(result_cache, "_dist_versions", lambda: {**real(), "pyyaml": "0.0"})


def _code(monkeypatch: pytest.MonkeyPatch) -> None:
    real = result_cache.tree_state
    edited = lambda root, pattern: [*real(root, pattern), ["scanners/new.py", 1, 1]]  # noqa: E731
    monkeypatch.setattr(result_cache, "tree_state", edited)


INVALIDATING: dict[str, Any] = {
    "petgov version": _version,
    "engine version": _engine,
    "engine library version": _library,
    "petgov code or rules edited": _code,
}


@pytest.mark.parametrize("change", sorted(INVALIDATING))
def test_any_version_change_is_a_miss(
    change: str, model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(model, ScanCache(tmp_path / "cache"))
    INVALIDATING[change](monkeypatch)
    broken_pickle_engine(monkeypatch)
    again = ScanCache(tmp_path / "cache")
    report = run(model, again)
    assert f"{model}/optimizer.weights" in engine_errors(report), change
    assert again.stats.misses > 0


OPTION_CHANGES: dict[str, dict[str, Any]] = {
    "pickle work bound": {"scanner_options": ScannerOptions(pickle=PickleOptions(max_ops=10**6))},
    "pickle timeout": {"scanner_options": ScannerOptions(pickle=PickleOptions(timeout=60.0))},
    "cross-check": {"cross_check": True},
    "archive limits": {"limits": ArchiveLimits(max_depth=2)},
    "pii sampling": {"scanner_options": ScannerOptions(pii=PiiOptions(sample_rows=10))},
}


@pytest.mark.parametrize("change", sorted(OPTION_CHANGES))
def test_any_scanner_option_change_is_a_miss(
    change: str, model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(model, ScanCache(tmp_path / "cache"))
    broken_pickle_engine(monkeypatch)
    report = run(model, ScanCache(tmp_path / "cache"), **OPTION_CHANGES[change])
    assert f"{model}/optimizer.weights" in engine_errors(report), change


def test_an_option_file_counts_by_its_contents(tmp_path: Path) -> None:
    ner = tmp_path / "ner"
    ner.mkdir()
    (ner / "meta.json").write_text("{}")
    before = result_cache._fp(PiiOptions(nlp_model=ner))
    (ner / "meta.json").write_text('{"v": 2}')
    assert result_cache._fp(PiiOptions(nlp_model=ner)) != before


def test_the_code_fingerprint_follows_every_file(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    before = tree_state(tmp_path, "*.py")
    (tmp_path / "a.py").write_text("x = 22\n")
    assert tree_state(tmp_path, "*.py") != before


def test_changed_content_is_scanned_again_and_a_new_payload_is_caught(
    model: Path, tmp_path: Path
) -> None:
    run(model, ScanCache(tmp_path / "cache"))
    (model / "weights.pkl").write_bytes(harmless_payload_pickle())  # was a benign dict
    report = run(model, ScanCache(tmp_path / "cache"))
    assert f"{model}/weights.pkl" in blocked(report)


def test_the_same_bytes_under_another_path_are_not_reused(model: Path, tmp_path: Path) -> None:
    run(model, ScanCache(tmp_path / "cache"))
    moved = tmp_path / "moved"
    model.rename(moved)
    again = ScanCache(tmp_path / "cache")
    report = run(moved, again)
    assert again.stats.hits == 0
    assert blocked(report) == {f"{moved}/optimizer.weights"}


def test_policy_runs_fresh_over_cached_findings(model: Path, tmp_path: Path) -> None:
    run(model, ScanCache(tmp_path / "cache"))
    policy = tmp_path / "petgov.toml"
    policy.write_text('[[overrides]]\nrule = "PG-SER-*"\nmode = "guideline"\n')
    cache = ScanCache(tmp_path / "cache")
    report = run(model, cache, policy=PolicyOptions(policy_file=policy))
    assert cache.stats.hits > 0
    assert not report.gate_failed
    assert any(d.rule_id.startswith("PG-SER") for d in report.decisions)


def test_engine_errors_and_gaps_are_never_kept(
    model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        broken_pickle_engine(patch)
        run(model, ScanCache(tmp_path / "cache"))
    report = run(model, ScanCache(tmp_path / "cache"))
    assert engine_errors(report) == []
    assert blocked(report) == {f"{model}/optimizer.weights"}
    tiny = ScannerOptions(pickle=PickleOptions(max_ops=3))
    run(model, ScanCache(tmp_path / "c2"), scanner_options=tiny)
    for path in (tmp_path / "c2").rglob("*.json"):
        record = read_entry(path) or {}
        assert "pickle" not in record, "a result cut by the work budget was cached"


CORRUPTIONS = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "empty": lambda raw: b"",
    "body edited": lambda raw: raw.replace(b'"critical"', b'"info"'),
    "checksum ok, wrong shape": lambda raw: _resealed(b'{"pickle": {"version": 1}}'),
    "binary noise": lambda raw: bytes(range(256)) * 4,
}


def _resealed(body: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(body).hexdigest().encode() + b"\n" + body


@pytest.mark.parametrize("damage", sorted(CORRUPTIONS))
def test_a_corrupt_entry_is_a_miss_never_a_crash_or_a_pass(
    damage: str, model: Path, tmp_path: Path
) -> None:
    cold = run(model, ScanCache(tmp_path / "cache"))
    for path in (tmp_path / "cache").rglob("*.json"):
        path.write_bytes(CORRUPTIONS[damage](path.read_bytes()))
    warm = run(model, ScanCache(tmp_path / "cache"))
    assert comparable(warm) == comparable(cold)


def test_a_read_only_cache_never_fails_a_scan(model: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.write_text("not a folder")
    cache = ScanCache(folder)
    report = run(model, cache)
    assert blocked(report) == {f"{model}/optimizer.weights"}
    assert cache.stats.stored == 0


def test_items_without_a_digest_are_not_cached(model: Path, tmp_path: Path) -> None:
    from petgov.inventory.hashing import DigestMode

    cache = ScanCache(tmp_path / "cache")
    run(model, cache, digests=DigestMode.NONE)
    assert cache.stats.hits == cache.stats.stored == 0 and cache.stats.uncacheable > 0


def test_concurrent_runs_share_the_cache_safely(model: Path, tmp_path: Path) -> None:
    env_cache = tmp_path / "shared"
    cmd = [sys.executable, "-m", "petgov", "scan", str(model), "-f", "json"]
    cmd += [arg for s in SCANNERS for arg in ("--scanner", s)]
    env = {**__import__("os").environ, "PETGOV_CACHE_DIR": str(env_cache)}
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(3)
    ]
    docs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 1, err.decode()
        doc = json.loads(out)
        doc.pop("created_at")
        docs.append(doc)
    assert docs[0] == docs[1] == docs[2]
    assert not list(env_cache.rglob("*.tmp"))
    entries = list((env_cache / "scan").rglob("*.json"))  # parsed/ holds rules, not results
    assert entries
    for path in entries:
        assert read_entry(path) is not None


class _ListedOnly(BytesSource):
    """A remote source read in part: the server's content key, no digest of its own."""

    def __init__(self, data: bytes, key: str) -> None:
        super().__init__(data)
        self.key = key


def _entry(source: BytesSource, origin: Origin) -> Entry:
    item = Item(
        path="hf://org/m/model.safetensors",
        format="safetensors",
        size=source.size,
        sha256=None,
        origin=origin,
    )
    return Entry(item=item, source=source)


def _done(value: str | None) -> Future[str | None]:
    future: Future[str | None] = Future()
    future.set_result(value)
    return future


def test_remote_items_are_keyed_by_the_servers_content_key(tmp_path: Path) -> None:
    cache = ScanCache(tmp_path)
    cache.begin(ScanOptions().scanner_options)
    hub = Origin(kind="hf", source="hf://org/m", etag="a" * 64)
    by_etag = cache.locate(_entry(BytesSource(b"head"), hub), _done(None))
    assert by_etag is not None
    other = dataclasses.replace(hub, etag="b" * 64)
    assert cache.locate(_entry(BytesSource(b"head"), other), _done(None)) != by_etag
    s3 = Origin(kind="s3", source="s3://bucket/models")
    listed = cache.locate(_entry(_ListedOnly(b"head", '"etag-1"'), s3), None)
    changed = cache.locate(_entry(_ListedOnly(b"head", '"etag-2"'), s3), None)
    assert listed is not None and changed is not None and listed != changed
    reported = cache.locate(_entry(BytesSource(b"head"), s3), _done("c" * 64))
    assert reported is not None and reported not in (listed, changed)
    assert cache.locate(_entry(BytesSource(b"head"), s3), _done(None)) is None
    assert cache.stats.uncacheable == 1
