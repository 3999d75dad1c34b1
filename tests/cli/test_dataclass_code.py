"""petgov's dataclass methods served from compiled code (petgov/util/dataclass_code.py).

Every petgov module is imported in fresh interpreters: without the cache, with a cold cache
(compiled and written) and with the warm cache (nothing compiled); each dataclass's generated
methods must be the same functions in all three (code, names, defaults, annotations, closure).
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

_PROBE = r"""
import dataclasses, importlib, json, pkgutil, re, sys, types
import petgov
from petgov.util import dataclass_code as dc

dc.cache_path = lambda: sys.argv[1]
if sys.argv[2] == "on":
    dc.install()
for info in pkgutil.walk_packages(petgov.__path__, "petgov."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)

def plain(value):
    if isinstance(value, (set, frozenset)):  # iteration order varies with the hash seed
        return sorted(plain(v) for v in value)
    if type(value) in (tuple, list):
        return [plain(v) for v in value]
    if type(value) is dict:
        return sorted((plain(k), plain(v)) for k, v in value.items())
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))

def code(c):
    consts = [code(k) if isinstance(k, types.CodeType) else plain(k) for k in c.co_consts]
    return [c.co_name, c.co_qualname, c.co_filename, c.co_firstlineno, c.co_argcount,
            c.co_posonlyargcount, c.co_kwonlyargcount, c.co_flags, c.co_code.hex(),
            c.co_linetable.hex(), c.co_exceptiontable.hex(), c.co_names, c.co_varnames,
            c.co_freevars, c.co_cellvars, consts]

def function(f):
    f = getattr(f, "__wrapped__", f)  # __repr__ is wrapped against recursion
    cells = [plain(cell.cell_contents) for cell in f.__closure__ or ()]
    return [f.__name__, f.__qualname__, f.__module__, f.__globals__["__name__"],
            plain(f.__defaults__), plain(f.__kwdefaults__), plain(f.__annotations__),
            cells, code(f.__code__)]

out = {}
for name, module in sorted(sys.modules.items()):
    if not name.startswith("petgov"):
        continue
    for attr, cls in sorted(vars(module).items()):
        if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == name:
            out[f"{name}.{attr}"] = {
                method: function(fn)
                for method, fn in sorted(vars(cls).items())
                if method.startswith("__") and isinstance(fn, types.FunctionType)
            }
counts = {"added": dc._state["added"], "served": dc._state["served"]}
dc.save()
print("\n@@" + json.dumps({"classes": out, **counts}))
"""


def _methods(cache: Path, mode: str) -> tuple[dict[str, object], int, int]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(cache), mode],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert "@@" in done.stdout, done.stderr
    result = json.loads(done.stdout.rsplit("@@", 1)[1])
    return result["classes"], result["added"], result["served"]


def test_cached_methods_are_the_compiled_ones(tmp_path: Path) -> None:
    cache = tmp_path / "dc.marshal"
    plain, added, served = _methods(cache, "off")
    assert added == served == 0 and not cache.exists()
    assert len(plain) > 100  # petgov's dataclasses, every module imported
    assert sum(len(m) for m in plain.values()) > 400
    cold, added, served = _methods(cache, "on")
    assert added > 400 and served == 0  # __init__, __repr__, __eq__, ... of each class
    assert cache.is_file()
    warm, added, served = _methods(cache, "on")
    assert added == 0 and served > 400  # nothing compiled: every method from the cache
    assert cold == plain
    assert warm == plain


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a cache", b"petgov-dataclass-code-1\n", "truncated", "foreign magic"],
)
def test_a_damaged_or_foreign_cache_is_compiled_again(damage: bytes | str, tmp_path: Path) -> None:
    cache = tmp_path / "dc.marshal"
    _methods(cache, "on")
    good = cache.read_bytes()
    if damage == "truncated":
        cache.write_bytes(good[: len(good) // 2])
    elif damage == "foreign magic":
        header = good.index(b"\n") + 1
        cache.write_bytes(good[:header] + b"\0\0\0\0" + good[header + 4 :])
    else:
        assert isinstance(damage, bytes)
        cache.write_bytes(damage)
    again, added, served = _methods(cache, "on")
    assert added > 400 and served == 0
    assert cache.read_bytes() == good  # rewritten whole
    assert again == _methods(cache, "on")[0]


def test_only_petgov_classes_use_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import types

    from petgov.util import dataclass_code as dc

    before = dict(dc._state)
    module = types.ModuleType("someone_else")
    module.dataclasses = dataclasses  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "someone_else", module)
    try:
        dc.install()
        exec(  # a class of another package, defined the way its module would
            "@dataclasses.dataclass(frozen=True)\nclass Other:\n    x: int = 1\n",
            module.__dict__,
        )
        assert dc._state["added"] == before["added"] and dc._state["served"] == before["served"]
        other = module.Other  # type: ignore[attr-defined]
        assert repr(other()) == "Other(x=1)" and other() == other()
    finally:
        if not before["installed"]:
            dc.uninstall()


def test_a_scan_writes_the_cache_and_reads_it_back(tmp_path: Path) -> None:
    """Two real scans (the command line's start installs the cache): the same report."""
    (tmp_path / "tiny.pkl").write_bytes(pickle.dumps({"a": 1}))
    cache = tmp_path / "dc.marshal"
    probe = (
        "import sys\n"
        "from petgov.util import dataclass_code as dc\n"
        f"dc.cache_path = lambda: {str(cache)!r}\n"
        "from petgov.cli.main import run\n"
        "run(sys.argv[1:])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PETGOV_CACHE_DIR"] = str(tmp_path / "petgov-cache")
    args = ["scan", "--no-cache", "-f", "json", "tiny.pkl"]

    def report() -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        out: dict[str, object] = json.loads(done.stdout)
        out.pop("created_at", None)
        return out

    first = report()
    assert cache.is_file()
    stamp = cache.stat().st_mtime_ns
    assert report() == first
    assert cache.stat().st_mtime_ns == stamp  # nothing new compiled: not rewritten
