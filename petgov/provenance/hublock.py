"""``petgov.lock``: a hub repo pinned to one commit, with the sha256 of every file in it.

Hub cache file names are not evidence (anyone who can write the cache can put other bytes under
a trusted blob name), so the lock records digests of the *content*, and later scans re-hash the
cached blobs against it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from petgov.errors import ConfigError
from petgov.util.atomic import write_text_atomic

LOCK_NAME = "petgov.lock"
VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COMMIT = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Lock:
    """One repo at one commit: file path (inside the repo) -> sha256 of its content."""

    repo: str
    repo_type: str
    commit: str
    files: Mapping[str, str]
    revision: str | None = None  # as it was asked for when the lock was written

    def to_json(self) -> str:
        doc = {
            "version": VERSION,
            "repo": self.repo,
            "repo_type": self.repo_type,
            "revision": self.revision,
            "commit": self.commit,
            "files": dict(sorted(self.files.items())),
        }
        return json.dumps(doc, indent=2) + "\n"


def write_lock(path: Path, lock: Lock) -> None:
    """Write ``lock`` atomically (a reader never sees half a lock file)."""
    write_text_atomic(path, lock.to_json())


def read_lock(path: Path) -> Lock:
    """Read and validate a lock file, or raise ConfigError saying what is wrong."""
    hint = "re-create it with 'petgov lock hf://ORG/NAME@COMMIT -o petgov.lock'"
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such lock file", hint=hint) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable JSON lock file ({exc})", hint=hint) from None
    if not isinstance(doc, dict) or doc.get("version") != VERSION:
        raise ConfigError(f"{path}: not a petgov.lock version {VERSION}", hint=hint)
    files = doc.get("files")
    if not isinstance(files, dict):
        files = None
    ok = (
        isinstance(doc.get("repo"), str)
        and doc.get("repo_type") in ("model", "dataset", "space")
        and isinstance(doc.get("commit"), str)
        and _COMMIT.fullmatch(doc["commit"]) is not None
        and files is not None
        and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
        and all(_SHA256.fullmatch(v) for v in files.values())
        and (doc.get("revision") is None or isinstance(doc.get("revision"), str))
    )
    if not ok:
        raise ConfigError(
            f"{path}: a lock needs repo, repo_type, a 40-hex commit and files: path -> sha256",
            hint=hint,
        )
    return Lock(
        repo=doc["repo"],
        repo_type=doc["repo_type"],
        commit=doc["commit"],
        files=dict(files or {}),
        revision=doc.get("revision"),
    )


def find_lock(explicit: str | Path | None, cwd: Path | None = None) -> Path | None:
    """The lock named on the command line, else ``petgov.lock`` in the working folder."""
    if explicit:
        return Path(explicit)
    beside = (cwd or Path.cwd()) / LOCK_NAME
    return beside if beside.is_file() else None
