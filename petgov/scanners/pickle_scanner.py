"""petgov's own pickle analyzer: every pickle-bearing format, judged by content, never loaded.

Plain pickles, joblib and compressed wrappers, PyTorch legacy sequential pickles, PyTorch's
oldest tar checkpoints (every member's pickles) and NumPy object arrays are read here; PyTorch
zip and .npz are walked by the target stage so each member (any ``*.pkl`` in any folder, each
``.npy``) comes back as its own entry.

String constants the VM meets are handed to the secrets detector, so a token pickled into a
model is a PG-SEC finding (redacted) without the file ever being unpickled.
"""

from __future__ import annotations

import dataclasses
import functools
import mmap
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.model import Finding
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult, Strings
from petgov.scanners.options import PickleOptions
from petgov.scanners.pickle_globals import judge
from petgov.scanners.pickle_vm import Analysis, Global
from petgov.scanners.pickle_vm import analyze as analyze_stream
from petgov.scanners.torch_legacy import analyze_tar, is_legacy_tar

ENGINE = "pickle"
FORMATS = frozenset(
    {F.PICKLE, F.JOBLIB, F.ZLIB, F.PYTORCH_LEGACY, F.NUMPY_NPY, F.PYTORCH_ZIP, F.NUMPY_NPZ}
)
_MAX_INFLATED = 2 << 30


class PickleScanner(ItemScanner):
    """Static symbolic analysis of every pickle stream an entry holds."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    judges_code: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset(
        {
            "ser.dangerous_global",
            "ser.unknown_global",
            "ser.unresolved_global",
            "ser.malformed_stream",
            "ser.global_override",
            "ser.risky_global",
        }
    )

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format in FORMATS

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        fmt = entry.item.format
        if fmt in (F.PYTORCH_ZIP, F.NUMPY_NPZ):
            out.scanned(path, ENGINE, "container: each member is scanned as its own entry")
            return out
        analyze = _analyzer(ctx.options.pickle)
        try:
            held = entry.source.held()
            if held is not None:  # a small file or a member: no buffer to set up
                fmt, analysis = _analysis(held, fmt, analyze)
            else:
                with _buffer(entry) as buf:
                    fmt, analysis = _analysis(buf, fmt, analyze)
        except _read_errors() as exc:
            out.not_scanned(path, ENGINE, f"could not read: {exc}", error=True)
            return out
        if analysis is None:
            out.scanned(path, ENGINE, "no object dtype: plain array data")
            return out
        legacy = fmt == F.PYTORCH_LEGACY
        out.findings.extend(_findings(analysis, path, legacy=legacy))
        out.strings.append(
            Strings(
                path,
                "pickle string constants (static VM)",
                [({"offset": at}, text) for at, text in analysis.strings],
                dropped=analysis.strings_dropped,
            )
        )
        if analysis.budget_exceeded is not None:
            # Everything before the cut was judged (its findings stand); the rest was not.
            out.not_scanned(
                path, ENGINE, f"pickle work budget: {analysis.budget_exceeded}; rest not analyzed"
            )
        else:
            out.scanned(path, ENGINE)
        out.facts[path] = {"ser.pickle.globals": sorted({g.dotted for g in analysis.globals})}
        return out


def _analysis(
    buf: memoryview | bytes, fmt: str, analyze: functools.partial[Analysis]
) -> tuple[str, Analysis | None]:
    """The walk the entry's bytes call for (None: an .npy without objects), and its format
    (a pickle found to be a legacy torch checkpoint says so)."""
    if fmt == F.NUMPY_NPY:
        start = _npy_object_offset(buf)
        return fmt, None if start is None else analyze(buf, start)
    if _compressed(buf) and (fmt in (F.JOBLIB, F.ZLIB) or _wrapped(fmt, buf)):
        return fmt, analyze(_inflate(bytes(buf)))
    if is_legacy_tar(bytes(buf[:262])):
        return F.PYTORCH_LEGACY, analyze_tar(bytes(buf), **analyze.keywords)
    if _LEGACY_MAGIC in bytes(buf[:32]):
        return F.PYTORCH_LEGACY, analyze(buf, max_pickles=5)
    return fmt, analyze(buf)


def _analyzer(opts: PickleOptions) -> functools.partial[Analysis]:
    """The VM with this item's work bounds; the time limit starts now, once per item."""
    deadline = None if opts.timeout is None else time.monotonic() + opts.timeout
    return functools.partial(
        analyze_stream, max_ops=opts.max_ops, max_memo=opts.max_memo, deadline=deadline
    )


