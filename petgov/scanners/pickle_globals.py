"""Judging a pickle's imported globals against the deny and allow lists kept as data.

Names are judged whole: ``numpy.testing._private.utils.os.system`` is denied because one of its
dotted parts is ``os``, not waved through because it starts with ``numpy.``.

Beyond the lists, one rule: a private (``_``-prefixed) standard-library module that no list names
is ``risky`` (high), because those are the interpreter's primitives (``_posixsubprocess``,
``_winapi``, ``_imp`` ...) and ordinary pickles reach them only through public names.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_ALIASES = {"__builtin__": "builtins", "copy_reg": "copyreg", "exceptions": "builtins"}


@dataclass(frozen=True)
class Verdict:
    """'deny', 'allow', 'importer', 'risky' or 'unknown', with the list entry's reason."""

    verdict: str
    reason: str


@dataclass(frozen=True)
class Lists:
    deny_modules: tuple[tuple[str, str, tuple[str, ...]], ...]
    deny_parts: dict[str, str]
    allow: tuple[tuple[str, str], ...]
    importers: dict[str, str]


@lru_cache(maxsize=1)
def lists() -> Lists:
    """The packaged lists, parsed once."""
    from petgov.util.shipped import PACKAGE  # not importlib.resources: ~3 ms to import
    from petgov.util.yamldocs import documents, warm

    raw = (PACKAGE / "data" / "pickle" / "globals.yaml").read_bytes()
    warm([raw], "pickle-lists")  # parsed once per installation (JSON in the cache folder)
    (data,) = documents(raw)  # a safe loader (libyaml when present)
    deny = data["deny"]
    return Lists(
        tuple((e["name"], e["reason"], tuple(e.get("except", ()))) for e in deny["modules"]),
        {e["name"]: e["reason"] for e in deny["parts"]},
        tuple(_allow_entries(data["allow"])),
        {e["name"]: e["reason"] for e in data.get("importers", ())},
    )


def _allow_entries(entries: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """``{name, reason}`` entries, or ``{module, names: [...], reason}`` for a list of names."""
    for e in entries:
        if "names" in e:
            yield from ((f"{e['module']}.{n}", e["reason"]) for n in e["names"])
        else:
            yield e["name"], e["reason"]


def _matches(dotted: str, pattern: str) -> bool:
    if pattern.endswith(".*"):
        return dotted.startswith(pattern[:-1]) or fnmatch.fnmatchcase(dotted, pattern)
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(dotted, pattern)
    return dotted == pattern or dotted.startswith(pattern + ".")


def judge(module: str, name: str) -> Verdict:
    """Deny wins over allow; a private stdlib module on neither list is risky, the rest unknown.

    An importer (numpy's ``_ufunc_reconstruct``) is neither safe nor dangerous by name: the
    scanner judges the module and name it is called with.
    """
    module = _ALIASES.get(module, module)
    dotted = f"{module}.{name}"
    lst = lists()
    for part in dotted.split("."):
        if part in lst.deny_parts:
            return Verdict("deny", lst.deny_parts[part])
    for pattern, reason, exceptions in lst.deny_modules:
        if _matches(dotted, pattern) and not any(_matches(dotted, e) for e in exceptions):
            return Verdict("deny", reason)
    if dotted in lst.importers:
        return Verdict("importer", lst.importers[dotted])
    for pattern, reason in lst.allow:
        if _matches(dotted, pattern):
            return Verdict("allow", reason)
    top = module.split(".")[0]
    if top.startswith("_") and top in _STDLIB:
        return Verdict("risky", f"private standard-library module {top}")
    return Verdict("unknown", "not on the allow-list")


_STDLIB: frozenset[str] = frozenset(getattr(sys, "stdlib_module_names", ())) | {
    "_posixsubprocess",
    "_winapi",
    "_xxsubinterpreters",
    "_interpreters",
}
