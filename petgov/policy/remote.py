"""Rule packs named by URL: ``https://…`` tarballs and ``oci://…`` artifacts, pinned by digest.

A remote pack is fetched once into the cache (``<cache>/packs``), checked against its pin on
every load, and from then on loaded offline like a local tarball: same sha256 check, same
signature hook (``PACK.tar.gz.sig`` beside it), same ``require_signature``. The network is used
only when a remote pack is named and not yet cached, and never when the run is offline
(``--offline``, ``PETGOV_OFFLINE``, ``HF_HUB_OFFLINE``). An unpinned reference, a digest that does
not match or a signature that does not verify refuses the pack (exit 2): never skipped.

OCI layout (what `petgov rules publish` pushes): an image manifest whose ``artifactType`` is
``application/vnd.petgov.rulepack.v1``, one layer holding the pack tarball and one holding its
signature, each titled by ``org.opencontainers.image.title``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petgov.errors import PolicyError
from petgov.policy.oci import MANIFEST_TYPE, Reference, Registry, sha256_digest
from petgov.policy.packs import MAX_PACK_BYTES
from petgov.targets.remote import consent

ARTIFACT_TYPE = "application/vnd.petgov.rulepack.v1"
PACK_LAYER = "application/vnd.petgov.rulepack.v1.tar+gzip"
SIGNATURE_LAYER = "application/vnd.petgov.rulepack.signature.v1+json"
CONFIG_TYPE = "application/vnd.petgov.rulepack.config.v1+json"
TITLE = "org.opencontainers.image.title"
MAX_SIGNATURE_BYTES = 1 << 20
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.(tar\.gz|tgz)$")
_SHA256 = re.compile(r"^(sha256:)?[0-9a-f]{64}$")


@dataclass(frozen=True)
class FetchedPack:
    """A remote pack in the cache: the tarball (its signature, if any, beside it) and its pin."""

    tarball: Path
    sha256: str  # hex of the tarball, checked again by load_pack


def fetch(source: str, sha256: str | None, cache: Path) -> FetchedPack:
    """The cached copy of a remote pack, fetched first when absent or damaged."""
    if source.startswith("oci://"):
        return _fetch_oci(Reference.parse(source), sha256, cache / "oci")
    return _fetch_https(source, sha256, cache / "https")


# -- OCI ------------------------------------------------------------------------------------


def _fetch_oci(ref: Reference, sha256: str | None, cache: Path) -> FetchedPack:
    if ref.digest is None:
        raise PolicyError(
            f"rule pack {ref} refused: an OCI pack must be pinned by its manifest digest",
            hint=f"write {_pin_hint(ref)} (petgov rules publish prints it)",
        )
    folder = cache / ref.digest.removeprefix("sha256:")
    held = _cached_oci(folder, ref)
    if held is not None:
        return _pinned(held, sha256, str(ref))
    consent.require_network(f"rule pack {ref}", "fetching it")  # not cached: offline refuses
    registry = Registry(ref)
    manifest_bytes = registry.manifest(ref.digest)
    pack_layer, sig_layer = _layers(manifest_bytes, ref)
    files = {"manifest.json": manifest_bytes}
    name = _title(pack_layer)
    files[name] = registry.blob(pack_layer["digest"], pack_layer["size"])
    if sig_layer is not None:
        files[name + ".sig"] = registry.blob(sig_layer["digest"], sig_layer["size"])
    _store(folder, files)
    held = _cached_oci(folder, ref)
    if held is None:  # written and read back differently: a broken cache folder
        raise PolicyError(f"rule pack {ref}: cannot keep it in {folder}")
    return _pinned(held, sha256, str(ref))


def _pin_hint(ref: Reference) -> str:
    """The reference pinned to what its tag points at now, when the registry says so."""
    if ref.tag is not None and not consent.offline():
        with contextlib.suppress(PolicyError):
            return ref.pinned(Registry(ref).resolve(ref.tag))
    return ref.pinned("sha256:<digest>")


def _cached_oci(folder: Path, ref: Reference) -> FetchedPack | None:
    """The cached pack when every file still matches the pinned manifest, else None."""
    try:
        manifest_bytes = (folder / "manifest.json").read_bytes()
        if sha256_digest(manifest_bytes) != ref.digest:
            return None
        pack_layer, sig_layer = _layers(manifest_bytes, ref)
        tarball = folder / _title(pack_layer)
        if sha256_digest(tarball.read_bytes()) != pack_layer["digest"]:
            return None
        sig = tarball.with_name(tarball.name + ".sig")
        if sig_layer is not None and sha256_digest(sig.read_bytes()) != sig_layer["digest"]:
            return None
        if sig_layer is None and sig.exists():
            return None
    except (OSError, PolicyError):
        return None
    return FetchedPack(tarball, pack_layer["digest"].removeprefix("sha256:"))


def _layers(manifest_bytes: bytes, ref: Reference) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The pack layer and the signature layer (or None) of a petgov pack manifest."""
    try:
        doc = json.loads(manifest_bytes)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), list):
        raise PolicyError(f"rule pack {ref} refused: not an OCI image manifest")
    packs = [lay for lay in doc["layers"] if _layer_ok(lay, PACK_LAYER, MAX_PACK_BYTES)]
    sigs = [lay for lay in doc["layers"] if _layer_ok(lay, SIGNATURE_LAYER, MAX_SIGNATURE_BYTES)]
    if len(packs) != 1 or len(sigs) > 1:
        raise PolicyError(
            f"rule pack {ref} refused: expected one {PACK_LAYER} layer "
            "(and at most one signature layer)",
            hint="publish packs with petgov rules publish",
        )
    return packs[0], sigs[0] if sigs else None


