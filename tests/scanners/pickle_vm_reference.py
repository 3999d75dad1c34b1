"""The first static pickle VM (main at e984059), kept verbatim as the oracle of the
differential test: petgov/scanners/pickle_vm.py decodes the common opcodes inline for speed,
and tests/scanners/test_pickle_vm_differential.py holds every result of it to this engine.
Never imported by petgov; edit only to follow an intended change of the engine's verdicts.

A static, symbolic pickle machine: it walks every opcode of protocols 0-5 without running any.

The stack and the memo hold symbols (constant strings, small byte strings, globals, "the result
of calling X") so that names built indirectly (STACK_GLOBAL fed from the memo, DUP, EXT codes)
are still resolved, and every call site (REDUCE, NEWOBJ, NEWOBJ_EX, BUILD, INST, OBJ) records
which callable it applies. Raw data (BINBYTES, long strings) is skipped by offset, never copied
unless it is small enough to be an embedded pickle, so cost follows the opcode count, not the
tensor bytes.

Joblib writes each NumPy array's raw bytes inline, right after the BUILD of its
``NumpyArrayWrapper``; the VM delimits them from the wrapper's own dtype, shape and alignment
state (exactly what joblib's reader consumes), steps over them and analyzes the rest of the
stream. An object-dtype wrapper is followed by a whole inner pickle, which is analyzed too.
"""

from __future__ import annotations

import copyreg
import struct
from dataclasses import dataclass, field
from time import monotonic

# Small byte strings are kept so a nested deserializer call can be followed into them.
_KEEP_BYTES = 1 << 20
_KEEP_STR = 4096
MAX_NESTING = 4
# String constants are also collected (by offset) for the secrets detector: long enough to hold
# a credential (8+ chars), short enough (64 KiB each, 16 MiB in all) that a string table cannot
# exhaust memory.
SECRET_MIN = 8
SECRET_MAX = 64 * 1024
SECRET_BUDGET = 16 * 1024 * 1024
# Work bounds per analysis: opcodes executed (the VM runs about a million a second, so ten
# seconds) and memo entries (each holds a symbol). A stream past either is cut, and said so.
MAX_OPS = 10_000_000
MAX_MEMO = 1_000_000


@dataclass(frozen=True)
class Global:
    """An imported callable: ``module`` and (possibly dotted) ``name``; None when unresolvable."""

    module: str | None
    name: str | None
    position: int
    opcode: str

    @property
    def dotted(self) -> str:
        return f"{self.module or '?'}.{self.name or '?'}"


@dataclass(eq=False)
class Call:
    """The result of applying ``func`` (a Global or another symbol) at ``position``.

    ``state`` is the last BUILD applied to it (a NumPy dtype's state can resize it).
    """

    func: object
    position: int
    args: object = None
    state: object = None


class _Dict:
    """A dict literal: the first few string-keyed pairs are kept (joblib wrapper state)."""

    __slots__ = ("pairs",)

    def __init__(self) -> None:
        self.pairs: dict[str, object] = {}

    def add(self, items: list[object]) -> None:
        for i in range(0, len(items) - 1, 2):
            key = items[i]
            if isinstance(key, str) and len(self.pairs) < 64:
                self.pairs[key] = items[i + 1]


class _Mark:
    pass


_MARK = _Mark()
_UNKNOWN = object()


@dataclass
class Analysis:
    """What one pickle stream imports and calls, and where it stopped being well formed."""

    globals: list[Global] = field(default_factory=list)
    calls: list[tuple[str, int, object, object]] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    nested: list[tuple[int, bytes]] = field(default_factory=list)
    overrides: list[Global] = field(default_factory=list)
    end: int = 0
    pickles: int = 0
    inline_arrays: int = 0
    # Imports seen only when the stream is read by plain pickle.load (joblib's array bytes are
    # then opcodes): the same file can be handed to either loader.
    plain_globals: list[Global] = field(default_factory=list)
    # (byte offset, text) of string constants, for the secrets detector; never executed.
    strings: list[tuple[int, str]] = field(default_factory=list)
    strings_dropped: int = 0
    _string_chars: int = 0
    ops: int = 0  # opcodes walked, over every pass and nested pickle
    max_ops: int = MAX_OPS
    max_memo: int = MAX_MEMO
    deadline: float | None = None  # time.monotonic() past which the walk stops
    # Why the walk stopped before the end of the stream because a work bound was reached.
    budget_exceeded: str | None = None
    # The value the last complete pickle returned (a count, a key tuple), for container walkers
    # that interleave pickles with raw data (legacy torch tar members).
    result: object = None

    def keep_string(self, at: int, text: str) -> None:
        """Record a string constant unless it is too short to be a secret or over budget."""
        if len(text) < SECRET_MIN:
            return
        if self._string_chars + len(text) > SECRET_BUDGET:
            self.strings_dropped += 1
            return
        self._string_chars += len(text)
        self.strings.append((at, text))


