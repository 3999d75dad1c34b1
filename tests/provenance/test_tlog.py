"""Managed-key bundles: every transparency-log entry and timestamp is verified, or refused.

Each corrupted case starts from sigstore-conformance's ``managed-key-happy-path`` bundle (a real
Rekor entry and a real RFC 3161 timestamp) and changes one thing, as the conformance suite's own
``*_fail`` cases do for keyless bundles. Before petgov checked log material itself, every one of
these still verified (issue 24: "corrupted ones still give verified: true").
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.errors import VerificationError
from petgov.provenance.interface import TrustMaterial
from petgov.provenance.keybundle import load_public_key, verify_bundle
from petgov.provenance.sigbundle import verify_file
from tests.conftest import corpus_path

Bundle = dict[str, Any]


def _case() -> tuple[Path, Bundle, Path, Path]:
    case = corpus_path(
        "provenance", "sigstore-conformance", "bundle-verify", "managed-key-happy-path"
    )
    artifact = case.parent.parent / "a.txt"
    root = corpus_path("provenance", "trust", "production_trusted_root.json")
    return artifact, json.loads((case / "bundle.sigstore.json").read_text()), case / "key.pub", root


def _entry(b: Bundle) -> dict[str, Any]:
    entry: dict[str, Any] = b["verificationMaterial"]["tlogEntries"][0]
    return entry


def _flip_b64(value: str, at: int = 5) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[at % len(raw)] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _body(b: Bundle, change: Callable[[dict[str, Any]], None]) -> None:
    body = json.loads(base64.b64decode(_entry(b)["canonicalizedBody"]))
    change(body)
    _entry(b)["canonicalizedBody"] = base64.b64encode(
        json.dumps(body, separators=(",", ":")).encode()
    ).decode()


def _set_hash(body: dict[str, Any]) -> None:
    body["spec"]["data"]["hash"]["value"] = "00" * 32


def _set_sig(body: dict[str, Any]) -> None:
    body["spec"]["signature"]["content"] = _flip_b64(body["spec"]["signature"]["content"])


def _checkpoint(b: Bundle) -> None:
    proof = _entry(b)["inclusionProof"]
    env: str = proof["checkpoint"]["envelope"]
    lines = env.split("\n")
    lines[1] = str(int(lines[1]) + 1)  # the tree size the log signed
    proof["checkpoint"]["envelope"] = "\n".join(lines)


CORRUPTIONS: dict[str, Callable[[Bundle], None]] = {
    "inclusion-proof-hash": lambda b: _entry(b)["inclusionProof"]["hashes"].__setitem__(
        0, _flip_b64(_entry(b)["inclusionProof"]["hashes"][0])
    ),
    "inclusion-proof-root": lambda b: _entry(b)["inclusionProof"].__setitem__(
        "rootHash", _flip_b64(_entry(b)["inclusionProof"]["rootHash"])
    ),
    "inclusion-proof-index": lambda b: _entry(b)["inclusionProof"].__setitem__(
        "logIndex", str(int(_entry(b)["inclusionProof"]["logIndex"]) + 1)
    ),
    "checkpoint-tree-size": _checkpoint,
    "signed-entry-timestamp": lambda b: _entry(b)["inclusionPromise"].__setitem__(
        "signedEntryTimestamp", _flip_b64(_entry(b)["inclusionPromise"]["signedEntryTimestamp"])
    ),
    "integrated-time": lambda b: _entry(b).__setitem__(
        "integratedTime", str(int(_entry(b)["integratedTime"]) + 60)
    ),
    "log-index": lambda b: _entry(b).__setitem__("logIndex", str(int(_entry(b)["logIndex"]) + 1)),
    "unknown-log-id": lambda b: _entry(b).__setitem__(
        "logId", {"keyId": base64.b64encode(b"\x07" * 32).decode()}
    ),
    "body-other-artifact": lambda b: _body(b, _set_hash),
    "body-other-signature": lambda b: _body(b, _set_sig),
    "no-signed-time-at-all": lambda b: (
        _entry(b).pop("inclusionPromise"),
        b["verificationMaterial"].pop("timestampVerificationData"),
    ),
    "timestamp-corrupted": lambda b: b["verificationMaterial"]["timestampVerificationData"][
        "rfc3161Timestamps"
    ][0].__setitem__(
        "signedTimestamp",
        _flip_b64(
            b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0][
                "signedTimestamp"
            ],
            at=-40,
        ),
    ),
    "timestamp-repeated": lambda b: b["verificationMaterial"]["timestampVerificationData"][
        "rfc3161Timestamps"
    ].append(b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]),
    "media-type": lambda b: b.__setitem__("mediaType", "application/vnd.example.bundle+json"),
}


def _verify(bundle: Bundle, key: Path, artifact: Path, root: Path | None) -> dict[str, Any]:
    import hashlib

    data = artifact.read_bytes()
    return verify_bundle(
        bundle, load_public_key(key), hashlib.sha256(data).hexdigest(), data, trust_root=root
    )


def test_happy_path_verifies_its_log_entry_and_timestamp() -> None:
    artifact, bundle, key, root = _case()
    info = _verify(bundle, key, artifact, root)
    assert info["log"] == {
        "tlog_entries": 1,
        "timestamps": 1,
        "integrated_times": [int(_entry(bundle)["integratedTime"])],
    }


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_corrupted_log_material_is_refused(name: str) -> None:
    artifact, bundle, key, root = _case()
    bad = copy.deepcopy(bundle)
    CORRUPTIONS[name](bad)
    assert bad != bundle
    with pytest.raises(VerificationError):
        _verify(bad, key, artifact, root)


def test_log_material_without_a_trust_root_is_refused_not_ignored(tmp_path: Path) -> None:
    artifact, bundle, key, _ = _case()
    sig = tmp_path / "a.txt.sigstore.json"
    sig.write_text(json.dumps(bundle))
    with pytest.raises(VerificationError, match="without a trusted root") as err:
        verify_file(artifact, sig, TrustMaterial(key=key))
    assert "--trust-root" in (err.value.hint or "")


def test_timestamps_need_a_timestamp_authority_in_the_root(tmp_path: Path) -> None:
    artifact, bundle, key, root = _case()
    doc = json.loads(root.read_text())
    doc["timestampAuthorities"] = []
    no_tsa = tmp_path / "root-without-tsa.json"
    no_tsa.write_text(json.dumps(doc))
    with pytest.raises(VerificationError, match="no timestamp authority"):
        _verify(bundle, key, artifact, no_tsa)


def test_a_bundle_without_log_material_needs_no_root(tmp_path: Path) -> None:
    """petgov's own receipts and model-signing key bundles carry no log entries: key alone."""
    artifact, bundle, key, _ = _case()
    bare = copy.deepcopy(bundle)
    bare["verificationMaterial"]["tlogEntries"] = []
    bare["verificationMaterial"].pop("timestampVerificationData")
    assert _verify(bare, key, artifact, None)["log"]["tlog_entries"] == 0


def test_a_timestamp_may_stand_in_for_the_signed_entry_timestamp() -> None:
    """Bundle spec v0.3: the inclusion promise is optional when a signed timestamp is present."""
    artifact, bundle, key, root = _case()
    _entry(bundle).pop("inclusionPromise")
    info = _verify(bundle, key, artifact, root)
    assert info["log"]["tlog_entries"] == 1 and info["log"]["timestamps"] == 1
