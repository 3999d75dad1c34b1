"""Remote scan cost: an hf:// repo read by range from a loopback hub, against the same repo
scanned from a local hub cache (what `hf download` then `petgov scan` costs in bytes).

Usage: python benchmarks/remote.py [SIZE_MB]   (default 1024: 4 safetensors shards, a config, a
README, a small pickle). Prints bytes fetched vs repo size and the wall time of each scan; the
loopback hub has no latency, so on a real network the saving is larger than the time shown.
"""

from __future__ import annotations

import os
import struct
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from petgov.pipeline import ScanOptions, scan  # noqa: E402
from tests.targets import fakehub  # noqa: E402
from tests.targets.hubcache import write_repo  # noqa: E402

REPO = "bench/remote"


def shard(size_mb: int, seed: int) -> bytes:
    """A valid safetensors file of ``size_mb`` MB (one float32 tensor, header then data)."""
    n = size_mb * (1 << 20) // 4
    header = f'{{"w{seed}":{{"dtype":"F32","shape":[{n}],"data_offsets":[0,{n * 4}]}}}}'.encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + bytes([seed]) * (n * 4)


def files(size_mb: int) -> dict[str, bytes]:
    out = {f"model-{i:05d}-of-00004.safetensors": shard(size_mb // 4, i) for i in range(4)}
    out["config.json"] = b'{"model_type": "llama"}\n'
    out["README.md"] = b"---\nlicense: apache-2.0\n---\n# bench\n"
    out["training_args.bin"] = b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00}\x94."
    return out


def main() -> None:
    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    repo = files(size_mb)
    total = sum(len(v) for v in repo.values())
    with (
        tempfile.TemporaryDirectory(prefix="petgov-remote-bench-") as tmp,
        fakehub.running() as hub,
    ):
        commit = hub.add(REPO, repo)
        target = f"hf://{REPO}@{commit}"
        os.environ.update(
            HF_ENDPOINT=hub.hub_url, HF_HUB_CACHE=str(Path(tmp) / "empty"), NO_PROXY="127.0.0.1"
        )
        os.environ.pop("HF_HUB_OFFLINE", None)
        scan([target], ScanOptions())  # warm-up: engine imports are not what is measured
        sent_before = hub.bytes_sent
        start = time.perf_counter()
        report = scan([target], ScanOptions())  # the scan cache is off unless given
        remote_s = time.perf_counter() - start
        sent = hub.bytes_sent - sent_before
        facts = report.facts[target]
        fetched = int(facts["remote.bytes_fetched"])
        cache = Path(tmp) / "cache"
        write_repo(cache, REPO, repo, commit=commit)
        os.environ["HF_HUB_CACHE"] = str(cache)
        start = time.perf_counter()
        local = scan([target], ScanOptions())
        local_s = time.perf_counter() - start
        same = sorted((d.rule_id, d.finding.path) for d in report.decisions) == sorted(
            (d.rule_id, d.finding.path) for d in local.decisions
        )
    print(f"repo: {total / 1e6:.1f} MB in {len(repo)} files")
    print(
        f"remote (range): fetched {fetched} bytes = {100 * fetched / total:.4f}% of the repo "
        f"in {facts['remote.requests']} requests (hub sent {sent}); {remote_s:.2f} s"
    )
    print(f"local cache (after a full download of {total / 1e6:.1f} MB): {local_s:.2f} s")
    print(f"same findings: {same}")


if __name__ == "__main__":
    main()
