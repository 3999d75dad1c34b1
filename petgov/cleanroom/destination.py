"""Atomic release into a clean room's destination: nothing half-written is ever visible.

A release is a folder ``<destination>/<release-id>/`` holding ``artifact.env`` (the envelope) and
``manifest.json``. Local folders: everything is written under a hidden temp name and renamed into
place in one step. Object stores (fsspec URLs): the data is uploaded first and the manifest is
committed last; readers (and ``sweep``) only see releases whose manifest exists.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petgov.errors import OutputError

ARTIFACT = "artifact.env"
MANIFEST = "manifest.json"
RECEIPT = "receipt.sigstore.json"


@dataclass(frozen=True)
class Release:
    """A committed release: where it is and what its manifest says."""

    location: str
    manifest: Mapping[str, Any]


class Destination:
    """Where releases go; ``url`` is a folder path or an fsspec URL."""

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None) -> None:
        self.url = url.rstrip("/")
        self.remote = "://" in url and not url.startswith("file://")
        self.storage_options = dict(storage_options or {})

    def _fs(self) -> Any:
        import fsspec

        fs, _ = fsspec.core.url_to_fs(self.url, **self.storage_options)
        return fs

    def _root(self) -> str:
        if not self.remote:
            return self.url
        import fsspec

        _, root = fsspec.core.url_to_fs(self.url, **self.storage_options)
        return str(root)

    @contextlib.contextmanager
    def staging(self) -> Iterator[Path]:
        """A local scratch folder on the same filesystem as a local destination."""
        if self.remote:
            with tempfile.TemporaryDirectory(prefix="petgov-release-") as scratch:
                yield Path(scratch)
            return
        root = Path(self.url)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create destination {root}: {exc.strerror}") from exc
        tmp = Path(tempfile.mkdtemp(prefix=".petgov-incoming-", dir=root))
        try:
            yield tmp
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def commit(self, staged: Path, release_id: str, manifest: Mapping[str, Any]) -> Release:
        """Publish ``staged/artifact.env`` with ``manifest`` as release ``release_id``."""
        body = json.dumps(manifest, indent=2, sort_keys=True).encode()
        if not self.remote:
            (staged / MANIFEST).write_bytes(body)
            with open(staged / MANIFEST, "rb") as fh:
                os.fsync(fh.fileno())
            final = Path(self.url) / release_id
            if final.exists():
                raise OutputError(f"release {release_id} already exists at {final}")
            os.rename(staged, final)  # atomic on one filesystem
            try:
                _fsync_dir(Path(self.url))
            except OSError:  # not known to be durable: take it back rather than half-keep it
                self.remove(Release(str(final), manifest))
                raise
            return Release(str(final), manifest)  # the staging context finds its folder gone
        fs = self._fs()
        prefix = f"{self._root()}/{release_id}"
        if fs.exists(f"{prefix}/{MANIFEST}"):
            raise OutputError(f"release {release_id} already exists at {self.url}")
        try:
            fs.put_file(str(staged / ARTIFACT), f"{prefix}/{ARTIFACT}")
            if (staged / RECEIPT).exists():
                fs.put_file(str(staged / RECEIPT), f"{prefix}/{RECEIPT}")
            fs.pipe_file(f"{prefix}/{MANIFEST}", body)  # the commit point
        except OSError:  # without a manifest nothing is visible; tidy what was uploaded
            with contextlib.suppress(OSError):
                fs.rm(prefix, recursive=True)
            raise
        return Release(f"{self.url}/{release_id}", manifest)

    def releases(self) -> list[Release]:
        """Every committed release (those with a manifest), oldest first by id."""
        out: list[Release] = []
        if not self.remote:
            folder = Path(self.url)
            if not folder.exists():
                return out
            for d in sorted(folder.iterdir()):
                m = d / MANIFEST
                if d.is_dir() and not d.name.startswith(".") and m.exists():
                    out.append(Release(str(d), json.loads(m.read_text())))
            return out
        fs = self._fs()
        root = self._root()
        if not fs.exists(root):
            return out
        for path in sorted(fs.ls(root, detail=False)):
            key = f"{path}/{MANIFEST}"
            if fs.exists(key):
                name = str(path).rstrip("/").rsplit("/", 1)[-1]
                out.append(Release(f"{self.url}/{name}", json.loads(fs.cat_file(key))))
        return out

    def remove(self, release: Release) -> None:
        """Delete a release: the manifest first, so it stops being visible at once."""
        if not self.remote:
            path = Path(release.location)
            (path / MANIFEST).unlink(missing_ok=True)
            shutil.rmtree(path, ignore_errors=True)
            return
        fs = self._fs()
        name = release.location.rstrip("/").rsplit("/", 1)[-1]
        prefix = f"{self._root()}/{name}"
        with contextlib.suppress(FileNotFoundError):
            fs.rm_file(f"{prefix}/{MANIFEST}")
        with contextlib.suppress(FileNotFoundError):
            fs.rm(prefix, recursive=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
