"""Magic and first-bytes shapes of model formats that have no fixed magic number.

Kept in the inventory layer so sniffing needs no parser; the readers in ``petgov.formats`` reuse
these to say what they were handed.
"""

from __future__ import annotations

import re
import struct
from typing import IO

_XGB_JSON = re.compile(
    rb'^\s*\{\s*"(?:learner"\s*:\s*\{|version"\s*:\s*\[[\d,\s]*\]\s*,\s*"learner")'
)
_XGB_OBJECTIVE = re.compile(rb"^[a-z]+:[a-z_]+$")
_XGB_BOOSTERS = (b"gbtree", b"gblinear", b"dart")
LEGACY_PARAM_BYTES = 136  # sizeof(LearnerModelParamLegacy) in XGBoost's binary format
_UBJ_INTS = {
    ord("i"): (">b", 1),
    ord("U"): (">B", 1),
    ord("I"): (">h", 2),
    ord("l"): (">i", 4),
    ord("L"): (">q", 8),
}


def looks_xgboost_json(head: bytes) -> bool:
    return _XGB_JSON.match(head) is not None


def looks_lightgbm_text(head: bytes) -> bool:
    """LightGBM's ``save_model`` text: ``tree`` on the first line, then ``version=v<N>``."""
    first, _, rest = head.partition(b"\n")
    return first.rstrip(b"\r") == b"tree" and rest.startswith(b"version=v")


def legacy_xgboost_names(head: bytes) -> tuple[str, str] | None:
    """(objective, booster) of XGBoost's pre-1.0 binary model, or None if it is not one.

    Layout: optional ``binf``, the 136-byte parameter struct, then two length-prefixed names
    (``binary:logistic``, ``gbtree``); nothing else starts that way.
    """
    pos = 4 if head[:4] == b"binf" else 0
    pos += LEGACY_PARAM_BYTES
    names: list[bytes] = []
    for _ in range(2):
        if len(head) < pos + 8:
            return None
        (n,) = struct.unpack_from("<Q", head, pos)
        if not 0 < n <= 64 or len(head) < pos + 8 + n:
            return None
        names.append(head[pos + 8 : pos + 8 + n])
        pos += 8 + n
    objective, booster = names
    if not _XGB_OBJECTIVE.match(objective) or booster not in _XGB_BOOSTERS:
        return None
    return objective.decode(), booster.decode()


def looks_xgboost_ubj(head: bytes) -> bool:
    """A UBJSON object whose first key is ``learner`` or ``version``: XGBoost's ``.ubj``."""
    if len(head) < 4 or head[0] != ord("{") or head[1] not in _UBJ_INTS:
        return False
    code, size = _UBJ_INTS[head[1]]
    if len(head) < 2 + size:
        return False
    (n,) = struct.unpack(code, head[2 : 2 + size])
    key = head[2 + size : 2 + size + n]
    return key in (b"learner", b"version")


# Executable headers a llamafile starts with: Actually Portable Executable (a shell-compatible
# MZ header), ELF, PE.
APE_MAGIC = (b"MZqFpD", b"jartsr=", b"APEDBG=")
EXECUTABLE_MAGIC = (*APE_MAGIC, b"\x7fELF", b"MZ")
GGUF_SEARCH_BYTES = 64 * 1024 * 1024  # how far into an APE an appended GGUF is looked for
_GGUF_AT = re.compile(rb"GGUF[\x01\x02\x03]\x00\x00\x00")


def executable_kind(head: bytes) -> str | None:
    """'APE', 'ELF' or 'PE' for an executable header, else None."""
    if head.startswith(APE_MAGIC):
        return "APE"
    if head.startswith(b"\x7fELF"):
        return "ELF"
    if head.startswith(b"MZ"):
        return "PE"
    return None


def find_appended_gguf(fh: IO[bytes], limit: int = GGUF_SEARCH_BYTES) -> int | None:
    """Offset of the first GGUF header (magic + version 1-3) in the first ``limit`` bytes."""
    pos = 0
    tail = b""
    while pos < limit:
        chunk = fh.read(min(1 << 20, limit - pos))
        if not chunk:
            return None
        buf = tail + chunk
        m = _GGUF_AT.search(buf)
        if m is not None:
            return pos - len(tail) + m.start()
        tail = buf[-7:]
        pos += len(chunk)
    return None
