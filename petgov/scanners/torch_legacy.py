"""PyTorch's oldest checkpoint layout: a tar with ``storages``, ``tensors`` and ``pickle`` members.

``torch.load`` (``legacy_load``) unpickles every one of them: ``storages`` is a count, then per
storage a ``(key, location, storage_type)`` pickle followed by raw element data; ``tensors`` is a
count, then per tensor a key pickle followed by a fixed binary record; ``pickle`` is the object
tree. Each pickle is walked here (never loaded) and the raw data between them is stepped over by
the sizes torch's reader uses, so a payload in any member, at any position, is seen.
"""

from __future__ import annotations

import io
import struct

from petgov.scanners.pickle_vm import (
    MAX_MEMO,
    MAX_OPS,
    Analysis,
    BudgetExceeded,
    Global,
    Truncated,
    analyze,
    run_one,
)

MEMBERS = ("storages", "tensors", "pickle")
_MAX_MEMBER = 4 << 30
_MAX_RECORDS = 1 << 20

# Bytes per element of each legacy typed storage class (torch.<Kind>Storage, torch.cuda.<...>).
_ELEMENT_SIZE = {
    "Double": 8, "Float": 4, "Half": 2, "BFloat16": 2, "Long": 8, "Int": 4, "Short": 2,
    "Char": 1, "Byte": 1, "Bool": 1, "ComplexFloat": 8, "ComplexDouble": 16, "QUInt8": 1,
    "QInt8": 1, "QInt32": 4, "QUInt4x2": 1, "QUInt2x4": 1,
}  # fmt: skip


def is_legacy_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


def analyze_tar(
    data: bytes,
    *,
    max_ops: int | None = None,
    max_memo: int | None = None,
    deadline: float | None = None,
) -> Analysis:
    """One Analysis for the whole checkpoint: every member's pickles, problems tagged by member.

    The work bounds are the pickle VM's (one budget per member, one deadline for the item).
    """
    bounds = Analysis(
        max_ops=MAX_OPS if max_ops is None else max_ops,
        max_memo=MAX_MEMO if max_memo is None else max_memo,
        deadline=deadline,
    )
    out = Analysis()
    import tarfile  # only for a legacy torch tar (~2.5 ms to import)

    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
        members = {m.name.lstrip("./"): m for m in tf.getmembers() if m.isfile()}
        for name in MEMBERS:
            info = members.get(name)
            if info is None:
                out.problems.append((0, f"legacy torch tar has no {name!r} member"))
                continue
            if info.size > _MAX_MEMBER:
                out.problems.append((0, f"member {name!r} too large to scan"))
                continue
            fh = tf.extractfile(info)
            if fh is None:
                continue
            _merge(out, _analyze_member(name, fh.read(), bounds), name)
        for extra in sorted(set(members) - set(MEMBERS)):
            out.problems.append((0, f"unexpected member {extra!r} in a legacy torch tar"))
    return out


def _analyze_member(name: str, buf: bytes, bounds: Analysis) -> Analysis:
    if name == "pickle":
        return analyze(
            buf, max_ops=bounds.max_ops, max_memo=bounds.max_memo, deadline=bounds.deadline
        )
    walk = _walk_storages if name == "storages" else _walk_tensors
    out = Analysis(max_ops=bounds.max_ops, max_memo=bounds.max_memo, deadline=bounds.deadline)
    try:
        pos = walk(buf, out)
    except Truncated as exc:
        out.problems.append((len(buf), f"stream ends early: {exc}"))
        return out
    except BudgetExceeded as exc:
        out.budget_exceeded = f"{exc} at byte {exc.at} of {len(buf)}"
        return out
    except (ValueError, IndexError, KeyError, struct.error) as exc:
        out.problems.append((0, f"malformed: {exc}"))
        return out
    if pos < len(buf):
        out.problems.append((pos, f"{len(buf) - pos} bytes after the last record"))
    return out


def _count(buf: bytes, pos: int, out: Analysis) -> tuple[int, int]:
    pos = run_one(buf, pos, len(buf), out)
    n = out.result
    if not isinstance(n, int) or not 0 <= n <= _MAX_RECORDS:
        raise ValueError(f"record count {n!r} is not a static small integer")
    return n, pos


def _walk_storages(buf: bytes, out: Analysis) -> int:
    n, pos = _count(buf, 0, out)
    for _ in range(n):
        pos = run_one(buf, pos, len(buf), out)
        size = _element_size(out.result)
        if pos + 8 > len(buf):
            raise Truncated("storage size cut off")
        (numel,) = struct.unpack_from("<q", buf, pos)
        if numel < 0:
            raise ValueError("negative storage size")
        pos += 8 + numel * size
        if pos > len(buf):
            raise Truncated("storage data runs past the end")
    if pos < len(buf):  # storage views: one more pickle
        pos = run_one(buf, pos, len(buf), out)
    return pos


def _walk_tensors(buf: bytes, out: Analysis) -> int:
    n, pos = _count(buf, 0, out)
    for _ in range(n):
        pos = run_one(buf, pos, len(buf), out)
        if pos + 8 > len(buf):
            raise Truncated("tensor record cut off")
        (ndim,) = struct.unpack_from("<i", buf, pos)
        if not 0 <= ndim <= 64:
            raise ValueError(f"tensor with {ndim} dimensions")
        pos += 8 + 16 * ndim + 8
        if pos > len(buf):
            raise Truncated("tensor record runs past the end")
    return pos


def _element_size(record: object) -> int:
    """Element size from ``(key, location, torch.FloatStorage)``; unknown types stop the walk."""
    kind = record[2] if isinstance(record, tuple) and len(record) == 3 else None
    if isinstance(kind, Global) and kind.name and kind.name.endswith("Storage"):
        size = _ELEMENT_SIZE.get(kind.name[: -len("Storage")])
        if size is not None:
            return size
    raise ValueError("storage record without a known storage type: data not delimited")


def _merge(out: Analysis, part: Analysis, member: str) -> None:
    out.globals.extend(part.globals)  # the same objects: calls refer to them by identity
    out.overrides.extend(part.overrides)
    out.calls.extend(part.calls)
    out.problems.extend((at, f"member {member!r}: {msg}") for at, msg in part.problems)
    out.nested.extend(part.nested)
    for at, text in part.strings:
        out.keep_string(at, text)
    out.strings_dropped += part.strings_dropped
    out.pickles += part.pickles
    if part.budget_exceeded is not None and out.budget_exceeded is None:
        out.budget_exceeded = f"member {member!r}: {part.budget_exceeded}"
