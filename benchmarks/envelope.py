"""Envelope throughput: file-to-file `encrypt_stream` against raw in-memory AES-256-GCM.

Both run in the same process over the same bytes. Goal: the file-to-file envelope reaches at
least two thirds of the raw AESGCM rate of this machine. A plain file copy is timed too: it is the
ceiling the file system sets, whatever the cipher. Each timing is the best of PETGOV_BENCH_RUNS
(default 3). Size via PETGOV_BENCH_MB (default 2048), folder via PETGOV_BENCH_DIR (e.g. /dev/shm).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from petgov.cleanroom.envelope import SEGMENT, Recipient, encrypt_stream, open_envelope


def best(runs: int, fn: Callable[[], None]) -> float:
    """The fastest of ``runs`` timings: the least disturbed by the shared machine."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    size = int(os.environ.get("PETGOV_BENCH_MB", "2048")) << 20
    runs = int(os.environ.get("PETGOV_BENCH_RUNS", "3"))
    key = x25519.X25519PrivateKey.generate()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with tempfile.TemporaryDirectory(
        prefix="petgov-bench-", dir=os.environ.get("PETGOV_BENCH_DIR")
    ) as tmp:
        plain = Path(tmp) / "plain.bin"
        sealed = Path(tmp) / "sealed.env"
        copy_to = Path(tmp) / "copy.bin"
        block = os.urandom(SEGMENT)
        with open(plain, "wb") as fh:
            for _ in range(size // SEGMENT):
                fh.write(block)
        aead = AESGCM(AESGCM.generate_key(256))
        nonce = bytes(12)

        def raw_aes() -> None:  # the same bytes, segment by segment, already in memory
            for _ in range(size // SEGMENT):
                aead.encrypt(nonce, block, None)

        def copy() -> None:
            with open(plain, "rb") as src, open(copy_to, "wb") as out:
                while chunk := src.read(SEGMENT):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())

        def envelope() -> None:
            with open(plain, "rb") as src, open(sealed, "wb") as out:
                encrypt_stream(src, out, Recipient.from_pem(pem))
                out.flush()
                os.fsync(out.fileno())

        def decrypt() -> None:
            with open(sealed, "rb") as src, open(os.devnull, "wb") as sink:
                open_envelope(src, sink, key)

        raw = best(runs, raw_aes)
        cp = best(runs, copy)
        copy_to.unlink()
        env = best(runs, envelope)
        dec = best(runs, decrypt)
    gb = size / 1e9
    print(f"bytes: {size} ({gb:.2f} GB), segment {SEGMENT >> 20} MiB, best of {runs}")
    print(f"raw AESGCM in memory     : {gb / raw:6.2f} GB/s")
    print(f"plain copy file->file    : {gb / cp:6.2f} GB/s (with fsync: the I/O ceiling)")
    print(f"envelope file->file      : {gb / env:6.2f} GB/s (with fsync)")
    print(f"envelope open file->null : {gb / dec:6.2f} GB/s")
    print(f"ratio envelope/raw: {raw / env:.2f} (goal >= 0.67)")
    print(f"ratio envelope/plain copy: {cp / env:.2f}")


if __name__ == "__main__":
    main()