def _layer_ok(layer: Any, media_type: str, max_size: int) -> bool:
    return (
        isinstance(layer, dict)
        and layer.get("mediaType") == media_type
        and isinstance(layer.get("digest"), str)
        and bool(_SHA256.match(layer["digest"]))
        and layer["digest"].startswith("sha256:")
        and isinstance(layer.get("size"), int)
        and 0 <= layer["size"] <= max_size
    )


def _title(layer: dict[str, Any]) -> str:
    """The pack's file name as published (the signature names it), when it is a safe name."""
    title = str((layer.get("annotations") or {}).get(TITLE) or "")
    return title if _SAFE_NAME.match(title) else "pack.tar.gz"


# -- HTTPS ----------------------------------------------------------------------------------


def _fetch_https(url: str, sha256: str | None, cache: Path) -> FetchedPack:
    if sha256 is None or not _SHA256.match(sha256.lower()):
        raise PolicyError(
            f"rule pack {url} refused: a pack fetched over HTTPS must be pinned by sha256",
            hint='give it as { source = "https://...", sha256 = "..." } '
            "(petgov rules pack prints the digest)",
        )
    digest = sha256.lower().removeprefix("sha256:")
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    name = name if _SAFE_NAME.match(name) else "pack.tar.gz"
    folder = cache / digest
    tarball = folder / name
    with contextlib.suppress(OSError):
        if hashlib.sha256(tarball.read_bytes()).hexdigest() == digest:
            return FetchedPack(tarball, digest)
    consent.require_network(f"rule pack {url}", "fetching it")  # not cached: offline refuses
    data = _get(url, MAX_PACK_BYTES)
    if data is None:
        raise PolicyError(f"rule pack {url}: not found (404)")
    got = hashlib.sha256(data).hexdigest()
    if got != digest:
        raise PolicyError(
            f"rule pack {url} refused: sha256 {got} does not match the pinned {digest}"
        )
    files = {name: data}
    signature = _get(url.split("?", 1)[0] + ".sig", MAX_SIGNATURE_BYTES)
    if signature is not None:
        files[name + ".sig"] = signature
    _store(folder, files)
    return FetchedPack(tarball, digest)


