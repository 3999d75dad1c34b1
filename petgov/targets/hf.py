"""Hugging Face targets (``hf://org/repo@REVISION``): the local hub cache, else the hub by range.

The cache is tried first, so a revision already there never touches the network; a miss is read
from the hub itself (``targets/remote/hubremote.py``) unless ``--offline`` or ``HF_HUB_OFFLINE``
forbids it. Items name the repo, the revision as asked and the
commit it resolved to, and are read through their blob (``blobs/<sha256 or git sha1>``): the
provenance scanner checks those names, and a ``petgov.lock``, against the bytes, because anyone
who can write the cache can forge a file under a trusted name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from petgov.catalog import finding
from petgov.errors import TargetError
from petgov.model import Origin
from petgov.targets.filters import PathFilter
from petgov.targets.interface import (
    DigestMemo,
    FileSource,
    RawEntry,
    ResolvedTarget,
    TargetResolver,
)
from petgov.targets.remote import consent

SCHEME = "hf://"
ENGINE = "hf"
KINDS = frozenset({"provenance.hub_digest_mismatch"})
COMMIT = re.compile(r"[0-9a-f]{40}")
_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_REPO = re.compile(rf"{_NAME}(/{_NAME})?")
_REVISION = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._/-]*")
_HINT_OFFLINE = (
    "download it first (hf download REPO --revision REV), or drop --offline and unset "
    "HF_HUB_OFFLINE / PETGOV_OFFLINE to let petgov read it from the hub by range; the cache is "
    "HF_HUB_CACHE, else HF_HOME/hub"
)


@dataclass(frozen=True)
class HubRef:
    """A parsed hf:// target: repo id, repo type and the revision as written (None: main)."""

    repo: str
    repo_type: str
    revision: str | None

    @property
    def pinned(self) -> bool:
        """True only for a full 40-hex commit: branches and tags can move under a name."""
        return self.revision is not None and COMMIT.fullmatch(self.revision) is not None

    @property
    def folder(self) -> str:
        """The cache folder name huggingface_hub uses (``models--org--name``)."""
        return f"{self.repo_type}s--" + self.repo.replace("/", "--")


def parse(target: str) -> HubRef:
    """Parse ``hf://[datasets/|spaces/]org/name[@revision]`` or raise TargetError."""
    if not target.startswith(SCHEME):
        raise TargetError(f"{target}: not an hf:// target")
    body = target[len(SCHEME) :].rstrip("/")
    repo, sep, revision = body.partition("@")
    repo_type = "model"
    head, _, rest = repo.partition("/")
    if head in _TYPES and rest:
        repo_type, repo = _TYPES[head], rest
    hint = "write hf://org/name@COMMIT (or hf://datasets/org/name@COMMIT)"
    if not _REPO.fullmatch(repo) or ".." in repo:
        raise TargetError(f"{target}: not a Hugging Face repo id", hint=hint)
    if sep and (not _REVISION.fullmatch(revision) or ".." in revision.split("/")):
        raise TargetError(f"{target}: not a valid revision {revision!r}", hint=hint)
    return HubRef(repo=repo, repo_type=repo_type, revision=revision if sep else None)


def cache_dir() -> Path:
    """The hub cache as huggingface_hub finds it, read from the environment at call time."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "huggingface" / "hub"


def offline() -> bool:
    """HF_HUB_OFFLINE as huggingface_hub reads it."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def snapshot(ref: HubRef, cache: Path) -> Path | None:
    """The snapshot folder of ``ref`` in the local cache, or None when it is not there.

    Only the cache is asked (``local_files_only``): a miss goes to the hub through the range
    reader, never through a download of the whole snapshot.
    """
    from petgov.util.lazy import require

    hub = require("huggingface_hub", purpose="hf:// targets", package="huggingface-hub")
    where = f"hf://{ref.repo}@{ref.revision or 'main'}"
    try:
        folder = hub.snapshot_download(
            ref.repo,
            repo_type=ref.repo_type,
            revision=ref.revision,
            cache_dir=str(cache),
            local_files_only=True,
        )
    except (OSError, ValueError):  # LocalEntryNotFoundError is a FileNotFoundError
        return None
    return _checked(Path(folder), ref, cache, where)


