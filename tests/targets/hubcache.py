"""Build a Hugging Face hub cache on disk exactly as huggingface_hub lays it out (no network).

``<cache>/models--org--name/{blobs/<id>, refs/<branch>, snapshots/<commit>/<path>}``: blobs are
named by the sha256 of their content (LFS files) or their git blob sha1 (other files), refs hold
a bare commit SHA, and snapshot entries are relative symlinks into ``blobs``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pkl", ".gguf", ".onnx", ".h5", ".parquet")


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def fake_commit(seed: str) -> str:
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


def repo_dir(cache: Path, repo: str, repo_type: str = "model") -> Path:
    return cache / (f"{repo_type}s--" + repo.replace("/", "--"))


def blob_id(path: str, data: bytes) -> str:
    return hashlib.sha256(data).hexdigest() if path.endswith(LFS_SUFFIXES) else git_sha1(data)


def add_file(
    cache: Path, repo: str, commit: str, path: str, data: bytes, repo_type: str = "model"
) -> Path:
    """Store ``data`` as a blob and link ``snapshots/<commit>/<path>`` to it; returns the blob."""
    root = repo_dir(cache, repo, repo_type)
    blob = root / "blobs" / blob_id(path, data)
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(data)
    link = root / "snapshots" / commit / path
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(os.path.relpath(blob, link.parent))
    return blob


def write_repo(
    cache: Path,
    repo: str,
    files: dict[str, bytes],
    *,
    commit: str | None = None,
    refs: tuple[str, ...] = ("main",),
    repo_type: str = "model",
) -> str:
    """A cached snapshot of ``files`` at ``commit``, with ``refs`` pointing at it."""
    commit = commit or fake_commit(repo + "".join(sorted(files)))
    for path, data in files.items():
        add_file(cache, repo, commit, path, data, repo_type)
    for ref in refs:
        ref_file = repo_dir(cache, repo, repo_type) / "refs" / ref
        ref_file.parent.mkdir(parents=True, exist_ok=True)
        ref_file.write_text(commit)  # huggingface_hub writes the bare SHA, no newline
    return commit


def tiny_model() -> dict[str, bytes]:
    """A small, clean model repo: config, card, safetensors weights, a nested tokenizer file."""
    return {
        "config.json": b'{"model_type": "bert", "architectures": ["BertModel"]}\n',
        "README.md": b"---\nlicense: apache-2.0\n---\n# tiny\n",
        "model.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ",
        "tokenizer/vocab.txt": b"hello\nworld\n",
    }