_LEGACY_MAGIC = (0x1950A86A20F9469CFC6C).to_bytes(10, "little")
_PICKLE_STARTS = {bytes([b]) for b in b"\x80(cd}]l)NIJKSVX\x8c"}


def _wrapped(fmt: str, buf: memoryview | bytes) -> bool:
    return fmt == F.PICKLE and bytes(buf[:1]) not in _PICKLE_STARTS


@contextmanager
def _buffer(entry: Entry) -> Iterator[memoryview | bytes]:
    """The bytes of an entry not held in memory: a read-only map of a local file, else read."""
    local = entry.source.local_path
    if local is not None and entry.item.size > 0:
        with open(local, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            view = memoryview(mm)
            try:
                yield view
            finally:
                view.release()
        return
    with entry.source.open() as src:
        yield src.read()


_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x78")


def _compressed(buf: memoryview | bytes) -> bool:
    """zlib/gzip/bz2/xz magic: only then is the whole entry inflated into memory."""
    return bytes(buf[:6]).startswith(_COMPRESSED)


def _read_errors() -> tuple[type[BaseException], ...]:
    """What a damaged entry raises; evaluated only when something was raised, so that a scan
    imports lzma and tarfile only for the entries that need them."""
    import lzma
    import tarfile

    return (OSError, ValueError, EOFError, zlib.error, lzma.LZMAError, tarfile.TarError)


def _inflate(data: bytes) -> bytes:
    """Undo joblib's / the user's compression (zlib, gzip, bz2, xz), bounded in size."""
    if data[:2] == b"\x1f\x8b":
        import gzip

        return gzip.GzipFile(fileobj=__import__("io").BytesIO(data)).read(_MAX_INFLATED)
    if data[:3] == b"BZh":
        import bz2

        return bz2.BZ2Decompressor().decompress(data, _MAX_INFLATED)
    if data[:6] == b"\xfd7zXZ\x00":
        import lzma

        return lzma.LZMADecompressor().decompress(data, _MAX_INFLATED)
    if data[:1] == b"\x78":
        return zlib.decompressobj().decompress(data, _MAX_INFLATED)
    return data


def _npy_object_offset(buf: memoryview | bytes) -> int | None:
    """Where an object-dtype .npy's pickle starts; None for plain arrays. Header parsed, not run."""
    import ast

    if bytes(buf[:6]) != b"\x93NUMPY":
        raise ValueError("not a .npy file")
    major = buf[6]
    if major == 1:
        hlen, start = int.from_bytes(bytes(buf[8:10]), "little"), 10
    else:
        hlen, start = int.from_bytes(bytes(buf[8:12]), "little"), 12
    header = bytes(buf[start : start + hlen]).decode("latin-1")
    meta = ast.literal_eval(header)
    descr = meta.get("descr") if isinstance(meta, dict) else None
    if _has_object(descr):
        return start + hlen
    return None


def _has_object(descr: object) -> bool:
    if isinstance(descr, str):
        return descr.lstrip("<>|=").startswith("O")
    if isinstance(descr, (list, tuple)):
        return any(_has_object(d) for d in descr)
    return False


_CALL_OPS = frozenset({"REDUCE", "NEWOBJ", "NEWOBJ_EX", "OBJ", "INST"})


def _call_args(analysis: Analysis) -> dict[int, list[object]]:
    """Arguments each imported global is applied to, keyed by the Global's identity."""
    out: dict[int, list[object]] = {}
    for op, _at, func, args in analysis.calls:
        if op in _CALL_OPS and isinstance(func, Global):
            out.setdefault(id(func), []).append(args)
    return out


def _findings(analysis: Analysis, path: str, *, legacy: bool) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    calls = _call_args(analysis)
    for g in analysis.globals:
        for judged in _judged(g, calls.get(id(g), []), path):
            key = (judged.rule_id, str(judged.evidence.get("global")), g.opcode)
            if key not in seen:
                seen.add(key)
                out.append(judged)
    out.extend(_override_finding(g, path) for g in analysis.overrides)
    for g in analysis.plain_globals:
        # Array bytes read as opcodes are mostly noise: only a deny-listed import is reported.
        plain = _global_finding(g, path)
        if plain is not None and plain.kind == "ser.dangerous_global":
            out.append(
                dataclasses.replace(
                    plain,
                    message=f"{plain.message} (when read with pickle.load: joblib's array "
                    "bytes are opcodes then)",
                )
            )
    for at, message in analysis.problems:
        if legacy and ("trailing data" in message or "concatenated" in message):
            continue  # legacy torch files carry raw storage bytes after their pickles
        out.append(
            finding(
                "ser.malformed_stream",
                path,
                f"{message} (at byte {at}); everything before the break was analyzed",
                engine=ENGINE,
                location={"offset": at},
                evidence={"problem": message},
            )
        )
    return out


def _override_finding(g: Global, path: str) -> Finding:
    return finding(
        "ser.global_override",
        path,
        f"BUILD sets state on the imported {g.dotted} (module override)",
        engine=ENGINE,
        location={"offset": g.position, "opcode": "BUILD"},
        evidence={"global": g.dotted},
    )


def _judged(g: Global, calls: list[object], path: str) -> list[Finding]:
    """Findings for one import, given what it is called with.

    An importer is judged by the (module, name) it imports; an unknown *function* called with a
    string argument is high (what a gadget needs: a path, a URL, code, a command), while an unknown
    class merely rebuilt from its state stays medium.
    """
    if g.module is None or g.name is None:
        return _opt(_global_finding(g, path))
    verdict = judge(g.module, g.name)
    if verdict.verdict == "importer":
        out: list[Finding] = []
        for args in calls:
            target = args[:2] if isinstance(args, tuple) else ()
            if len(target) == 2 and all(isinstance(a, str) for a in target):
                inner = Global(str(target[0]), str(target[1]), g.position, f"{g.opcode}>{g.name}")
                out.extend(_opt(_global_finding(inner, path)))
            else:
                out.extend(_opt(_global_finding(Global(None, None, g.position, g.opcode), path)))
        return out
    if verdict.verdict == "unknown" and _function_like(g.name) and any(map(_has_str, calls)):
        return [_risky(g, path, "an unknown function called with string arguments")]
    if verdict.verdict == "risky":
        return [_risky(g, path, verdict.reason)]
    return _opt(_global_finding(g, path))


def _opt(f: Finding | None) -> list[Finding]:
    return [] if f is None else [f]


def _function_like(name: str) -> bool:
    """Lower-case or private last component: a function, not a class (enums are called too)."""
    last = name.rsplit(".", 1)[-1]
    return bool(last) and not last[0].isupper()


def _has_str(args: object) -> bool:
    return isinstance(args, tuple) and any(isinstance(a, str) for a in args)


def _risky(g: Global, path: str, why: str) -> Finding:
    return finding(
        "ser.risky_global",
        path,
        f"{g.opcode} at byte {g.position} imports {g.dotted}: {why}",
        engine=ENGINE,
        location={"offset": g.position, "opcode": g.opcode},
        evidence={"global": g.dotted, "reason": why},
    )


def _global_finding(g: Global, path: str) -> Finding | None:
    loc = {"offset": g.position, "opcode": g.opcode}
    if g.module is None or g.name is None:
        return finding(
            "ser.unresolved_global",
            path,
            f"{g.opcode} at byte {g.position} imports a computed name ({g.dotted})",
            engine=ENGINE,
            location=loc,
            evidence={"global": g.dotted},
        )
    verdict = judge(g.module, g.name)
    if verdict.verdict == "risky":
        return _risky(g, path, verdict.reason)
    if verdict.verdict == "deny":
        return finding(
            "ser.dangerous_global",
            path,
            f"{g.opcode} at byte {g.position} imports {g.dotted}: {verdict.reason}",
            engine=ENGINE,
            location=loc,
            evidence={"global": g.dotted, "reason": verdict.reason},
        )
    if verdict.verdict in ("allow", "importer"):
        return None
    return finding(
        "ser.unknown_global",
        path,
        f"{g.opcode} at byte {g.position} imports {g.dotted}: not on the allow-list",
        engine=ENGINE,
        location=loc,
        evidence={"global": g.dotted},
    )
