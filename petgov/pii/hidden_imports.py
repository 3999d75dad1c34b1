"""Import spaCy and presidio without the deep-learning stacks they only probe for, and without
compiling presidio's predefined patterns twice.

spaCy (through thinc) imports torch when it is installed, and presidio imports transformers for
an NLP engine petgov never builds: 4-5 s of CPU and ~350 MiB of memory per scan on a machine
with both, for a blank tokenizer and regular expressions. While hidden, ``import torch`` raises
``ModuleNotFoundError`` in the importing thread only, exactly as if it were not installed: both
libraries handle that and fall back to their numpy paths.

presidio's ``Pattern`` checks its regex by compiling it and dropping the result; importing
presidio builds ~170 of them (0.2 s, a sixth of the import), and a recognizer compiles each
again, with its flags, when first used. ``unchecked_patterns`` skips that check for the
patterns presidio's own modules build while it is being imported, and puts it back after.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType

# Optional accelerators of spaCy/thinc and presidio; none is needed for a blank pipeline.
# h5py serves only thinc's TensorFlow shim (0.1 s to import).
DEEP_LEARNING = ("torch", "transformers", "tensorflow", "jax", "cupy", "cupyx", "mxnet", "h5py")


class _Hide(importlib.abc.MetaPathFinder):
    def __init__(self, names: frozenset[str], thread: int) -> None:
        self.names = names
        self.thread = thread

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] in self.names and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


@contextmanager
def hidden(names: Sequence[str] = DEEP_LEARNING) -> Iterator[None]:
    """Within the block, this thread cannot import ``names`` that are not imported yet
    (one already imported costs nothing more and stays visible)."""
    absent = frozenset(n for n in names if n not in sys.modules)
    if not absent:
        yield
        return
    finder = _Hide(absent, threading.get_ident())
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


PATTERN_MODULE = "presidio_analyzer.pattern"
_CHECK = "_Pattern__validate_regex"  # Pattern.__validate_regex, name-mangled


class _Unchecked(importlib.abc.MetaPathFinder):
    """Loads presidio's pattern module with its regex check turned off until ``restore``."""

    def __init__(self) -> None:
        self.patched: tuple[type, object] | None = None

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname != PATTERN_MODULE or self.patched is not None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader = spec.loader if spec is not None else None
        if spec is None or not isinstance(loader, importlib.abc.Loader):
            return spec
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            cls = getattr(module, "Pattern", None)
            check = cls.__dict__.get(_CHECK) if isinstance(cls, type) else None
            if isinstance(cls, type) and isinstance(check, staticmethod):
                self.patched = (cls, check)
                setattr(cls, _CHECK, staticmethod(_unchecked))

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec

    def restore(self) -> None:
        if self.patched is not None:
            cls, check = self.patched
            setattr(cls, _CHECK, check)


def _unchecked(pattern: str) -> None:
    """presidio's own patterns: compiled (and so checked) where they are used."""


@contextmanager
def unchecked_patterns() -> Iterator[None]:
    """While presidio is imported in the block, its ``Pattern`` does not compile to check;
    afterwards (and for every pattern petgov builds) it does again."""
    if PATTERN_MODULE in sys.modules:
        yield
        return
    finder = _Unchecked()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        finder.restore()
