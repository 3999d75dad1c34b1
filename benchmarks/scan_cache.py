"""Scan cache: a mirror of model folders scanned cold (empty cache), warm, and without a cache.

Usage: python benchmarks/scan_cache.py [MODELS]   (default 100). Each model folder holds a
pickled state dict (~0.5 MB, the pickle VM's work), a safetensors file (4 MiB), config.json,
tokenizer.json, a README and a .py file, all distinct per model. Every scanner runs (the
default scan). Warm = the same mirror again with the cache the cold run filled: hashing and
lookups only for cacheable engines; target-level engines (provenance, licences, remote code)
still run. Noisy on a shared box: the better of two warm runs is reported.
"""

from __future__ import annotations

import json
import pickle
import struct
import sys
import tempfile
import time
from pathlib import Path

from petgov.pipeline import ScanOptions, scan
from petgov.scanners.result_cache import ScanCache


def safetensors(seed: int, size: int) -> bytes:
    header = json.dumps(
        {"w": {"dtype": "F32", "shape": [size // 4], "data_offsets": [0, size]}}
    ).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + seed.to_bytes(4, "little") * (size // 4)


def build(root: Path, models: int) -> int:
    """Write the mirror; returns its size in bytes."""
    total = 0
    for i in range(models):
        folder = root / f"org-{i % 10}" / f"model-{i:03d}"
        folder.mkdir(parents=True)
        state = {f"layer.{j}.weight": [float(i + j)] * 64 for j in range(1000)}
        files = {
            "pytorch_model.bin": pickle.dumps(state, protocol=2),
            "model.safetensors": safetensors(i, 4 << 20),
            "config.json": json.dumps({"model_type": "bert", "hidden_size": 64 + i}).encode(),
            "tokenizer.json": json.dumps(
                {"vocab": {f"tok{k}": k for k in range(2000 + i)}}
            ).encode(),
            "README.md": f"# model {i}\n\nA mirrored test model.\n".encode(),
            "modeling_extra.py": f"def scale(x):\n    return x * {i}\n".encode(),
        }
        for name, data in files.items():
            (folder / name).write_bytes(data)
            total += len(data)
    return total


def timed(root: Path, cache: ScanCache | None) -> tuple[float, int]:
    start = time.perf_counter()
    report = scan([str(root)], ScanOptions(cache=cache))
    return time.perf_counter() - start, len(report.decisions)


def main() -> None:
    models = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with tempfile.TemporaryDirectory(prefix="petgov-bench-cache-") as tmp:
        root = Path(tmp) / "mirror"
        size = build(root, models)
        cache_dir = Path(tmp) / "cache"
        timed(root, None)  # imports and page cache warm for all three measurements
        no_cache, n0 = timed(root, None)
        cold_cache = ScanCache(cache_dir)
        cold, n1 = timed(root, cold_cache)
        warm_runs = []
        for _ in range(2):
            warm_cache = ScanCache(cache_dir)
            warm_runs.append((*timed(root, warm_cache), warm_cache.stats))
        warm, n2, stats = min(warm_runs, key=lambda r: r[0])
        assert n0 == n1 == n2, "the cache changed the number of findings"
        files = sum(1 for p in root.rglob("*") if p.is_file())
        print(f"mirror: {models} models, {files} files, {size / 1e6:.0f} MB; {n1} findings")
        print(f"no cache   {no_cache:7.2f} s")
        print(f"cold cache {cold:7.2f} s  (stored {cold_cache.stats.stored} item records)")
        print(f"warm cache {warm:7.2f} s  ({stats.hits} hits, {stats.misses} misses)")
        print(f"cold/warm ratio: {cold / warm:.1f}x; no-cache/warm: {no_cache / warm:.1f}x")
        print(
            f"cache size: {sum(p.stat().st_size for p in cache_dir.rglob('*.json')) / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    main()
