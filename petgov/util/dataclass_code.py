"""petgov's dataclass methods compiled once per installation, kept like Python keeps bytecode.

``@dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` (and the
frozen ``__setattr__``/``__delattr__``) as source text and compiles it on every import: ~0.4 ms
per class, ~30 ms of a small scan's start (about a fifth of it). The command line (``run``)
routes the ``exec`` of that text for petgov's own modules through here: the code compiled from
the same text is taken from ``__pycache__/petgov-dataclasses.<cache tag>.marshal`` beside
petgov's bytecode (the folder, trust and invalidation of ``.pyc`` files: keyed by the
interpreter's magic number and the exact text), and compiled and stored when missing.
Executing the stored code object is what ``exec`` of the text does after compiling it; classes
of other packages and a library use of petgov are untouched.
"""

from __future__ import annotations

import builtins
import contextlib
import marshal
import os
import sys
import types
from typing import Any

_FORMAT = b"petgov-dataclass-code-1\n"
# The text of one class's methods is small; a cache this large holds foreign entries: rebuild.
MAX_ENTRIES = 2048

_code: dict[str, types.CodeType] = {}
_used: set[str] = set()  # the texts this process ran (kept when the cache outgrows its cap)
_state: dict[str, Any] = {"path": None, "added": 0, "served": 0, "installed": False}


def install() -> None:
    """Serve petgov's dataclass methods from the cache from now on (the command line's start)."""
    import dataclasses

    if _state["installed"]:
        return
    path = cache_path()
    if path is None:
        return
    _state["path"], _state["installed"] = path, True
    _code.update(_read(path))
    # dataclasses looks `exec` up in its module globals before builtins: only its calls go here.
    setattr(dataclasses, "exec", _exec)  # noqa: B010 - a module attribute mypy does not know
    import atexit

    atexit.register(save)


def uninstall() -> None:
    """Back to the builtin ``exec`` (tests)."""
    import dataclasses

    if getattr(dataclasses, "exec", None) is _exec:
        delattr(dataclasses, "exec")
    _state["installed"] = False


def cache_path() -> str | None:
    """Where the compiled methods live: petgov's ``__pycache__``; None where Python itself
    would keep no bytecode there (a pycache prefix: not worth mirroring)."""
    if sys.pycache_prefix or sys.implementation.cache_tag is None:
        return None
    import petgov

    folder = os.path.join(os.path.dirname(os.path.abspath(petgov.__file__)), "__pycache__")
    return os.path.join(folder, f"petgov-dataclasses.{sys.implementation.cache_tag}.marshal")


def _header() -> bytes:
    from importlib.util import MAGIC_NUMBER

    return _FORMAT + MAGIC_NUMBER + bytes([sys.flags.optimize])


def _read(path: str) -> dict[str, types.CodeType]:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return {}
    header = _header()
    if not raw.startswith(header):
        return {}
    try:
        data = marshal.loads(raw[len(header) :])
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if type(k) is str and type(v) is types.CodeType}


def _exec(source: Any, globals_: Any = None, locals_: Any = None, /) -> None:
    """``exec`` for dataclasses: petgov's texts run from their cached code objects."""
    owner = globals_.get("__name__", "") if isinstance(globals_, dict) else ""
    if type(source) is str and (owner == "petgov" or owner.startswith("petgov.")):
        code = _code.get(source)
        if code is None:
            # what exec(source) compiles: '<string>', no inherited __future__ flags
            code = _code[source] = compile(source, "<string>", "exec", dont_inherit=True)
            _state["added"] += 1
        else:
            _state["served"] += 1
        _used.add(source)
        source = code
    builtins.exec(source, globals_, locals_)


def save() -> None:
    """Write the cache when this process compiled something new (temp file, then rename;
    nothing written where Python writes no bytecode or the folder is read-only)."""
    path = _state["path"]
    if not _state["added"] or path is None or sys.dont_write_bytecode:
        return
    _state["added"] = 0
    entries = _code if len(_code) <= MAX_ENTRIES else {k: _code[k] for k in _used}
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(_header() + marshal.dumps(entries))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