# opcode byte -> (name, kind, size) ; kinds: n (none), l (line), 2l (two lines), f (fixed), p
# (length-prefixed data, size = width of the length field)
_OPS: dict[int, tuple[str, str, int]] = {}


def _op(code: bytes, name: str, kind: str, size: int = 0) -> None:
    _OPS[code[0]] = (name, kind, size)


for _c, _n in [
    (b"(", "MARK"), (b".", "STOP"), (b"0", "POP"), (b"1", "POP_MARK"), (b"2", "DUP"),
    (b"N", "NONE"), (b"\x88", "NEWTRUE"), (b"\x89", "NEWFALSE"), (b"R", "REDUCE"),
    (b"b", "BUILD"), (b"a", "APPEND"), (b"e", "APPENDS"), (b"d", "DICT"), (b"}", "EMPTY_DICT"),
    (b"l", "LIST"), (b"]", "EMPTY_LIST"), (b"o", "OBJ"), (b"s", "SETITEM"), (b"u", "SETITEMS"),
    (b"t", "TUPLE"), (b")", "EMPTY_TUPLE"), (b"\x85", "TUPLE1"), (b"\x86", "TUPLE2"),
    (b"\x87", "TUPLE3"), (b"\x81", "NEWOBJ"), (b"\x92", "NEWOBJ_EX"), (b"\x93", "STACK_GLOBAL"),
    (b"\x94", "MEMOIZE"), (b"\x8f", "EMPTY_SET"), (b"\x90", "ADDITEMS"), (b"\x91", "FROZENSET"),
    (b"Q", "BINPERSID"), (b"\x97", "NEXT_BUFFER"), (b"\x98", "READONLY_BUFFER"),
]:  # fmt: skip
    _op(_c, _n, "n")
for _c, _n in [
    (b"I", "INT"), (b"L", "LONG"), (b"F", "FLOAT"), (b"S", "STRING"), (b"V", "UNICODE"),
    (b"P", "PERSID"), (b"g", "GET"), (b"p", "PUT"),
]:  # fmt: skip
    _op(_c, _n, "l")
_op(b"c", "GLOBAL", "2l")
_op(b"i", "INST", "2l")
for _c, _n, _s in [
    (b"J", "BININT", 4), (b"K", "BININT1", 1), (b"M", "BININT2", 2), (b"G", "BINFLOAT", 8),
    (b"h", "BINGET", 1), (b"j", "LONG_BINGET", 4), (b"q", "BINPUT", 1), (b"r", "LONG_BINPUT", 4),
    (b"\x82", "EXT1", 1), (b"\x83", "EXT2", 2), (b"\x84", "EXT4", 4), (b"\x80", "PROTO", 1),
    (b"\x95", "FRAME", 8),
]:  # fmt: skip
    _op(_c, _n, "f", _s)
for _c, _n, _s in [
    (b"T", "BINSTRING", 4), (b"U", "SHORT_BINSTRING", 1), (b"X", "BINUNICODE", 4),
    (b"\x8c", "SHORT_BINUNICODE", 1), (b"\x8d", "BINUNICODE8", 8), (b"B", "BINBYTES", 4),
    (b"C", "SHORT_BINBYTES", 1), (b"\x8e", "BINBYTES8", 8), (b"\x96", "BYTEARRAY8", 8),
    (b"\x8a", "LONG1", 1), (b"\x8b", "LONG4", 4),
]:  # fmt: skip
    _op(_c, _n, "p", _s)

_STR_OPS = {"BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "BINSTRING", "SHORT_BINSTRING"}
_BYTES_OPS = {"BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8"}


class Truncated(Exception):
    pass


class BudgetExceeded(Exception):
    """The analysis reached its operation or memo bound at byte ``at``."""

    def __init__(self, message: str, at: int) -> None:
        super().__init__(message)
        self.at = at


def _line(buf: memoryview | bytes, pos: int, limit: int) -> tuple[bytes, int]:
    end = bytes(buf[pos : min(limit, pos + 65536)]).find(b"\n")
    if end < 0:
        raise Truncated("line argument without newline")
    return bytes(buf[pos : pos + end]), pos + end + 1


def _pop_mark(stack: list[object]) -> list[object]:
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] is _MARK:
            items = stack[i + 1 :]
            del stack[i:]
            return items
    raise ValueError("no MARK on the stack")