def _get(url: str, limit: int) -> bytes | None:
    """GET ``url`` (at most ``limit`` bytes); None on 404; anything else failing refuses."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            data: bytes = resp.read(limit + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise PolicyError(f"rule pack {url}: the server answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PolicyError(f"rule pack {url}: cannot fetch it: {reason}") from None
    if len(data) > limit:
        raise PolicyError(f"rule pack {url}: larger than {limit} bytes")
    return data


# -- both -----------------------------------------------------------------------------------


def _pinned(held: FetchedPack, sha256: str | None, source: str) -> FetchedPack:
    """An extra ``sha256`` given beside an OCI reference must name the same tarball."""
    if sha256 is not None and sha256.lower().removeprefix("sha256:") != held.sha256:
        raise PolicyError(
            f"rule pack {source} refused: its tarball is sha256 {held.sha256}, "
            f"not the pinned {sha256}"
        )
    return held


def _store(folder: Path, files: dict[str, bytes]) -> None:
    """Write the files into a temp folder beside ``folder``, then rename it into place."""
    from petgov.util.cachedir import private_dir

    parent = private_dir(folder.parent)
    tmp = Path(tempfile.mkdtemp(prefix=".fetch-", dir=parent))
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
        if folder.exists():  # a damaged earlier copy, or a concurrent fetch of the same pin
            shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cache_folder() -> Path:
    """Where fetched packs are kept (``petgov cache info`` counts them)."""
    from petgov.util.cachedir import cache_root

    return cache_root() / "packs"


def manifest_for(
    config: tuple[str, int], pack: tuple[str, int, str], signature: tuple[str, int]
) -> bytes:
    """The OCI image manifest of a petgov pack: (digest, size) of each blob, the pack's name."""
    doc = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "artifactType": ARTIFACT_TYPE,
        "config": {"mediaType": CONFIG_TYPE, "digest": config[0], "size": config[1]},
        "layers": [
            {
                "mediaType": PACK_LAYER,
                "digest": pack[0],
                "size": pack[1],
                "annotations": {TITLE: pack[2]},
            },
            {
                "mediaType": SIGNATURE_LAYER,
                "digest": signature[0],
                "size": signature[1],
                "annotations": {TITLE: pack[2] + ".sig"},
            },
        ],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def publish(pack: Path, target: str, key: Path | None) -> str:
    """Push a signed pack to ``oci://registry/repo:tag``; returns the digest-pinned reference.

    A folder is packed reproducibly first; ``key`` signs the tarball, else the tarball's
    existing ``.sig`` is pushed with it. An unsigned pack is not published.
    """
    from petgov.policy.packs import load_pack
    from petgov.policy.tooling import build_tarball
    from petgov.provenance.packs import sign_pack

    ref = Reference.parse(target)
    if ref.tag is None or ref.digest is not None:
        raise PolicyError(
            f"{target}: publish to a tag, e.g. oci://registry/org/pack:1.0",
            hint="the digest is printed after the push",
        )
    if not pack.exists():
        raise PolicyError(f"rule pack {pack} does not exist")
    loaded = load_pack(pack)  # a broken pack is refused before anything is pushed
    with tempfile.TemporaryDirectory(prefix="petgov-publish-") as tmp:
        if pack.is_dir():
            safe = re.sub(r"[^A-Za-z0-9._-]+", "-", loaded.name).strip("-.") or "pack"
            tarball = Path(tmp) / f"{safe}-{loaded.version}.tar.gz"
            build_tarball(pack, tarball)
        else:
            tarball = Path(tmp) / (pack.name if _SAFE_NAME.match(pack.name) else "pack.tar.gz")
            shutil.copyfile(pack, tarball)
        signature = tarball.with_name(tarball.name + ".sig")
        existing = pack.with_name(pack.name + ".sig")
        if key is not None:
            sign_pack(tarball, key)
        elif pack.is_file() and existing.is_file():
            shutil.copyfile(existing, signature)
        else:
            raise PolicyError(
                f"rule pack {pack} is not signed: petgov publishes signed packs only",
                hint="add --key KEY.pem (or petgov rules sign PACK.tar.gz --key first)",
            )
        registry = Registry(ref, push=True)
        config = b"{}"
        data, sig = tarball.read_bytes(), signature.read_bytes()
        blobs = [registry.push_blob(b) for b in (config, data, sig)]
        manifest = manifest_for(
            (blobs[0], len(config)), (blobs[1], len(data), tarball.name), (blobs[2], len(sig))
        )
        assert ref.tag is not None
        digest = registry.push_manifest(ref.tag, manifest)
    return ref.pinned(digest)
