"""Transparency-log entries and RFC 3161 timestamps in managed-key Sigstore bundles.

sigstore-python refuses bundles without a Fulcio certificate, so petgov checks managed-key
bundles itself. A bundle that *carries* log entries or timestamps makes a claim ("this signature
was logged / existed at time T"); petgov verifies every such claim against the trusted root or
refuses the bundle. It never reports a bundle as verified while part of it went unchecked.

What is checked per log entry: the canonicalized body names this signature, this key and this
artifact (hashedrekord) or this envelope (dsse); the Merkle inclusion proof reaches the root
hash; the checkpoint is signed by a log in the trusted root; the signed entry timestamp
(inclusion promise) is signed by that log. Per timestamp: the RFC 3161 token is signed by a
timestamp authority of the trusted root, over this signature, within the authority's validity.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petgov.errors import UsageError, VerificationError

# The bundle media types of the Sigstore bundle spec (v0.1 and v0.2 used the +json;version form).
BUNDLE_MEDIA_TYPES = frozenset(
    {
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "application/vnd.dev.sigstore.bundle.v0.3+json",
    }
)
MAX_TIMESTAMPS = 32  # sigstore-python's bound too: a bundle is not a place for thousands


@dataclass(frozen=True)
class LogCheck:
    """What the bundle's log material proved: counts of verified entries and timestamps."""

    entries: int = 0
    timestamps: int = 0
    integrated_times: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "tlog_entries": self.entries,
            "timestamps": self.timestamps,
            "integrated_times": list(self.integrated_times),
        }


def check_media_type(bundle: Mapping[str, Any]) -> None:
    """A bundle names what it is; anything else is not a bundle petgov understands."""
    media = bundle.get("mediaType")
    if media not in BUNDLE_MEDIA_TYPES:
        raise VerificationError(
            f"unsupported bundle mediaType {media!r}",
            hint="expected a Sigstore bundle v0.1-v0.3",
        )