def _pop(stack: list[object]) -> object:
    if not stack:
        raise ValueError("pop from an empty stack")
    return stack.pop()


def analyze(
    buf: memoryview | bytes,
    start: int = 0,
    depth: int = 0,
    max_pickles: int = 0,
    *,
    joblib: bool = True,
    max_ops: int | None = None,
    max_memo: int | None = None,
    deadline: float | None = None,
) -> Analysis:
    """Walk every pickle in ``buf`` from ``start``; record imports, calls and stream breaks.

    ``max_pickles`` (legacy torch: 5) stops before the raw storage bytes that follow. With
    ``joblib`` the bytes after a joblib array wrapper are array data (what ``joblib.load``
    reads); when there were any, the stream is walked again as ``pickle.load`` reads it.
    ``max_ops``/``max_memo`` bound the work: past them the walk stops and ``budget_exceeded``
    says where, so a 1 GiB stream of APPENDs cannot hold a scan for minutes; ``deadline`` (a
    ``time.monotonic()`` value) bounds the wall time the same way.
    """
    max_ops = MAX_OPS if max_ops is None else max_ops
    max_memo = MAX_MEMO if max_memo is None else max_memo
    out = Analysis(max_ops=max_ops, max_memo=max_memo, deadline=deadline)
    pos = start
    limit = len(buf)
    while pos < limit:
        try:
            pos = _run_one(buf, pos, limit, out, joblib)
        except Truncated as exc:
            out.problems.append((limit, f"stream ends early: {exc}"))
            pos = limit
            break
        except BudgetExceeded as exc:
            out.budget_exceeded = f"{exc} at byte {exc.at} of {limit}"
            break
        except (ValueError, IndexError, KeyError, struct.error) as exc:
            out.problems.append((pos, f"malformed pickle: {exc}"))
            break
        out.pickles += 1
        if pos >= limit or out.pickles == max_pickles:
            break
        nxt = buf[pos]
        if nxt == 0x80 or (nxt in _OPS and nxt != ord(".")):
            out.problems.append((pos, "another pickle follows STOP (concatenated pickles)"))
            continue
        out.problems.append((pos, f"{limit - pos} bytes of trailing data after STOP"))
        break
    out.end = pos
    if joblib and out.inline_arrays and out.budget_exceeded is None:
        plain = analyze(
            buf,
            start,
            depth,
            max_pickles,
            joblib=False,
            max_ops=max_ops,
            max_memo=max_memo,
            deadline=deadline,
        )
        out.budget_exceeded = plain.budget_exceeded
        seen = {(g.position, g.dotted) for g in out.globals}
        out.plain_globals = [g for g in plain.globals if (g.position, g.dotted) not in seen]
    if depth < MAX_NESTING:
        for at, inner in out.nested:
            left = max_ops - out.ops
            if left <= 0 or out.budget_exceeded is not None:
                break
            sub = analyze(inner, 0, depth + 1, max_ops=left, max_memo=max_memo, deadline=deadline)
            out.ops += sub.ops
            if sub.budget_exceeded is not None:
                out.budget_exceeded = f"nested pickle at byte {at}: {sub.budget_exceeded}"
            for g in sub.globals:
                out.globals.append(Global(g.module, g.name, at, f"nested:{g.opcode}"))
            for g in sub.plain_globals:
                out.plain_globals.append(Global(g.module, g.name, at, f"nested:{g.opcode}"))
            out.problems.extend((at, f"nested pickle: {msg}") for _, msg in sub.problems)
            for _, text in sub.strings:
                out.keep_string(at, text)
    return out


def run_one(
    buf: memoryview | bytes, pos: int, limit: int, out: Analysis, joblib: bool = False
) -> int:
    """Walk one pickle from ``pos`` into ``out``; return where it stopped (``out.result`` holds
    its value). Raises Truncated / ValueError on a broken stream."""
    return _run_one(buf, pos, limit, out, joblib)


