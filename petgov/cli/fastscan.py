"""`petgov scan ...` without typer or click on the common path.

Importing typer and its click core and building the command cost ~60 ms of a ~250 ms tiny
scan. This reads a plain, well-formed ``petgov scan`` command line (the documented options as
separate words, ``--name=value`` forms, targets anywhere) into the keyword arguments typer
would pass to ``scanrun.run``. Anything else (help, an unknown or misspelt option, a value typer
might refuse or read differently, a missing value, no target) returns None and the typer app
parses it, so help and every error message stay typer's own. A differential test checks both
parsers agree on many command lines and that the option table matches the typer command.
"""

from __future__ import annotations

import enum
import os
import re
from pathlib import Path
from typing import Any

from petgov.inventory.hashing import DigestMode
from petgov.model import RunMode, Severity
from petgov.reporters.formats import OutputFormat
from petgov.scanners.options import PiiEngineName

# Value options: option word -> (parameter, converter kind, extra: enum class or minimum).
VALUE_OPTIONS: dict[str, tuple[str, Any, Any]] = {
    "--format": ("fmt", OutputFormat, None),
    "-f": ("fmt", OutputFormat, None),
    "--output": ("output", Path, None),
    "-o": ("output", Path, None),
    "--fail-on": ("fail_on", Severity, None),
    "--policy": ("policy", Path, None),
    "--waivers": ("waivers", Path, None),
    "--mode": ("mode", RunMode, None),
    "--scanner": ("scanner", str, None),
    "--digests": ("digests", DigestMode, None),
    "--nlp-model": ("nlp_model", Path, None),
    "--engine": ("engine", PiiEngineName, None),
    "--spark-master": ("spark_master", str, None),
    "--verify-key": ("verify_key", Path, None),
    "--verify-cert-chain": ("verify_cert_chain", Path, None),
    "--verify-identity": ("verify_identity", str, None),
    "--verify-issuer": ("verify_issuer", str, None),
    "--trust-root": ("trust_root", Path, None),
    "--osv-db": ("osv_db", Path, None),
    "--lock": ("lock", Path, None),
    "--max-depth": ("max_depth", int, 0),
    "--max-members": ("max_members", int, 1),
    "--max-bytes": ("max_bytes", str, None),
    "--timeout": ("timeout", float, 0.001),
    "--baseline": ("baseline", Path, None),
    "--compliance": ("compliance", str, None),
    "--color": ("color", str, None),
    "--severity": ("severity", str, None),
    "--exclude": ("exclude", str, None),
}
# Flags: option word -> (parameter, value it sets).
FLAGS: dict[str, tuple[str, bool]] = {
    "--cross-check": ("cross_check", True),
    "--exhaustive": ("exhaustive", True),
    "--sarif-include-waived": ("include_waived", True),
    "--deps-environment": ("deps_environment", True),
    "--progress": ("progress", True),
    "--no-progress": ("progress", False),
    "--quiet": ("quiet", True),
    "-q": ("quiet", True),
    "--default-skips": ("default_skips", True),
    "--no-default-skips": ("default_skips", False),
    "--fail-on-empty": ("fail_on_empty", True),
    "--cache": ("cache", True),
    "--no-cache": ("cache", False),
    "--offline": ("offline", True),
}
REPEATABLE = frozenset({"scanner", "verify_cert_chain", "exclude"})
# What each parameter is when its option is not given (typer's defaults; a test compares).
DEFAULTS: dict[str, Any] = {
    "fmt": OutputFormat.TABLE,
    "output": None,
    "fail_on": None,
    "policy": None,
    "waivers": None,
    "mode": RunMode.ENFORCE,
    "scanner": [],
    "cross_check": False,
    "digests": DigestMode.TOP,
    "nlp_model": None,
    "exhaustive": False,
    "engine": PiiEngineName.LOCAL,
    "spark_master": None,
    "include_waived": False,
    "verify_key": None,
    "verify_cert_chain": [],
    "verify_identity": None,
    "verify_issuer": None,
    "trust_root": None,
    "deps_environment": False,
    "osv_db": None,
    "lock": None,
    "progress": True,
    "max_depth": None,
    "max_members": None,
    "max_bytes": None,
    "timeout": None,
    "baseline": None,
    "compliance": None,
    "color": "auto",
    "quiet": False,
    "severity": None,
    "exclude": [],
    "default_skips": True,
    "fail_on_empty": False,
    "cache": True,
    "offline": False,
}
_INT = re.compile(r"[0-9]{1,18}", re.ASCII)
_FLOAT = re.compile(r"[0-9]{1,15}(\.[0-9]{1,15})?", re.ASCII)
_UNSURE = object()  # a value typer might refuse or convert otherwise: typer decides


def scan_arguments(args: list[str]) -> dict[str, Any] | None:
    """``scanrun.run``'s keyword arguments for ``petgov [--debug] scan ARGS``, or None when
    typer must parse the command line."""
    if args[:1] == ["--debug"]:
        args = args[1:]
    if args[:1] != ["scan"] or any(n.startswith("_PETGOV_COMPLETE") for n in os.environ):
        return None
    given: dict[str, Any] = {}
    targets: list[str] = []
    words = args[1:]
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            targets.extend(words[i:])
            break
        if not word.startswith("-"):
            targets.append(word)
            continue
        name, eq, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in FLAGS and not eq:
            param, flag = FLAGS[name]
            given[param] = flag
            continue
        if name not in VALUE_OPTIONS:
            return None  # help, an unknown option, -fjson, a bare '-': typer's words
        if eq:
            value = inline
        elif i < len(words):
            value = words[i]
            i += 1
        else:
            return None
        param, kind, extra = VALUE_OPTIONS[name]
        converted = _convert(value, kind, extra)
        if converted is _UNSURE:
            return None
        if param in REPEATABLE:
            given.setdefault(param, []).append(converted)
        else:
            given[param] = converted  # a repeated option: the last one wins, as in click
    if not targets or any(t == "" for t in targets):
        return None
    return {"targets": targets, **DEFAULTS, **given}


def _convert(value: str, kind: Any, extra: Any) -> Any:
    if value == "" or value.startswith("-"):
        return _UNSURE  # an option's value that looks like an option: leave it to typer
    if kind is str:
        return value
    if kind is Path:
        if os.path.exists(value) and not os.access(value, os.R_OK):
            return _UNSURE  # typer: "Path ... is not readable."
        return Path(value)
    if kind is int or kind is float:
        pattern = _INT if kind is int else _FLOAT
        if not pattern.fullmatch(value):
            return _UNSURE
        number = kind(value)
        return number if number >= extra else _UNSURE
    assert isinstance(kind, type) and issubclass(kind, enum.Enum)
    for member in kind:
        if member.value == value:
            return member
    return _UNSURE  # another spelling or case: typer accepts or words the error
