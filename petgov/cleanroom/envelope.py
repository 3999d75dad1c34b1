"""The petgov envelope: an artifact encrypted so that only the attested TEE key can open it.

Established constructions only, nothing home-made:
- the 32-byte data key is wrapped to the TEE's public key with HPKE (RFC 9180, base mode;
  DHKEM X25519 / P-256 / P-384 + HKDF-SHA256 + AES-256-GCM, from ``cryptography``);
- the payload is encrypted with the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár,
  "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", 2015) as used by
  age: fixed-size segments, nonce = 11-byte big-endian segment counter || last-segment flag,
  here with AES-256-GCM under a payload key derived by HKDF-SHA256 from the data key and a salt.

Layout (docs/cleanroom.md): ``MAGIC | u32 header length | header JSON | segments``. The header
(suite, wrapped key, salt, segment size, recipient key digest, artifact metadata) is HPKE ``info``
for the key wrap and AAD for every segment, so changing any header byte breaks decryption.
Truncation, reordering or a dropped final segment fail the last-flag or tag checks.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from petgov.errors import PetgovError, VerificationError

MAGIC = b"PGENV1\n"
SEGMENT = 4 << 20  # 4 MiB: large enough that per-segment overhead is noise
TAG = 16
_WRITE_DEPTH = 3  # sealed segments in flight to the writer thread
_INFO_PREFIX = b"petgov-envelope-v1 "


class EnvelopeError(PetgovError):
    """An envelope cannot be written or read (bad key, damaged or tampered file)."""


@dataclass(frozen=True)
class Recipient:
    """A TEE public key and the HPKE KEM that fits it."""

    key: Any  # cryptography public key (X25519 / EC P-256 / EC P-384)
    kem: str
    spki_sha256: str

    @classmethod
    def from_pem(cls, pem: bytes) -> Recipient:
        """Load a PEM public key; refuse key types HPKE cannot wrap to."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, x25519

        try:
            key = serialization.load_pem_public_key(pem)
        except ValueError as exc:
            raise EnvelopeError(
                "not a PEM public key", hint="pass the TEE's public key as PEM"
            ) from exc
        if isinstance(key, x25519.X25519PublicKey):
            kem = "X25519"
        elif isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in (
            "secp256r1",
            "secp384r1",
        ):
            kem = "P256" if key.curve.name == "secp256r1" else "P384"
        else:
            raise EnvelopeError(
                f"unsupported TEE key type {type(key).__name__}",
                hint="use an X25519, P-256 or P-384 public key",
            )
        return cls(key=key, kem=kem, spki_sha256=spki_sha256(key))


def spki_sha256(public_key: Any) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo: the key identity attestation binds."""
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _suite(kem: str) -> Any:
    from cryptography.hazmat.primitives import hpke

    return hpke.Suite(getattr(hpke.KEM, kem), hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def _payload_key(data_key: bytes, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), 32, salt, b"petgov-envelope-v1 payload").derive(data_key)


def _nonce(counter: int, last: bool) -> bytes:
    if counter >= 1 << 88:
        raise EnvelopeError("artifact too large for one envelope")
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EnvelopeWriter:
    """A write-only stream that encrypts segment by segment into ``out``."""

    def __init__(
        self, out: IO[bytes], recipient: Recipient, metadata: Mapping[str, Any] | None = None
    ) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        data_key = os.urandom(32)
        salt = os.urandom(16)
        header = {
            "v": 1,
            "suite": f"HPKE-base/{recipient.kem}/HKDF-SHA256/AES-256-GCM+STREAM-AES-256-GCM",
            "kem": recipient.kem,
            "recipient_spki_sha256": recipient.spki_sha256,
            "salt": base64.b64encode(salt).decode(),
            "segment": SEGMENT,
            "metadata": dict(metadata or {}),
        }
        body = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
        wrapped = _suite(recipient.kem).encrypt(data_key, recipient.key, info=_INFO_PREFIX + body)
        full = {"h": header, "wrapped_key": base64.b64encode(wrapped).decode()}
        raw = json.dumps(full, sort_keys=True, separators=(",", ":")).encode()
        out.write(MAGIC + struct.pack(">I", len(raw)) + raw)
        self._aad = hashlib.sha256(raw).digest()
        self._aead = AESGCM(_payload_key(data_key, salt))
        self._out = out
        self._buf = bytearray()
        self._counter = 0
        self.plaintext_bytes = 0
        self._closed = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Buffer ``data``; every full segment is sealed once more data follows it."""
        self._buf += data
        self.plaintext_bytes += len(data)
        # Keep at least one byte back: the final segment is sealed with the last flag.
        while len(self._buf) > SEGMENT:
            self._seal(bytes(self._buf[:SEGMENT]), last=False)
            del self._buf[:SEGMENT]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        self._out.write(self._aead.encrypt(_nonce(self._counter, last), chunk, self._aad))
        self._counter += 1

    def close(self) -> None:
        """Seal the final segment (possibly empty). Must be called exactly once."""
        if not self._closed:
            self._seal(bytes(self._buf), last=True)
            self._buf.clear()
            self._closed = True


