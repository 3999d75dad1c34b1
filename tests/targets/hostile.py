"""Generators for hostile targets: each writes one file/folder under a temp dir and returns it."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

from petgov.demo import harmless_payload_pickle


def zip_bytes(members: dict[str, bytes], *, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compress) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def truncated_zip(tmp: Path) -> Path:
    data = zip_bytes({"model/data.pkl": harmless_payload_pickle() * 50, "b.txt": b"x" * 5000})
    path = tmp / "truncated.zip"
    path.write_bytes(data[: len(data) // 2])
    return path


def zip_bomb(tmp: Path) -> Path:
    # 256 MiB of zeros deflates to ~250 KiB: a 1000:1 ratio, far past the 200:1 limit.
    path = tmp / "bomb.zip"
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf,
        zf.open("zeros.bin", "w", force_zip64=True) as fh,
    ):
        chunk = bytes(1 << 20)
        for _ in range(256):
            fh.write(chunk)
    return path


def gzip_bomb(tmp: Path) -> Path:
    path = tmp / "bomb.pkl.gz"
    with gzip.open(path, "wb", compresslevel=9) as fh:
        chunk = bytes(1 << 20)
        for _ in range(128):
            fh.write(chunk)
    return path


def dotdot_member(tmp: Path) -> Path:
    path = tmp / "traversal.zip"
    path.write_bytes(zip_bytes({"../../evil.txt": b"owned", "ok.txt": b"fine"}))
    return path


def absolute_member(tmp: Path) -> Path:
    path = tmp / "absolute.tar"
    with tarfile.open(path, "w") as tf:
        info = tarfile.TarInfo("/etc/petgov-evil.txt")
        data = b"owned"
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return path


def symlink_member(tmp: Path) -> Path:
    path = tmp / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("passwd")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    return path


def tar_symlink_member(tmp: Path) -> Path:
    path = tmp / "link.tar"
    with tarfile.open(path, "w") as tf:
        info = tarfile.TarInfo("shadow")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/shadow"
        tf.addfile(info)
    return path


def symlink_loop(tmp: Path) -> Path:
    root = tmp / "loop"
    root.mkdir()
    os.symlink(root / "b", root / "a")
    os.symlink(root / "a", root / "b")
    os.symlink(root, root / "self")
    (root / "real.txt").write_text("hello\n")
    return root


def deep_nesting(tmp: Path, depth: int = 7) -> Path:
    data = harmless_payload_pickle()
    name = "data.pkl"
    for level in range(depth):
        data = zip_bytes({name: data})
        name = f"level{level}.zip"
    path = tmp / "deep.zip"
    path.write_bytes(data)
    return path


def many_members(tmp: Path, count: int = 10_050) -> Path:
    path = tmp / "many.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for i in range(count):
            zf.writestr(f"f{i:05d}.txt", b"")
    return path


def empty_file(tmp: Path) -> Path:
    path = tmp / "empty.pkl"
    path.write_bytes(b"")
    return path
