"""Digests of a scan's large local files, started as soon as ``petgov scan`` is called.

``petgov scan`` spends its first ~0.1-0.2 s importing the pipeline and the scanners; a 300 MB
file takes ~0.2 s to hash. Started here, before those imports, the hashing of the biggest files
runs alongside them (the command line is guessed at first; ``settle`` calls off what its parser
says is not a target). The pipeline later adopts a running digest when the file it lists is the
same file in the same state (device, inode, size, mtime, ctime), so nothing is hashed twice, and
a file changed meanwhile is hashed again (``FileDigest.confirmed`` checks once more when the
digest is collected). A digest nobody adopts is cancelled when the command ends.

Stdlib only (plus ``filehash``): importing this must cost next to nothing.
"""

from __future__ import annotations

import itertools
import os
import stat
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from petgov.inventory.filehash import FileDigest, Stamp, stamp_of, workers

# Files at most this big are hashed inline from the bytes read at sniffing (pipeline).
LARGE_BYTES = 256 * 1024
# The early walk lists at most this many entries: a model folder holds a few dozen files (a
# sharded one a few hundred); a folder of thousands of small files has nothing to gain and would
# pay for a second walk (1,000 files: ~2 ms of stats before anything else).
MAX_LISTED = 512
# The folders a walk skips by default (targets.filters.DEFAULT_SKIP_DIRS; a test keeps them equal).
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", "node_modules"})
IGNORE_FILE = ".petgovignore"

_started: dict[tuple[int, int], FileDigest] = {}
_origin: dict[tuple[int, int], str] = {}  # the target word each was started for
_lock = threading.Lock()


def start(targets: Sequence[str], *, default_skips: bool = True, exclude: bool = False) -> int:
    """Start hashing the large regular files of local ``targets``, biggest first; how many.

    Only what the pipeline's walk will list: no links, no default-skipped folders (unless
    ``default_skips`` is off); a folder is not walked here when globs leave files out
    (``exclude``, a ``.petgovignore``), the pipeline hashes those itself.
    """
    found: list[tuple[str, os.stat_result, str]] = []
    budget = [MAX_LISTED]
    ignored_here = os.path.exists(IGNORE_FILE)
    for target in targets:
        if "://" in target or target in ("", "-"):
            continue
        try:
            st = os.stat(target, follow_symlinks=False)
        except OSError:
            continue  # the pipeline words the error
        if stat.S_ISREG(st.st_mode):
            if st.st_size > LARGE_BYTES:
                found.append((target, st, target))
        elif stat.S_ISDIR(st.st_mode) and not (exclude or ignored_here or _has_ignore(target)):
            found.extend((p, s, target) for p, s in _large_files(target, default_skips, budget))
    found.sort(key=lambda f: -f[1].st_size)
    pool = workers()
    with _lock:
        for path, st, target in found:
            key = (st.st_dev, st.st_ino)
            if key not in _started:
                _started[key] = pool.submit(path, stamp_of(st))
                _origin[key] = target
    return len(found)


def _has_ignore(folder: str) -> bool:
    return os.path.exists(os.path.join(folder, IGNORE_FILE))


def _large_files(
    top: str, default_skips: bool, budget: list[int]
) -> Iterable[tuple[str, os.stat_result]]:
    skip = SKIP_DIRS if default_skips else frozenset()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            listing = os.scandir(folder)
        except OSError:
            continue
        with listing:  # listed up to the budget first: past it, no file is stat'ed
            entries = list(itertools.islice(listing, budget[0] + 1))
        budget[0] -= len(entries)
        if budget[0] < 0:
            return
        for e in entries:
            try:
                if e.is_symlink():
                    continue
                if e.is_dir(follow_symlinks=False):
                    if e.name not in skip:
                        stack.append(e.path)
                elif e.is_file(follow_symlinks=False):
                    st = e.stat(follow_symlinks=False)
                    if st.st_size > LARGE_BYTES:
                        yield e.path, st
            except OSError:
                continue


def adopt(path: str, listed: Stamp) -> FileDigest | None:
    """The digest started early for the file at ``path``, if it is in the state ``listed``."""
    if not _started:
        return None
    with _lock:
        job = _started.pop((listed[0], listed[1]), None)
        _origin.pop((listed[0], listed[1]), None)
    if job is None:
        return None
    if job.listed != listed or job.cancelled:
        job.cancel()  # changed since: the caller hashes it again
        return None
    return job


def cancel_all() -> None:
    """Call off every early digest nobody adopted (the command is ending)."""
    with _lock:
        jobs = list(_started.values())
        _started.clear()
        _origin.clear()
    for job in jobs:
        job.cancel()


# The options of `petgov scan` that take a value (cli.fastscan.VALUE_OPTIONS; a test keeps
# them equal): the word after one is not a target.
VALUE_OPTIONS = frozenset(
    {
        "--format", "-f", "--output", "-o", "--fail-on", "--policy", "--waivers", "--mode",
        "--scanner", "--digests", "--nlp-model", "--engine", "--spark-master", "--verify-key",
        "--verify-cert-chain", "--verify-identity", "--verify-issuer", "--trust-root", "--osv-db",
        "--lock", "--max-depth", "--max-members", "--max-bytes", "--timeout", "--baseline",
        "--compliance", "--color", "--severity", "--exclude",
    }
)  # fmt: skip


def start_from_argv(args: Sequence[str]) -> None:
    """The early start from the raw words of ``petgov [--debug] scan ARGS``, before the command
    line parser is even imported (~30 ms of hashing sooner). A guess: ``settle`` calls off
    what the parsed command line does not scan; a digest is only ever adopted for the same file
    in the same state, so a wrong guess costs CPU, never a wrong digest."""
    words = list(args[1:] if args[:1] == ["--debug"] else args)
    if words[:1] != ["scan"]:
        return
    targets: list[str] = []
    options: dict[str, str] = {}
    rest = iter(words[1:])
    for word in rest:
        if word == "--":
            targets.extend(rest)
        elif not word.startswith("-"):
            targets.append(word)
        elif word in VALUE_OPTIONS:
            options[word] = next(rest, "")
        else:
            name, _, value = word.partition("=")
            options[name] = value
    if options.get("--digests") == "none" or options.get("--engine") == "spark":
        return
    skips = "--no-default-skips" not in options or "--default-skips" in options
    start(targets, default_skips=skips, exclude="--exclude" in options)


def settle(arguments: Mapping[str, Any] | None) -> None:
    """After the command line is parsed (``cli.fastscan``'s ``scanrun.run`` arguments; None: the
    full parser will read it): call off the early digests of anything that is not a target,
    or all of them when digests are off or Spark reads the targets."""
    if arguments is None:
        return  # typer parses it; the pipeline adopts what matches, the rest is called off at exit
    digests = getattr(arguments.get("digests"), "value", "top")
    engine = getattr(arguments.get("engine"), "value", "local")
    targets = set(arguments.get("targets") or ())
    with _lock:
        drop = [
            key
            for key, origin in _origin.items()
            if digests == "none" or engine == "spark" or origin not in targets
        ]
        jobs = [_started.pop(key, None) for key in drop]
        for key in drop:
            del _origin[key]
    for job in jobs:
        if job is not None:
            job.cancel()