@dataclass(frozen=True)
class EnvelopeHeader:
    """What an envelope says about itself (authenticated once it decrypts)."""

    kem: str
    recipient_spki_sha256: str
    metadata: Mapping[str, Any]


def read_header(fh: IO[bytes]) -> tuple[EnvelopeHeader, dict[str, Any], bytes]:
    """Parse the header; returns (header, raw dict, raw bytes). Nothing is trusted yet."""
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        raise EnvelopeError("not a petgov envelope (bad magic)")
    size_raw = fh.read(4)
    if len(size_raw) != 4:
        raise EnvelopeError("truncated envelope header")
    (size,) = struct.unpack(">I", size_raw)
    if size > 1 << 20:
        raise EnvelopeError("envelope header too large")
    raw = fh.read(size)
    try:
        full = json.loads(raw)
        h = full["h"]
        header = EnvelopeHeader(h["kem"], h["recipient_spki_sha256"], h.get("metadata", {}))
    except (ValueError, KeyError, TypeError) as exc:
        raise EnvelopeError(f"damaged envelope header: {exc}") from exc
    return header, full, raw


def open_envelope(src: IO[bytes], dst: IO[bytes], private_key: Any) -> EnvelopeHeader:
    """Decrypt ``src`` into ``dst`` with the TEE's private key; any tampering raises."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header, full, raw = read_header(src)
    h = full["h"]
    if spki_sha256(private_key.public_key()) != header.recipient_spki_sha256:
        raise VerificationError(
            "this envelope was encrypted to a different key",
            hint="open it inside the TEE whose key was attested",
        )
    body = json.dumps(h, sort_keys=True, separators=(",", ":")).encode()
    try:
        data_key = _suite(header.kem).decrypt(
            base64.b64decode(full["wrapped_key"]), private_key, info=_INFO_PREFIX + body
        )
    except Exception as exc:  # cryptography raises InvalidTag or ValueError
        raise VerificationError(f"cannot unwrap the data key: {type(exc).__name__}") from exc
    aead = AESGCM(_payload_key(data_key, base64.b64decode(h["salt"])))
    aad = hashlib.sha256(raw).digest()
    seg = int(h["segment"]) + TAG
    counter = 0
    pending = src.read(seg)
    while True:
        nxt = src.read(seg)
        last = not nxt
        try:
            dst.write(aead.decrypt(_nonce(counter, last), pending, aad))
        except InvalidTag:
            raise VerificationError(
                f"segment {counter} failed authentication (tampered, truncated or reordered)"
            ) from None
        if last:
            return header
        counter += 1
        pending = nxt


def encrypt_stream(
    src: IO[bytes], out: IO[bytes], recipient: Recipient, metadata: Mapping[str, Any] | None = None
) -> int:
    """Encrypt all of ``src`` into ``out``; returns plaintext bytes.

    Reading and sealing run on this thread, writing on another: AES-GCM and file writes both
    release the GIL, so the two overlap and the envelope costs little more than a plain copy.
    Buffers are reused (``encrypt_into``): fresh 4 MiB objects per segment cost page faults.
    """
    import queue
    import threading

    writer = EnvelopeWriter(out, recipient, metadata)
    free: queue.Queue[bytearray] = queue.Queue()
    for _ in range(_WRITE_DEPTH):
        free.put(bytearray(SEGMENT + TAG))
    full: queue.Queue[memoryview | None] = queue.Queue()
    failure: list[BaseException] = []

    def drain() -> None:
        while (view := full.get()) is not None:
            try:
                if not failure:
                    out.write(view)
            except BaseException as exc:  # re-raised on the caller's thread
                failure.append(exc)
            free.put(view.obj)  # type: ignore[arg-type]

    thread = threading.Thread(target=drain, name="petgov-envelope-writer", daemon=True)
    thread.start()
    bufs = (bytearray(SEGMENT), bytearray(SEGMENT))
    cur, counter = 0, 0
    n = _fill(src, bufs[cur])
    total = n
    try:
        while not failure:
            nxt_n = _fill(src, bufs[1 - cur])
            last = nxt_n == 0
            sealed = free.get()
            target = memoryview(sealed)[: n + TAG]
            writer._aead.encrypt_into(
                _nonce(counter, last), memoryview(bufs[cur])[:n], writer._aad, target
            )
            full.put(target)
            counter += 1
            if last:
                break
            cur, n = 1 - cur, nxt_n
            total += n
    finally:
        full.put(None)
        thread.join()
    if failure:
        raise failure[0]
    writer._closed = True
    writer.plaintext_bytes = total
    return total


def _fill(src: IO[bytes], buf: bytearray) -> int:
    """Read until ``buf`` is full or the stream ends (readinto may return short counts)."""
    view = memoryview(buf)
    got = 0
    while got < len(buf):
        try:
            n = src.readinto(view[got:])  # type: ignore[attr-defined]
        except (AttributeError, NotImplementedError, io.UnsupportedOperation):
            chunk = src.read(len(buf) - got)
            n = len(chunk)
            view[got : got + n] = chunk
        if not n:
            break
        got += n
    return got
