"""Write files so a reader never sees half of one and a user's file is never half-overwritten."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def user_mode() -> int:
    """The mode a new file gets from the user's umask (0644 under the usual 022)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "wb", *, private: bool = False) -> Iterator[IO[bytes]]:
    """Yield a temp file beside ``path``; on success fsync and rename it over ``path``.

    The file gets the user's umask (a BOM or report is meant to be shared; mkstemp's 0600 made
    it unreadable to the group), or 0600 with ``private`` (keys).
    """
    if mode not in ("wb", "w"):
        raise ValueError("atomic_open writes only ('wb' or 'w')")
    from petgov.errors import OutputError

    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a directory", hint="give a file name, not a folder")
    directory = path.parent if str(path.parent) else Path(".")
    import tempfile  # ~3 ms at import (random, shutil): only when a file is written

    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="check that its folder exists and is writable",
        ) from None
    try:
        os.fchmod(fd, 0o600 if private else user_mode())
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.replace(tmp_name, path)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def write_bytes_atomic(path: Path, data: bytes, *, private: bool = False) -> None:
    """Atomically replace ``path`` with ``data`` (0600 with ``private``, else the umask)."""
    with atomic_open(path, private=private) as fh:
        fh.write(data)


def write_text_atomic(path: Path, text: str) -> None:
    """Atomically replace ``path`` with UTF-8 ``text``."""
    write_bytes_atomic(path, text.encode("utf-8"))
