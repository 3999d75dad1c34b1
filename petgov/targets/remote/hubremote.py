"""An hf:// repo read from the hub itself (when it is not in the local cache).

One metadata request (``/api/{type}s/{repo}/revision/{rev}?blobs=true``, as huggingface_hub asks
it, at ``HF_ENDPOINT`` with the user's token) lists every file with its size, git blob id
and, for LFS files, the sha256 the hub stores; the revision resolves to a commit there, and
every byte is then read at that commit (``/resolve/{commit}/{path}`` with a Range header), so a
branch that moves mid-scan cannot mix two versions.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import petgov
from petgov.errors import TargetError
from petgov.model import Origin
from petgov.targets.interface import RawEntry, ResolvedTarget
from petgov.targets.remote import web
from petgov.targets.remote.consent import require_network
from petgov.targets.remote.ranged import Expected, Meter, RemoteFile, Workdir, cost_facts

if TYPE_CHECKING:
    from petgov.targets.hf import HubRef

DEFAULT_ENDPOINT = "https://huggingface.co"
MAX_LISTING = 64 << 20  # a listing of 100,000 files is ~20 MB of JSON
_URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


def endpoint() -> str:
    """``HF_ENDPOINT`` read now (huggingface_hub reads it once, at import)."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def token() -> str | None:
    """``HF_TOKEN``, else the token ``hf auth login`` stored: the hub's own credential chain."""
    if os.environ.get("HF_TOKEN"):
        return os.environ["HF_TOKEN"]
    try:
        from huggingface_hub import get_token
    except ImportError:  # pragma: no cover - a dependency of petgov
        return None
    found: str | None = get_token()
    return found


@dataclass(frozen=True)
class HubListing:
    """The commit a revision resolved to and every file in it."""

    commit: str
    files: list[HubFileInfo]


@dataclass(frozen=True)
class HubFileInfo:
    """One file as the hub lists it: size, git blob id and, for LFS files, the sha256."""

    path: str
    size: int
    blob_id: str | None
    sha256: str | None


def listing(ref: HubRef, where: str, headers: dict[str, str]) -> HubListing:
    """``GET /api/{type}s/{repo}/revision/{rev}?blobs=true``: what ``HfApi.repo_info(...,
    files_metadata=True)`` asks, read here so huggingface_hub's import-time offline switch and
    its HTTP stack version do not decide whether a consented fetch happens."""
    rev = urllib.parse.quote(ref.revision or "main", safe="")
    url = f"{endpoint()}/api/{ref.repo_type}s/{ref.repo}/revision/{rev}?blobs=true"
    try:
        doc = json.loads(web.get(url, headers, limit=MAX_LISTING))
    except (OSError, ValueError) as exc:
        raise TargetError(
            f"{where}: cannot list the repo at {endpoint()}: {str(exc)[:200]}",
            hint="check the repo id and revision, HF_ENDPOINT, and HF_TOKEN for a private repo",
        ) from None
    try:
        commit = str(doc["sha"])
        files = [_file_info(s) for s in doc["siblings"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise TargetError(f"{where}: the hub's answer is not a repo listing ({exc!r})") from None
    return HubListing(commit=commit, files=files)


def _file_info(sib: dict[str, Any]) -> HubFileInfo:
    lfs = sib.get("lfs")
    if lfs:
        return HubFileInfo(
            path=str(sib["rfilename"]),
            size=int(lfs["size"]),
            blob_id=sib.get("blobId"),
            sha256=str(lfs["sha256"]).lower(),
        )
    return HubFileInfo(
        path=str(sib["rfilename"]),
        size=int(sib.get("size") or 0),
        blob_id=sib.get("blobId"),
        sha256=None,
    )


def resolve_remote(ref: HubRef, target: str) -> ResolvedTarget:
    """List ``ref`` on the hub and return entries read by range at the resolved commit."""
    where = f"hf://{ref.repo}@{ref.revision or 'main'}"
    require_network(where, "a repo that is not in the local Hugging Face cache")
    tok = token()
    headers = {"User-Agent": f"petgov/{petgov.__version__}"}
    if tok:
        headers["Authorization"] = f"Bearer {tok}"
    info = listing(ref, where, headers)
    commit = info.commit
    from petgov.targets.hf import COMMIT

    if not COMMIT.fullmatch(commit):
        raise TargetError(f"{where}: the hub did not say which commit the revision is")
    if ref.pinned and commit != ref.revision:
        raise TargetError(f"{where}: the hub resolved it to {commit}, not the commit asked for")
    resolved = ResolvedTarget(target=target, root=None)
    meter = Meter()
    workdir = Workdir()
    base = f"{endpoint()}/{_URL_PREFIX[ref.repo_type]}{ref.repo}/resolve/{commit}/"
    prefix = target.rstrip("/")
    files: list[RemoteFile] = []
    for sib in sorted(info.files, key=lambda s: s.path):
        rel = sib.path
        if not _safe(rel):
            raise TargetError(f"{where}: the hub lists an unsafe file name {rel[:100]!r}")
        sha256, size = sib.sha256, sib.size
        blob = sha256 or sib.blob_id
        url = base + urllib.parse.quote(rel)
        source = RemoteFile(
            f"{prefix}/{rel}",
            size,
            _fetcher(url, headers),
            meter,
            expected=Expected(sha256=sha256, git_sha1=None if sha256 else sib.blob_id),
            key=blob,
            workdir=workdir,
        )
        files.append(source)
        meter.listed_bytes += size
        origin = Origin(
            kind="hf",
            source=target,
            repo=ref.repo,
            revision=ref.revision,
            commit=commit,
            etag=blob,
        )
        resolved.entries.append(RawEntry(path=f"{prefix}/{rel}", source=source, origin=origin))
    resolved.facts[""] = {
        "hf.repo": ref.repo,
        "hf.repo_type": ref.repo_type,
        "hf.revision": ref.revision or "main",
        "hf.commit": commit,
        "hf.pinned": ref.pinned,
        "hf.read_from": "hub",
        "remote.kind": "hf",
        "remote.endpoint": endpoint(),
    }
    resolved.late_facts.append(cost_facts(meter, files))
    return resolved


def _safe(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and ".." not in parts and "" not in parts


def _fetcher(url: str, headers: dict[str, str]) -> Any:
    def fetch(lo: int, hi: int) -> bytes:
        return web.get_range(url, lo, hi, headers)

    return fetch