def _material(bundle: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
    vm = bundle.get("verificationMaterial")
    if not isinstance(vm, Mapping):
        raise VerificationError("bundle has no verificationMaterial")
    entries = vm.get("tlogEntries") or []
    tsd = vm.get("timestampVerificationData") or {}
    stamps = (tsd.get("rfc3161Timestamps") or []) if isinstance(tsd, Mapping) else None
    if not isinstance(entries, list) or not isinstance(stamps, list):
        raise VerificationError("bundle's tlogEntries/timestampVerificationData are malformed")
    return entries, stamps


def check_log_material(
    bundle: Mapping[str, Any],
    *,
    public_key: Any,
    signature: bytes,
    artifact_sha256: str | None,
    trust_root: Path | None,
) -> LogCheck:
    """Verify every log entry and timestamp ``bundle`` carries, or raise VerificationError.

    ``signature`` is the bundle's signature (message signature, or the DSSE envelope's), the
    message the timestamps must cover. ``artifact_sha256`` (hex) is checked against hashedrekord
    bodies when known. With nothing to check, no trust root is needed.
    """
    check_media_type(bundle)
    entries, stamps = _material(bundle)
    if not entries and not stamps:
        return LogCheck()
    if trust_root is None:
        raise VerificationError(
            f"the bundle carries {len(entries)} transparency-log entr"
            f"{'y' if len(entries) == 1 else 'ies'} and {len(stamps)} timestamp(s) that "
            "cannot be checked without a trusted root",
            hint="pass --trust-root trusted_root.json (petgov never fetches one)",
        )
    root = load_trusted_root(trust_root)
    times = tuple(
        _check_entry(e, root, public_key, signature, artifact_sha256, bundle, bool(stamps))
        for e in entries
    )
    verified_stamps = _check_timestamps(stamps, root, signature)
    return LogCheck(len(entries), verified_stamps, times)


def load_trusted_root(path: Path) -> Any:
    """A sigstore ``TrustedRoot`` from a trusted_root.json or a client trust config file."""
    from sigstore.models import TrustedRoot

    try:
        doc = json.loads(path.read_bytes())
        if isinstance(doc, dict) and "trustedRoot" in doc:  # a client trust config
            from sigstore_models.trustroot.v1 import TrustedRoot as _Inner

            return TrustedRoot(_Inner.from_json(json.dumps(doc["trustedRoot"])))
        return TrustedRoot.from_file(str(path))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot load trusted root {path}: {brief(exc)}") from exc
    except Exception as exc:  # sigstore/pydantic raise their own errors on bad roots
        raise UsageError(
            f"invalid trusted root {path}: {brief(exc)}",
            hint="pass a Sigstore trusted_root.json or client trust config file",
        ) from exc


def _spki(public_key: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    der: bytes = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return der


def _pem_key_spki(b64_pem: Any, what: str) -> bytes:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        return _spki(load_pem_public_key(base64.b64decode(str(b64_pem), validate=True)))
    except (TypeError, ValueError) as exc:
        raise VerificationError(f"log entry {what} is not a PEM public key") from exc


def _body(entry: Mapping[str, Any]) -> dict[str, Any]:
    try:
        body = json.loads(base64.b64decode(str(entry.get("canonicalizedBody")), validate=True))
    except (TypeError, ValueError) as exc:
        raise VerificationError("log entry body is not base64 JSON") from exc
    if not isinstance(body, dict) or not isinstance(body.get("spec"), dict):
        raise VerificationError("log entry body has no spec")
    return body


def _check_body(
    entry: Mapping[str, Any],
    public_key: Any,
    signature: bytes,
    artifact_sha256: str | None,
    bundle: Mapping[str, Any],
) -> None:
    """The logged body must describe this signature by this key (not some other entry)."""
    body = _body(entry)
    kind = (body.get("kind"), body.get("apiVersion"))
    declared = entry.get("kindVersion") or {}
    if kind != (declared.get("kind"), declared.get("version")):
        raise VerificationError(f"log entry body is {kind[0]} {kind[1]}, entry says {declared}")
    spec = body["spec"]
    key = _spki(public_key)
    if kind == ("hashedrekord", "0.0.1"):
        sig = spec.get("signature") or {}
        if _b64(sig.get("content")) != signature:
            raise VerificationError("log entry records a different signature")
        if _pem_key_spki((sig.get("publicKey") or {}).get("content"), "key") != key:
            raise VerificationError("log entry records a different public key")
        digest = ((spec.get("data") or {}).get("hash") or {}).get("value")
        if artifact_sha256 is not None and str(digest).lower() != artifact_sha256.lower():
            raise VerificationError("log entry is for a different artifact")
        return
    if kind == ("dsse", "0.0.1"):
        env = bundle.get("dsseEnvelope") or {}
        payload = _b64(env.get("payload"))
        logged = {_b64(s.get("signature")) for s in spec.get("signatures") or []}
        keys = {_pem_key_spki(s.get("verifier"), "verifier") for s in spec.get("signatures") or []}
        payload_hash = (spec.get("payloadHash") or {}).get("value")
        if signature not in logged or key not in keys:
            raise VerificationError("log entry records a different envelope signature or key")
        if str(payload_hash).lower() != hashlib.sha256(payload).hexdigest():
            raise VerificationError("log entry records a different DSSE payload")
        return
    raise VerificationError(f"log entries of kind {kind[0]} {kind[1]} are not supported")


def _b64(value: Any) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (TypeError, ValueError) as exc:
        raise VerificationError("log entry field is not valid base64") from exc


def _check_entry(
    entry: Any,
    root: Any,
    public_key: Any,
    signature: bytes,
    artifact_sha256: str | None,
    bundle: Mapping[str, Any],
    timestamped: bool,
) -> int:
    """Verify one entry (body, inclusion proof, checkpoint, SET); returns its integrated time
    (0 without one).

    As the bundle spec says, the signed entry timestamp may be absent only when an RFC 3161
    timestamp gives the signed time instead (those are checked by the caller)."""
    from sigstore._internal.trust import KeyringPurpose
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import TransparencyLogEntry
    from sigstore_models.rekor.v1 import TransparencyLogEntry as _Inner

    if not isinstance(entry, Mapping):
        raise VerificationError("a tlogEntries item is not an object")
    _check_body(entry, public_key, signature, artifact_sha256, bundle)
    try:
        tle = TransparencyLogEntry(_Inner.from_json(json.dumps(entry)))
        promised = tle._inner.inclusion_promise is not None and bool(tle._inner.integrated_time)
        if not promised and not timestamped:
            raise VerificationError(
                "log entry has no signed entry timestamp and the bundle no RFC 3161 timestamp"
            )
        tle._verify(root.rekor_keyring(KeyringPurpose.VERIFY))
    except VerificationError:
        raise
    except (SigstoreError, ValueError) as exc:
        raise VerificationError(f"transparency-log entry does not verify: {brief(exc)}") from exc
    except Exception as exc:  # malformed entries surface as pydantic errors
        raise VerificationError(f"transparency-log entry is malformed: {brief(exc)}") from exc
    return int(tle._inner.integrated_time or 0) if promised else 0


def _check_timestamps(stamps: Sequence[Any], root: Any, signature: bytes) -> int:
    """Every RFC 3161 timestamp must verify against a TSA of the trusted root."""
    if not stamps:
        return 0
    if len(stamps) > MAX_TIMESTAMPS:
        raise VerificationError(f"too many timestamps ({len(stamps)} > {MAX_TIMESTAMPS})")
    if not root.get_timestamp_authorities():
        raise VerificationError(
            "the bundle carries RFC 3161 timestamps but the trusted root has no timestamp "
            "authority to check them"
        )
    from rfc3161_client import decode_timestamp_response
    from sigstore.verify import Verifier

    verifier = Verifier(trusted_root=root)
    seen: set[bytes] = set()
    for n, stamp in enumerate(stamps, 1):
        raw = _b64(stamp.get("signedTimestamp") if isinstance(stamp, Mapping) else None)
        if raw in seen:
            raise VerificationError("the bundle repeats a timestamp")
        seen.add(raw)
        try:
            response = decode_timestamp_response(raw)
            ok = verifier._verify_signed_timestamp(response, signature)
        except Exception as exc:  # rfc3161-client raises ValueError and its own types
            raise VerificationError(f"timestamp {n} is malformed: {brief(exc)}") from exc
        if ok is None:
            raise VerificationError(
                f"timestamp {n} does not verify against the trusted root's timestamp authorities"
            )
    return len(stamps)


def brief(exc: Exception) -> str:
    """A library error in a sentence: pydantic lists every field over many lines with URLs."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            found = errors()
        except Exception:  # not pydantic after all
            found = None
        if isinstance(found, list) and found and isinstance(found[0], dict):
            first = found[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "document"
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            return f"{where}: {first.get('msg', 'invalid')}{more}"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
