"""OpenSSF model-signing (``model.sig``): sign and verify folders and files, fully offline.

model-signing does the cryptography and the re-hashing; petgov adds what its API leaves to
the caller: the hashing config read from the signed manifest (1.1.1 cannot guess a sharded
one), a bare ``trusted_root.json`` wrapped into a client trust config (no TUF refresh), and
unsigned extra files reported instead of failing obscurely or being silently ignored.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petgov.errors import UsageError, VerificationError
from petgov.provenance.interface import TrustMaterial, Verified
from petgov.provenance.keybundle import (
    key_fingerprint,
    load_public_key,
    read_bundle,
    verify_dsse_signature,
)
from petgov.provenance.tlog import check_log_material

SIGNATURE_NAME = "model.sig"
GIT_PATHS = (".git", ".gitattributes", ".github", ".gitignore")


@dataclass(frozen=True)
class SignedManifest:
    """The unverified content of a model.sig: enough to plan the verification."""

    subject_sha256: str
    files: tuple[str, ...]
    serialization: Mapping[str, Any]
    kind: str  # "key" | "certificate" | "sigstore" as the bundle's material suggests

    @property
    def ignore_paths(self) -> tuple[str, ...]:
        return tuple(str(p) for p in self.serialization.get("ignore_paths", ()))


def read_manifest(signature: Path) -> SignedManifest:
    """Parse (without trusting) the in-toto statement inside a model-signing bundle."""
    bundle = read_bundle(signature)
    try:
        env = bundle["dsseEnvelope"]
        stmt = json.loads(base64.b64decode(env["payload"], validate=True))
        subject = stmt["subject"][0]["digest"]["sha256"]
        pred = stmt["predicate"]
        names = {str(r["name"]).split(":", 1)[0] for r in pred["resources"]}
        serialization = dict(pred["serialization"])
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise VerificationError(f"{signature} is not a model-signing bundle") from exc
    material = bundle.get("verificationMaterial") or {}
    if "publicKey" in material:
        kind = "key"
    elif material.get("tlogEntries"):
        kind = "sigstore"
    else:
        kind = "certificate"
    return SignedManifest(str(subject), tuple(sorted(names)), serialization, kind)


def _on_disk(root: Path) -> list[str]:
    if root.is_file():
        return ["."]
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        out.extend(Path(dirpath, n).relative_to(root).as_posix() for n in sorted(filenames))
    return out


def _ignored(rel: str, patterns: Sequence[str]) -> bool:
    return any(rel == p or rel.startswith(p.rstrip("/") + "/") for p in patterns)


def unsigned_files(
    model: Path, manifest: SignedManifest, signature: Path, extra_ignores: Sequence[str] = ()
) -> list[str]:
    """Files present in ``model`` that the signature neither covers nor explicitly ignores."""
    ignores = [*manifest.ignore_paths, *GIT_PATHS, *extra_ignores]
    with contextlib.suppress(ValueError):
        ignores.append(signature.resolve().relative_to(model.resolve()).as_posix())
    signed = set(manifest.files)
    return [f for f in _on_disk(model) if f not in signed and not _ignored(f, ignores)]


def _hashing_config(
    manifest: SignedManifest, ignores: Sequence[str], follow_symlinks: bool = False
) -> Any:
    hashing: Any = importlib.import_module("model_signing.hashing")

    ser = manifest.serialization
    algo = str(ser.get("hash_type", "sha256"))
    symlinks = follow_symlinks or bool(ser.get("allow_symlinks", False))
    if ser.get("method") == "shards":
        cfg = hashing.Config().use_shard_serialization(
            hashing_algorithm=algo,
            shard_size=int(ser.get("shard_size", 1_000_000_000)),
            allow_symlinks=symlinks,
        )
    else:
        cfg = hashing.Config().use_file_serialization(
            hashing_algorithm=algo,
            allow_symlinks=symlinks,
        )
    cfg = cfg.set_allow_symlinks(symlinks)  # hash() re-applies this to the serializer
    return cfg.set_ignored_paths(paths=list(ignores), ignore_git_paths=True)


def client_trust_config(trust_root: Path, workdir: Path) -> Path:
    """A client trust config file for ``trust_root`` (a bare trusted_root.json is wrapped)."""
    try:
        doc = json.loads(trust_root.read_bytes())
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read trust root {trust_root}") from exc
    if isinstance(doc, dict) and "trustedRoot" in doc:
        return trust_root
    wrapped = {
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": doc,
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [],
            "oidcUrls": [],
            "rekorTlogUrls": [],
            "tsaUrls": [],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        },
    }
    out = workdir / "client_trust_config.json"
    out.write_text(json.dumps(wrapped))
    return out


def _leaf_identity(signature: Path) -> str:
    """SAN (or subject) of the signing certificate recorded in the bundle."""
    from cryptography import x509

    material = read_bundle(signature).get("verificationMaterial") or {}
    raw = (material.get("certificate") or {}).get("rawBytes")
    if raw is None:
        chain = (material.get("x509CertificateChain") or {}).get("certificates") or []
        raw = chain[0].get("rawBytes") if chain else None
    if raw is None:
        return "certificate:unknown"
    cert = x509.load_der_x509_certificate(base64.b64decode(raw))
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(v) for v in san.get_values_for_type(x509.RFC822Name)]
        names += [str(v) for v in san.get_values_for_type(x509.UniformResourceIdentifier)]
        names += [str(v) for v in san.get_values_for_type(x509.DNSName)]
        if names:
            return names[0]
    except x509.ExtensionNotFound:
        pass
    return cert.subject.rfc4514_string()


def verify_model(
    model: Path,
    signature: Path,
    trust: TrustMaterial,
    *,
    ignore_paths: Sequence[str] = (),
    allow_unsigned: bool = False,
    follow_symlinks: bool = False,
) -> Verified:
    """Verify ``signature`` over ``model``; raise VerificationError on any mismatch.

    ``follow_symlinks`` is for hub snapshots, whose files are links into the blob store
    (each already checked to stay inside it).

    Unsigned extra files make verification fail unless ``allow_unsigned``; either way they are
    listed in ``Verified.detail["unsigned_files"]`` so nobody ignores them by accident.
    """
    verifying: Any = importlib.import_module("model_signing.verifying")

    manifest = read_manifest(signature)
    extras = unsigned_files(model, manifest, signature, ignore_paths)
    if extras and not allow_unsigned:
        raise VerificationError(
            f"{len(extras)} file(s) not covered by the signature: {', '.join(extras[:5])}",
            hint="remove them, re-sign, or pass --ignore-path for files you do not ship",
        )
    sig_rel: list[str] = []
    if model.is_dir():
        with contextlib.suppress(ValueError):
            sig_rel = [signature.resolve().relative_to(model.resolve()).as_posix()]
    ignores = [*manifest.ignore_paths, *ignore_paths, *extras, *sig_rel]
    hashing_cfg = _hashing_config(manifest, ignores, follow_symlinks)
    cfg = verifying.Config().set_hashing_config(hashing_cfg)
    method = trust.method
    with tempfile.TemporaryDirectory(prefix="petgov-trust-") as tmp:
        if method == "key":
            assert trust.key is not None
            identity = key_fingerprint(load_public_key(trust.key))  # first: a one-line error
            cfg = cfg.use_elliptic_key_verifier(public_key=trust.key)
        elif method == "certificate":
            cfg = cfg.use_certificate_verifier(certificate_chain=list(trust.cert_chain))
            identity = ""
        elif method == "sigstore":
            if trust.trust_root is None:
                raise UsageError(
                    "keyless verification needs --trust-root (petgov never fetches trust roots)",
                    hint="pass a trusted_root.json or client trust config file",
                )
            if not trust.issuer:
                raise UsageError("--identity needs --issuer")
            cfg = cfg.use_sigstore_verifier(
                identity=trust.identity or "",
                oidc_issuer=trust.issuer,
                trust_config=client_trust_config(trust.trust_root, Path(tmp)),
            )
            identity = trust.identity or ""
        else:
            raise UsageError("say what to trust: --key, --cert-chain, or --identity/--issuer")
        try:
            cfg.verify(model, signature)
        except VerificationError:
            raise
        except Exception as exc:  # model-signing raises ValueError and library errors alike
            raise VerificationError(f"signature does not verify: {_short(exc)}") from exc
    detail: dict[str, Any] = {"unsigned_files": extras, "format": "model-signing"}
    if method == "certificate":
        identity = _leaf_identity(signature)
    elif method == "key":  # model-signing ignores log material in key bundles; petgov does not
        assert trust.key is not None
        detail["log"] = _key_bundle_log(signature, trust.key, trust.trust_root)
    return Verified(
        method=method,
        identity=identity,
        digest="sha256:" + manifest.subject_sha256,
        files=manifest.files,
        detail=detail,
    )


def _key_bundle_log(signature: Path, key: Path, trust_root: Path | None) -> dict[str, Any]:
    """Verify the log entries and timestamps a key-signed model.sig carries, or refuse it."""
    bundle = read_bundle(signature)
    public_key = load_public_key(key)
    _, _, sig = verify_dsse_signature(bundle, public_key)
    log = check_log_material(
        bundle, public_key=public_key, signature=sig, artifact_sha256=None, trust_root=trust_root
    )
    return log.to_dict()


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:297] + "..."


def sign_model(
    model: Path,
    signature: Path,
    *,
    key: Path | None = None,
    cert_chain: Sequence[Path] = (),
    signing_cert: Path | None = None,
    sigstore: bool = False,
    hash_algorithm: str = "sha256",
    ignore_paths: Sequence[str] = (),
) -> None:
    """Sign ``model`` into ``signature`` (model-signing format)."""
    hashing: Any = importlib.import_module("model_signing.hashing")
    signing: Any = importlib.import_module("model_signing.signing")

    if hash_algorithm == "blake3":
        h = hashing.Config().use_file_serialization(hashing_algorithm="blake3")
    elif hash_algorithm == "sha256":
        h = hashing.Config().use_shard_serialization(hashing_algorithm="sha256")
    else:
        raise UsageError(f"unknown hash {hash_algorithm!r}", hint="use sha256 or blake3")
    ignores = list(ignore_paths)
    if model.is_dir():
        with contextlib.suppress(ValueError):
            ignores.append(signature.resolve().relative_to(model.resolve()).as_posix())
    h = h.set_ignored_paths(paths=ignores, ignore_git_paths=True)
    if not sigstore and key is None:
        raise UsageError("say how to sign: --key KEY.pem [--cert ...] or --sigstore")
    if sigstore:
        _sign_keyless(signing.Config(), h, model, signature)
        return
    cfg = signing.Config()
    try:  # model-signing reads the key and certificates here
        if key is not None and signing_cert is not None:
            cfg = cfg.use_certificate_signer(
                private_key=key,
                signing_certificate=signing_cert,
                certificate_chain=list(cert_chain),
            )
        elif key is not None:
            cfg = cfg.use_elliptic_key_signer(private_key=key)
    except (ValueError, TypeError, OSError) as exc:
        names = ", ".join(str(p) for p in (key, signing_cert, *cert_chain) if p is not None)
        raise UsageError(
            f"cannot use the signing material ({names}): {_short(exc)}",
            hint="pass an unencrypted EC private key in PEM (and PEM certificates)",
        ) from exc
    try:
        cfg.set_hashing_config(h).sign(model, signature)
    except (ValueError, TypeError, OSError) as exc:
        raise VerificationError(f"signing failed: {_short(exc)}") from exc


def _sign_keyless(cfg: Any, hashing_config: Any, model: Path, signature: Path) -> None:
    """Keyless signing is the one online step (TUF, OIDC, Fulcio, Rekor): fail clearly offline."""
    try:
        cfg.use_sigstore_signer().set_hashing_config(hashing_config).sign(model, signature)
    except Exception as exc:  # sigstore raises TUF, HTTP, OIDC and timeout errors of many types
        raise VerificationError(
            f"keyless Sigstore signing failed ({type(exc).__name__}: {_short(exc)})",
            hint="it needs the network and an OIDC login; offline, sign with --key KEY.pem",
        ) from exc
