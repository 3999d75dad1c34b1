"""Envelope round trips, and every kind of tampering is refused."""

from __future__ import annotations

import io
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519

from petgov.cleanroom.envelope import (
    SEGMENT,
    TAG,
    EnvelopeError,
    EnvelopeWriter,
    Recipient,
    encrypt_stream,
    open_envelope,
)
from petgov.errors import VerificationError


def _pem(key: object) -> bytes:
    return key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


KEYS = {
    "x25519": x25519.X25519PrivateKey.generate,
    "p256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "p384": lambda: ec.generate_private_key(ec.SECP384R1()),
}


def _seal(data: bytes, key: object, meta: dict[str, str] | None = None) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, Recipient.from_pem(_pem(key)), meta)
    return out.getvalue()


def _open(blob: bytes, key: object) -> bytes:
    out = io.BytesIO()
    open_envelope(io.BytesIO(blob), out, key)
    return out.getvalue()


@pytest.mark.parametrize("kind", sorted(KEYS))
@pytest.mark.parametrize("size", [0, 1, 1024, SEGMENT, SEGMENT + 1, 2 * SEGMENT + 7])
def test_round_trip(kind: str, size: int) -> None:
    key = KEYS[kind]()
    data = os.urandom(size)
    blob = _seal(data, key, {"name": "model"})
    assert size < 16 or data not in blob
    assert _open(blob, key) == data


def test_writer_stream_matches_file_path() -> None:
    key = x25519.X25519PrivateKey.generate()
    out = io.BytesIO()
    w = EnvelopeWriter(out, Recipient.from_pem(_pem(key)))
    data = os.urandom(SEGMENT * 2 + 5)
    for i in range(0, len(data), 70_000):
        w.write(data[i : i + 70_000])
    w.close()
    assert _open(out.getvalue(), key) == data


def test_wrong_key_is_refused() -> None:
    blob = _seal(b"secret weights", x25519.X25519PrivateKey.generate())
    with pytest.raises(VerificationError, match="different key"):
        _open(blob, x25519.X25519PrivateKey.generate())


def _header_len(blob: bytes) -> int:
    return 7 + 4 + int.from_bytes(blob[7:11], "big")


@pytest.mark.parametrize("where", ["header", "wrapped", "body", "tag"])
def test_bit_flips_are_refused(where: str) -> None:
    key = x25519.X25519PrivateKey.generate()
    blob = bytearray(_seal(os.urandom(5000), key, {"name": "m"}))
    hl = _header_len(bytes(blob))
    pos = {
        "header": blob.index(b'"name"') + 2,
        "wrapped": blob.index(b'"wrapped_key":"') + 20,
        "body": hl + 10,
        "tag": len(blob) - 1,
    }[where]
    blob[pos] ^= 0x01
    with pytest.raises((VerificationError, EnvelopeError)):
        _open(bytes(blob), key)


def test_truncation_at_a_segment_boundary_is_refused() -> None:
    key = x25519.X25519PrivateKey.generate()
    blob = _seal(os.urandom(2 * SEGMENT + 10), key)
    cut = _header_len(blob) + 2 * (SEGMENT + TAG)
    with pytest.raises(VerificationError, match="segment 1"):
        _open(blob[:cut], key)


def test_reordered_segments_are_refused() -> None:
    key = x25519.X25519PrivateKey.generate()
    blob = _seal(os.urandom(3 * SEGMENT), key)
    hl = _header_len(blob)
    s = SEGMENT + TAG
    segs = [blob[hl + i * s : hl + (i + 1) * s] for i in range(3)]
    with pytest.raises(VerificationError):
        _open(blob[:hl] + segs[1] + segs[0] + segs[2], key)


def test_unsupported_key_type_is_a_clear_error() -> None:
    with pytest.raises(EnvelopeError, match="unsupported TEE key type"):
        Recipient.from_pem(_pem(ed25519.Ed25519PrivateKey.generate()))
    with pytest.raises(EnvelopeError, match="not a PEM public key"):
        Recipient.from_pem(b"garbage")


class _PatternStream(io.RawIOBase):
    """``size`` bytes of a repeating random block, produced on the fly (no 2 GB in memory)."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.block = os.urandom(1 << 20)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        out = (self.block * (n // len(self.block) + 1))[:n]
        self.left -= n
        return out


class _HashSink(io.RawIOBase):
    def __init__(self) -> None:
        import hashlib

        self.h = hashlib.sha256()
        self.n = 0

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.h.update(b)
        self.n += len(b)
        return len(b)


@pytest.mark.slow  # ~1 min of AES-GCM over 2 GiB: `-m 'not slow'` skips it while iterating
def test_round_trip_2_gib_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    size = 2 << 30
    key = x25519.X25519PrivateKey.generate()
    src = _PatternStream(size)
    expect = hashlib.sha256()
    pattern = src.block
    for _ in range(size // len(pattern)):
        expect.update(pattern)
    sealed = tmp_path / "big.env"
    with open(sealed, "wb") as out:
        assert encrypt_stream(src, out, Recipient.from_pem(_pem(key))) == size  # type: ignore[arg-type]
    sink = _HashSink()
    with open(sealed, "rb") as fh:
        open_envelope(fh, sink, key)  # type: ignore[arg-type]
    assert sink.n == size and sink.h.hexdigest() == expect.hexdigest()
    sealed.unlink()
