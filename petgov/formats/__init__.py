"""Pure, bounds-checked readers for model file headers (safetensors, GGUF, ONNX, Keras).

Nothing here imports a framework, runs a loader or follows a reference out of the file: each
reader takes a binary stream (and its size), reads only the structure, and returns a typed
header object. Damage that stops parsing raises :class:`FormatError`; damage that does not
(an overlap, a gap, a duplicate key) is collected as :class:`Problem` entries on the header, so
scanners can report it as suspicious and other stages (secrets in metadata) can still read the
strings that did parse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO

SPOOL_IN_MEMORY = 64 * 1024 * 1024


class FormatError(ValueError):
    """The header cannot be parsed; ``code`` is a stable short name for the damage."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Problem:
    """A structural inconsistency found while parsing that did not stop the parse."""

    code: str
    message: str
    location: dict[str, str | int] = field(default_factory=dict)


def seekable(fh: IO[bytes]) -> IO[bytes]:
    """``fh`` itself when it can seek, else a copy spooled to memory (or a temp file when large).

    Archive members over the inline size stream without seeking, but zip and HDF5 readers jump
    around; the copy is the price of reading them at all. The caller closes what it gets.
    """
    try:
        if fh.seekable():
            return fh
    except (OSError, ValueError):
        pass
    import shutil
    import tempfile  # ~3 ms at import: only when a member is spooled

    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    shutil.copyfileobj(fh, spool, 1 << 20)
    spool.seek(0)
    return spool
