"""Envelope throughput: file-to-file `encrypt_stream` against raw in-memory AES-256-GCM.

Both run in the same process over the same bytes. Goal: the file-to-file envelope reaches at
least two thirds of the raw AESGCM rate of this machine. Size via PETGOV_BENCH_MB (default 2048).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from petgov.cleanroom.envelope import SEGMENT, Recipient, encrypt_stream, open_envelope


def main() -> None:
    size = int(os.environ.get("PETGOV_BENCH_MB", "2048")) << 20
    key = x25519.X25519PrivateKey.generate()
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with tempfile.TemporaryDirectory(prefix="petgov-bench-") as tmp:
        plain = Path(tmp) / "plain.bin"
        block = os.urandom(SEGMENT)
        with open(plain, "wb") as fh:
            for _ in range(size // SEGMENT):
                fh.write(block)
        # Raw: AESGCM over the same bytes, segment by segment, already in memory.
        aead = AESGCM(AESGCM.generate_key(256))
        nonce = bytes(12)
        start = time.perf_counter()
        for _ in range(size // SEGMENT):
            aead.encrypt(nonce, block, None)
        raw = time.perf_counter() - start
        sealed = Path(tmp) / "sealed.env"
        start = time.perf_counter()
        with open(plain, "rb") as src, open(Path(tmp) / "copy.bin", "wb") as out:
            while chunk := src.read(SEGMENT):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        copy = time.perf_counter() - start
        (Path(tmp) / "copy.bin").unlink()
        start = time.perf_counter()
        with open(plain, "rb") as src, open(sealed, "wb") as out:
            encrypt_stream(src, out, Recipient.from_pem(pem))
            out.flush()
            os.fsync(out.fileno())
        env = time.perf_counter() - start
        start = time.perf_counter()
        with open(sealed, "rb") as src, open(os.devnull, "wb") as sink:
            open_envelope(src, sink, key)
        dec = time.perf_counter() - start
    gb = size / 1e9
    print(f"bytes: {size} ({gb:.2f} GB), segment {SEGMENT >> 20} MiB")
    print(f"raw AESGCM in memory     : {gb / raw:6.2f} GB/s")
    print(f"plain copy file->file    : {gb / copy:6.2f} GB/s (with fsync: the I/O ceiling)")
    print(f"envelope file->file      : {gb / env:6.2f} GB/s (with fsync)")
    print(f"envelope open file->null : {gb / dec:6.2f} GB/s")
    print(f"ratio envelope/raw: {raw / env:.2f} (goal >= 0.67)")
    print(f"ratio envelope/plain copy: {copy / env:.2f}")


if __name__ == "__main__":
    main()