def _run_one(
    buf: memoryview | bytes, pos: int, limit: int, out: Analysis, joblib: bool = False
) -> int:
    stack: list[object] = []
    memo: dict[int, object] = {}
    while True:
        if pos >= limit:
            raise Truncated("no STOP opcode")
        at = pos
        code = buf[pos]
        pos += 1
        out.ops += 1
        if out.ops > out.max_ops:
            raise BudgetExceeded(f"operation budget of {out.max_ops} opcodes reached", at)
        if not out.ops & 0xFFFF and out.deadline is not None and monotonic() > out.deadline:
            raise BudgetExceeded(f"time limit reached after {out.ops} opcodes", at)
        spec = _OPS.get(code)
        if spec is None:
            raise ValueError(f"unknown opcode 0x{code:02x} at {at}")
        name, kind, size = spec
        arg: object = None
        if kind == "f":
            if pos + size > limit:
                raise Truncated(f"{name} argument cut off")
            raw = bytes(buf[pos : pos + size])
            pos += size
            arg = int.from_bytes(raw, "little", signed=name == "BININT")
            if name == "BINFLOAT":
                arg = 0.0
        elif kind == "p":
            if pos + size > limit:
                raise Truncated(f"{name} length cut off")
            n = int.from_bytes(bytes(buf[pos : pos + size]), "little", signed=name == "BINSTRING")
            pos += size
            if n < 0 or pos + n > limit:
                raise Truncated(f"{name} of {n} bytes runs past the end")
            if name in _STR_OPS and n <= SECRET_MAX:
                text = bytes(buf[pos : pos + n]).decode("utf-8", "replace")
                out.keep_string(at, text)
                arg = text if n <= _KEEP_STR else _UNKNOWN
            elif name in _BYTES_OPS and n <= _KEEP_BYTES:
                arg = bytes(buf[pos : pos + n])
            elif name in ("LONG1", "LONG4") and n <= 8:
                arg = int.from_bytes(bytes(buf[pos : pos + n]), "little", signed=True)
            else:
                arg = _UNKNOWN
            pos += n
        elif kind == "l":
            raw, pos = _line(buf, pos, limit)
            arg = raw.decode("latin-1")
            if name in ("INT", "LONG"):
                arg = _int_literal(str(arg))
            if name in ("STRING", "UNICODE"):
                text = str(arg)
                if name == "STRING" and len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
                    text = text[1:-1]
                out.keep_string(at, text)
                arg = text
        elif kind == "2l":
            mod, pos = _line(buf, pos, limit)
            nm, pos = _line(buf, pos, limit)
            arg = (mod.decode("latin-1"), nm.decode("latin-1"))

        if name == "STOP":
            out.result = stack[-1] if stack else None
            return pos
        if name == "BUILD" and len(stack) >= 2:
            target, state = stack[-2], stack[-1]
            _step(name, arg, at, stack, memo, out)
            if joblib and _is_joblib_wrapper(target):
                out.inline_arrays += 1
                pos = _skip_joblib_array(buf, pos, limit, state, out)
            continue
        _step(name, arg, at, stack, memo, out)


def _int_literal(text: str) -> object:
    try:
        return int(text.rstrip("L"))
    except ValueError:
        return _UNKNOWN


_JOBLIB_WRAPPERS = frozenset(
    {
        "joblib.numpy_pickle.NumpyArrayWrapper",
        "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
    }
)


_RECONSTRUCTORS = frozenset({"copyreg._reconstructor", "copy_reg._reconstructor"})


def _is_joblib_wrapper(target: object) -> bool:
    """The object a BUILD completes is joblib's array wrapper (NEWOBJ or copyreg route)."""
    if not isinstance(target, Call):
        return False
    cls = target.func
    if isinstance(cls, Global) and cls.dotted in _RECONSTRUCTORS:
        args = target.args
        cls = args[0] if isinstance(args, tuple) and args else None
    return isinstance(cls, Global) and cls.dotted in _JOBLIB_WRAPPERS