def _checked(folder: Path, ref: HubRef, cache: Path, where: str) -> Path:
    """The snapshot must be ``<cache>/<repo folder>/snapshots/<40-hex commit>``."""
    expected = (cache / ref.folder / "snapshots").resolve()
    if not COMMIT.fullmatch(folder.name) or folder.resolve().parent != expected:
        raise TargetError(
            f"{where}: the cache ref points at {folder}, not at a commit snapshot",
            hint=f"the cache at {cache} is damaged or forged; delete {ref.folder} and re-download",
        )
    if ref.pinned and folder.name != ref.revision:
        raise TargetError(f"{where}: resolved to {folder.name}, not the commit asked for")
    return folder


class BlobSource(FileSource):
    """A cache blob: the inventory and the lock check share one sha256 of it per run."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._memo = DigestMemo()

    def digest_memo(self) -> DigestMemo | None:
        return self._memo


class HfResolver(TargetResolver):
    """hf:// targets: one entry per file in the snapshot, read through its cache blob."""

    def accepts(self, target: str) -> bool:
        return target.startswith(SCHEME)

    def resolve(self, target: str, path_filter: PathFilter | None = None) -> ResolvedTarget:
        ref = parse(target)
        cache = cache_dir()
        folder = snapshot(ref, cache)
        if folder is None:
            if consent.offline():
                raise TargetError(
                    f"hf://{ref.repo}@{ref.revision or 'main'}: not in the local Hugging Face "
                    f"cache ({cache}) and {consent.why_offline()} forbids fetching it",
                    hint=_HINT_OFFLINE,
                )
            from petgov.targets.remote.hubremote import resolve_remote

            return resolve_remote(ref, target)
        commit = folder.name
        blobs = (cache / ref.folder / "blobs").resolve()
        resolved = ResolvedTarget(target=target, root=folder)
        resolved.facts[""] = {
            "hf.repo": ref.repo,
            "hf.repo_type": ref.repo_type,
            "hf.revision": ref.revision or "main",
            "hf.commit": commit,
            "hf.pinned": ref.pinned,
            "hf.read_from": "cache",
        }
        prefix = target.rstrip("/")
        for path in _files(folder):
            rel = path.relative_to(folder).as_posix()
            display = f"{prefix}/{rel}"
            blob = _blob(path, blobs, display, resolved)
            if blob is None:
                continue
            origin = Origin(
                kind="hf",
                source=target,
                repo=ref.repo,
                revision=ref.revision,
                commit=commit,
                etag=blob.name if blob.parent == blobs else None,
            )
            resolved.entries.append(RawEntry(path=display, source=BlobSource(blob), origin=origin))
        return resolved


def _files(folder: Path) -> list[Path]:
    """Every file or link below ``folder``, sorted; linked folders are not entered."""
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        base = Path(dirpath)
        out.extend(base / d for d in dirnames if (base / d).is_symlink())
        out.extend(base / f for f in filenames)
    return sorted(out)


def _blob(path: Path, blobs: Path, display: str, resolved: ResolvedTarget) -> Path | None:
    """The file behind a snapshot entry; a link leaving the repo's blob store is a forgery."""
    if not path.is_symlink():
        return path if path.is_file() else None  # a copy (no symlink support): no blob name
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        target = None
    if target is not None and target.parent == blobs and target.is_file():
        return target
    resolved.findings.append(
        finding(
            "provenance.hub_digest_mismatch",
            display,
            f"the cache entry links to {os.readlink(path)!r}, outside this repo's blob store; "
            "it was not read",
            engine=ENGINE,
            evidence={"link": os.readlink(path), "check": "blob store"},
        )
    )
    return None
