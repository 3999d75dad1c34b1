"""Object stores (``s3://bucket/prefix``, ``gs://bucket/prefix``) through fsspec.

Credentials come from each store's standard chain (s3fs: environment, shared config and
profiles, instance roles; gcsfs: application-default credentials), and ``AWS_ENDPOINT_URL``
points S3 at a compatible server. A key names one object; anything else is a prefix whose
objects are all listed. Bytes are read by range (``cat_file(path, start, end)``) exactly as for
hf:// targets; an object's ETag is its content key, not a digest petgov can check, so TLS is
what vouches for downloaded bytes here.
"""

from __future__ import annotations

import os
from typing import Any

from petgov.errors import TargetError
from petgov.model import Origin
from petgov.targets.filters import PathFilter
from petgov.targets.interface import RawEntry, ResolvedTarget, TargetResolver
from petgov.targets.remote.consent import require_network
from petgov.targets.remote.ranged import Meter, RemoteFile, Workdir, cost_facts

SCHEMES = {"s3://": ("s3", "s3fs"), "gs://": ("gcs", "gcsfs"), "gcs://": ("gcs", "gcsfs")}
MAX_OBJECTS = 100_000


class ObjectStoreResolver(TargetResolver):
    """s3:// and gs:// prefixes or objects, read by range."""

    def accepts(self, target: str) -> bool:
        return target.startswith(tuple(SCHEMES))

    def resolve(self, target: str, path_filter: PathFilter | None = None) -> ResolvedTarget:
        scheme = next(s for s in SCHEMES if target.startswith(s))
        protocol, package = SCHEMES[scheme]
        path = target[len(scheme) :].strip("/")
        if not path or ".." in path.split("/"):
            raise TargetError(f"{target}: name a bucket and a key or prefix (s3://bucket/prefix)")
        require_network(target)
        fs = _filesystem(target, protocol, package)
        listed = _list(fs, path, target)
        resolved = ResolvedTarget(target=target, root=None)
        meter, workdir = Meter(), Workdir()
        files: list[RemoteFile] = []
        walk_filter = path_filter or PathFilter()
        excluded: list[str] = []
        for key, info in sorted(listed.items()):
            rel = key[len(path) :].lstrip("/") if key != path else key.rsplit("/", 1)[-1]
            if key != path and _filtered(rel, walk_filter):
                excluded.append(f"{scheme}{key}")
                continue
            size = int(info.get("size") or 0)
            etag = _etag(info)
            shown = f"{scheme}{key}"
            source = RemoteFile(shown, size, _fetcher(fs, key), meter, key=etag, workdir=workdir)
            files.append(source)
            meter.listed_bytes += size
            origin = Origin(kind=protocol, source=target, etag=etag)
            resolved.entries.append(RawEntry(path=shown, source=source, origin=origin))
        resolved.facts[""] = {
            "remote.kind": "gs" if protocol == "gcs" else "s3",
            "remote.endpoint": os.environ.get("AWS_ENDPOINT_URL", "") if protocol == "s3" else "",
        }
        if excluded:
            resolved.facts[""]["target.excluded"] = excluded
        resolved.late_facts.append(cost_facts(meter, files))
        return resolved


def _filesystem(target: str, protocol: str, package: str) -> Any:
    from petgov.util.lazy import require

    fsspec = require("fsspec", purpose=f"{protocol} targets", package="fsspec")
    require(package, purpose=f"{target.split(':')[0]}:// targets", package=package)
    options: dict[str, Any] = {"skip_instance_cache": True, "use_listings_cache": False}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if protocol == "s3" and endpoint:
        options["client_kwargs"] = {"endpoint_url": endpoint}
    try:
        return fsspec.filesystem(protocol, **options)
    except Exception as exc:  # credential and configuration errors come in many types
        raise TargetError(f"{target}: cannot open the store: {_one_line(exc)}") from None


def _list(fs: Any, path: str, target: str) -> dict[str, dict[str, Any]]:
    """The object ``path`` names, else every object below it as a prefix."""
    try:
        if fs.isfile(path):
            return {path: fs.info(path)}
        found: dict[str, dict[str, Any]] = fs.find(path, detail=True, maxdepth=None)
    except Exception as exc:  # auth, missing bucket, network: one line
        raise TargetError(
            f"{target}: cannot list: {_one_line(exc)}",
            hint="check the bucket and prefix, and the store's credentials (docs/targets.md)",
        ) from None
    if not found:
        raise TargetError(f"{target}: no object at this key and none below it as a prefix")
    if len(found) > MAX_OBJECTS:
        raise TargetError(f"{target}: more than {MAX_OBJECTS} objects; name a narrower prefix")
    return {k: v for k, v in found.items() if v.get("type", "file") != "directory"}


def _filtered(rel: str, walk_filter: PathFilter) -> bool:
    folders = rel.split("/")[:-1]
    prefixes = ["/".join(folders[: i + 1]) for i in range(len(folders))]
    return any(walk_filter.skips_dir(p) for p in prefixes) or walk_filter.excludes_file(rel)


def _etag(info: dict[str, Any]) -> str | None:
    value = info.get("ETag") or info.get("etag") or info.get("md5Hash")
    return str(value).strip('"') if value else None


def _one_line(exc: Exception) -> str:
    text = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _fetcher(fs: Any, key: str) -> Any:
    def fetch(lo: int, hi: int) -> bytes:
        try:
            data: bytes = fs.cat_file(key, start=lo, end=hi)
        except Exception as exc:  # botocore and aiohttp errors are not all OSError
            raise OSError(f"cannot read {key}: {_one_line(exc)}") from None
        return data

    return fetch