def _skip_joblib_array(
    buf: memoryview | bytes, pos: int, limit: int, state: object, out: Analysis
) -> int:
    """Step over the array data joblib's reader consumes after a wrapper; return where it ends.

    Mirrors ``NumpyArrayWrapper.read_array``: an optional alignment pad (one length byte, then
    that many bytes) and ``prod(shape) * itemsize`` raw bytes; an object dtype is instead a whole
    inner pickle, analyzed here. A wrapper whose size cannot be known statically stops the walk.
    """
    pairs = state.pairs if isinstance(state, _Dict) else {}
    dtype = pairs.get("dtype")
    code = _dtype_code(dtype)
    shape = pairs.get("shape")
    if code is None or not isinstance(shape, tuple):
        raise ValueError("joblib array wrapper without a static dtype/shape: data not delimited")
    if code.lstrip("<>|=").startswith("O"):
        return _run_one(buf, pos, limit, out)  # a plain Unpickler: no inline arrays inside
    count = 1
    for dim in shape:
        if not isinstance(dim, int) or dim < 0:
            raise ValueError("joblib array wrapper with a non-static shape: data not delimited")
        count *= dim
    align = pairs.get("numpy_array_alignment_bytes", None)
    if align is not None:
        if not isinstance(align, int):
            raise ValueError("joblib array wrapper with a non-static alignment")
        if pos >= limit:
            raise Truncated("joblib alignment byte cut off")
        pos += 1 + buf[pos]
    assert isinstance(dtype, Call)
    end = pos + count * _itemsize(code, dtype.state)
    if end > limit:
        raise Truncated(f"joblib array data of {end - pos} bytes runs past the end")
    return end


def _dtype_code(dtype: object) -> str | None:
    """``'f8'`` from ``numpy.dtype('f8', False, True)`` as the pickle builds it."""
    if not (isinstance(dtype, Call) and isinstance(dtype.func, Global)):
        return None
    if dtype.func.name != "dtype" or not (dtype.func.module or "").startswith("numpy"):
        return None
    args = dtype.args
    return args[0] if isinstance(args, tuple) and args and isinstance(args[0], str) else None


_FLEXIBLE = frozenset("SUVa")  # string, unicode, void: the BUILD state's elsize sets the size


def _itemsize(code: str, state: object) -> int:
    """Bytes per element, as NumPy computes it for ``dtype(code)`` after ``__setstate__(state)``.

    The code spells the size (f8, V16, M8 in bytes; U5 in characters), but for flexible kinds
    the state's ``elsize`` replaces it: a forged elsize must not shift where the walk resumes.
    """
    base = code.lstrip("<>|=").split("[")[0]
    digits = base[1:]
    if not base[:1].isalpha() or not digits.isdigit():
        raise ValueError(f"joblib array dtype {code!r} has no static item size")
    size = int(digits) * (4 if base[0] == "U" else 1)  # U counts UCS-4 characters
    if base[0] not in _FLEXIBLE or state is None:
        return size
    # NumPy's state: (version, endian, subarray, names, fields, elsize, alignment, flags[, meta])
    if isinstance(state, tuple) and len(state) in (8, 9) and isinstance(state[5], int):
        if state[5] < 0:
            raise ValueError(f"joblib array dtype {code!r} with a negative item size")
        return state[5]
    raise ValueError(f"joblib array dtype {code!r} with a non-static state: data not delimited")


def _global(module: object, name: object, at: int, opcode: str, out: Analysis) -> Global:
    g = Global(
        module if isinstance(module, str) else None,
        name if isinstance(name, str) else None,
        at,
        opcode,
    )
    out.globals.append(g)
    return g


