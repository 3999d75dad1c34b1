"""Provenance hashing throughput: petgov sign vs model-signing's own default API, same run.

Usage: python benchmarks/provenance.py [SIZE_MB]   (default 1024; warm page cache; 2 files)
Numbers on a shared box are noisy: run twice and take the better one.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from petgov.demo import write_key_pair
from petgov.provenance.interface import TrustMaterial
from petgov.provenance.modelsig import sign_model, verify_model


def _keys(folder: Path) -> tuple[Path, Path]:
    priv, pub = folder / "k.pem", folder / "k.pub"
    write_key_pair(ec.generate_private_key(ec.SECP256R1()), priv, pub)
    return priv, pub


def _timed(fn: Any) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    size_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    import model_signing

    with tempfile.TemporaryDirectory(prefix="petgov-bench-") as tmp:
        base = Path(tmp)
        model = base / "model"
        model.mkdir()
        chunk = os.urandom(1 << 20)
        for name in ("a.bin", "b.bin"):
            with (model / name).open("wb") as fh:
                for _ in range(size_mb // 2):
                    fh.write(chunk)
        total = sum(p.stat().st_size for p in model.iterdir()) / 1e9
        priv, pub = _keys(base)
        sigs = base / "sigs"
        sigs.mkdir()
        n = iter(range(1000))

        def ms_default() -> None:
            model_signing.signing.Config().use_elliptic_key_signer(private_key=priv).sign(
                model, sigs / f"ms{next(n)}.sig"
            )

        def pg(algo: str) -> Any:
            return lambda: sign_model(
                model, sigs / f"pg{next(n)}.sig", key=priv, hash_algorithm=algo
            )

        ms_default()  # warm the page cache
        t_ms = _timed(ms_default)
        t_sha = _timed(pg("sha256"))
        t_b3 = _timed(pg("blake3"))
        sign_model(model, sigs / "v.sig", key=priv)
        t_verify = _timed(lambda: verify_model(model, sigs / "v.sig", TrustMaterial(key=pub)))
        print(f"data: {total:.2f} GB in 2 files, {os.cpu_count()} cores (shared box: noisy)")
        print(f"model-signing default (files/sha256): {total / t_ms:6.2f} GB/s")
        print(
            f"petgov sign sha256 (sharded):         {total / t_sha:6.2f} GB/s  x{t_ms / t_sha:.2f}"
        )
        print(f"petgov sign blake3:                   {total / t_b3:6.2f} GB/s  x{t_ms / t_b3:.2f}")
        print(f"petgov verify sha256 (sharded):       {total / t_verify:6.2f} GB/s")


if __name__ == "__main__":
    main()
