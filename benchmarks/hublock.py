"""Hub lock throughput: `petgov lock` and a locked scan of an hf:// target, on a fake hub cache.

Usage: python benchmarks/hublock.py [SIZE_MB]   (default 512; 4 LFS files + small ones; warm
page cache). Baseline: one-thread hashlib sha256 over the same blobs. Every byte is hashed once
per run: the inventory digest and the lock check share it. Noisy on a shared box: take the
better of two runs.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from petgov.inventory.hashing import sha256_file
from petgov.pipeline import ScanOptions, resolve, scan
from petgov.provenance.hub import make_lock
from petgov.provenance.hublock import write_lock
from petgov.scanners.options import ProvenanceOptions, ScannerOptions

REPO = "bench/model"


def _blob(root: Path, commit: str, rel: str, data_chunks: list[bytes]) -> None:
    h = hashlib.sha256()
    for c in data_chunks:
        h.update(c)
    blob = root / "blobs" / h.hexdigest()
    with blob.open("wb") as fh:
        for c in data_chunks:
            fh.write(c)
    link = root / "snapshots" / commit / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(os.path.relpath(blob, link.parent))


def build(cache: Path, size_mb: int) -> str:
    """A models--bench--model cache: 4 shards of size_mb/4 MB, a config and a README."""
    commit = hashlib.sha1(b"bench", usedforsecurity=False).hexdigest()
    root = cache / "models--bench--model"
    (root / "blobs").mkdir(parents=True)
    (root / "refs").mkdir()
    (root / "refs" / "main").write_text(commit)
    chunk = os.urandom(1 << 20)
    for i in range(4):  # distinct content: equal files would share one blob
        shard = [bytes([i]) + chunk[1:]] * (size_mb // 4)
        _blob(root, commit, f"model-{i:05d}-of-00004.safetensors", shard)
    for rel in ("config.json", "README.md"):  # small (named by sha256 here too)
        _blob(root, commit, rel, [rel.encode()])
    return commit


def _best(fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 512
    with tempfile.TemporaryDirectory(prefix="petgov-hub-") as tmp:
        cache = Path(tmp) / "hub"
        commit = build(cache, size_mb)
        os.environ["HF_HUB_CACHE"] = str(cache)
        os.environ["HF_HUB_OFFLINE"] = "1"
        target = f"hf://{REPO}@{commit}"
        lock_path = Path(tmp) / "petgov.lock"
        blobs = sorted((cache / "models--bench--model" / "blobs").iterdir())
        gb = sum(b.stat().st_size for b in blobs) / 1e9

        def baseline() -> None:
            for b in blobs:
                sha256_file(b)

        def lock() -> None:
            write_lock(lock_path, make_lock(resolve(target)))

        def locked_scan() -> None:
            opts = ScannerOptions(provenance=ProvenanceOptions(lock=lock_path))
            report = scan([target], ScanOptions(scanners=["provenance"], scanner_options=opts))
            assert report.facts[target]["hf.lock_verified"] is True, report.facts[target]

        baseline()  # warm the page cache
        t_base = _best(baseline)
        t_lock = _best(lock)
        t_scan = _best(locked_scan)
        print(f"fake hub cache: {gb:.2f} GB in {len(blobs)} blobs, {os.cpu_count()} cores")
        print(f"hashlib sha256, one thread      {gb / t_base:6.2f} GB/s")
        print(f"petgov lock                     {gb / t_lock:6.2f} GB/s (x{t_base / t_lock:.2f})")
        print(f"scan --lock (provenance only)   {gb / t_scan:6.2f} GB/s (x{t_base / t_scan:.2f})")


if __name__ == "__main__":
    main()