def _step(
    name: str, arg: object, at: int, stack: list[object], memo: dict[int, object], out: Analysis
) -> None:
    if name in ("PROTO", "FRAME"):
        return
    if name == "MARK":
        stack.append(_MARK)
    elif name in ("POP",):
        if stack and stack[-1] is not _MARK:
            stack.pop()
        elif stack:
            _pop_mark(stack)
        else:
            raise ValueError("POP on an empty stack")
    elif name == "POP_MARK":
        _pop_mark(stack)
    elif name == "DUP":
        if not stack:
            raise ValueError("DUP on an empty stack")
        stack.append(stack[-1])
    elif name in ("GLOBAL", "INST"):
        assert isinstance(arg, tuple)
        g = _global(arg[0], arg[1], at, name, out)
        if name == "INST":
            inst_args = tuple(_pop_mark(stack))
            out.calls.append(("INST", at, g, inst_args))
            stack.append(Call(g, at, inst_args))
        else:
            stack.append(g)
    elif name == "STACK_GLOBAL":
        nm = _pop(stack)
        mod = _pop(stack)
        stack.append(_global(mod, nm, at, name, out))
    elif name in ("EXT1", "EXT2", "EXT4"):
        key = copyreg._inverted_registry.get(int(arg))  # type: ignore[attr-defined,call-overload]
        if key is None:
            stack.append(_global(None, None, at, f"{name}({arg})", out))
        else:
            stack.append(_global(key[0], key[1], at, name, out))
    elif name == "REDUCE":
        args = _pop(stack)
        func = _pop(stack)
        _record_call(name, at, func, args, out)
        stack.append(Call(func, at, args))
    elif name == "NEWOBJ":
        args = _pop(stack)
        cls = _pop(stack)
        _record_call(name, at, cls, args, out)
        stack.append(Call(cls, at, args))
    elif name == "NEWOBJ_EX":
        _pop(stack)
        args = _pop(stack)
        cls = _pop(stack)
        _record_call(name, at, cls, args, out)
        stack.append(Call(cls, at))
    elif name == "OBJ":
        items = _pop_mark(stack)
        if not items:
            raise ValueError("OBJ without a class")
        _record_call(name, at, items[0], tuple(items[1:]), out)
        stack.append(Call(items[0], at))
    elif name == "BUILD":
        state = _pop(stack)
        if not stack:
            raise ValueError("BUILD on an empty stack")
        target = stack[-1]
        if isinstance(target, Call):
            out.calls.append(("BUILD", at, target.func, None))
            target.state = state
        else:
            out.calls.append(("BUILD", at, target, None))
            if isinstance(target, Global):
                # BUILD on an imported module/class/function rewrites its attributes.
                out.overrides.append(target)
        del state
    elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
        if not stack:
            raise ValueError("PUT on an empty stack")
        memo[int(str(arg))] = stack[-1]
        _check_memo(memo, at, out)
    elif name == "MEMOIZE":
        if not stack:
            raise ValueError("MEMOIZE on an empty stack")
        memo[len(memo)] = stack[-1]
        _check_memo(memo, at, out)
    elif name in ("GET", "BINGET", "LONG_BINGET"):
        key = int(str(arg))
        if key not in memo:
            raise ValueError(f"memo key {key} was never stored")
        stack.append(memo[key])
    elif name in ("APPEND", "SETITEM"):
        value = _pop(stack)
        if name == "SETITEM":
            key = _pop(stack)
            if stack and isinstance(stack[-1], _Dict):
                stack[-1].add([key, value])
        if not stack:
            raise ValueError(f"{name} without a container")
    elif name in ("APPENDS", "SETITEMS", "ADDITEMS"):
        items = _pop_mark(stack)
        if not stack:
            raise ValueError(f"{name} without a container")
        if name == "SETITEMS" and isinstance(stack[-1], _Dict):
            stack[-1].add(items)
    elif name == "DICT":
        d = _Dict()
        d.add(_pop_mark(stack))
        stack.append(d)
    elif name == "EMPTY_DICT":
        stack.append(_Dict())
    elif name == "NONE":
        stack.append(None)
    elif name in ("TUPLE", "LIST", "FROZENSET"):
        items = _pop_mark(stack)
        stack.append(tuple(items) if name == "TUPLE" else _UNKNOWN)
    elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
        n = int(name[-1])
        if len(stack) < n:
            raise ValueError(f"{name} needs {n} items")
        items = stack[-n:]
        del stack[-n:]
        stack.append(tuple(items))
    elif name == "EMPTY_TUPLE":
        stack.append(())
    elif name in ("BINPERSID",):
        _pop(stack)
        stack.append(_UNKNOWN)
    elif name in ("READONLY_BUFFER",):
        if not stack:
            raise ValueError("READONLY_BUFFER on an empty stack")
    else:
        # Constants and empty containers: push the decoded constant (or a placeholder).
        stack.append(arg if isinstance(arg, (str, bytes, int)) else _UNKNOWN)


def _check_memo(memo: dict[int, object], at: int, out: Analysis) -> None:
    if len(memo) > out.max_memo:
        raise BudgetExceeded(f"memo budget of {out.max_memo} entries reached", at)


# Callables that deserialize their bytes argument: the inner bytes are analyzed too.
NESTED_LOADERS = frozenset(
    {
        "pickle.loads",
        "_pickle.loads",
        "cPickle.loads",
        "dill.loads",
        "cloudpickle.loads",
        "joblib.load",
        "torch.load",
        "numpy.loads",
        "torch.storage._load_from_bytes",
    }
)


def _record_call(op: str, at: int, func: object, args: object, out: Analysis) -> None:
    out.calls.append((op, at, func, args))
    if isinstance(func, Global) and func.dotted in NESTED_LOADERS and isinstance(args, tuple):
        for a in args:
            if isinstance(a, bytes):
                out.nested.append((at, a))
