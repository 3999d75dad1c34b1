"""Import spaCy and presidio without the deep-learning stacks they only probe for.

spaCy (through thinc) imports torch when it is installed, and presidio imports transformers for
an NLP engine petgov never builds: 4-5 s of CPU and ~350 MiB of memory per scan on a machine
with both, for a blank tokenizer and regular expressions. While hidden, ``import torch`` raises
``ModuleNotFoundError`` in the importing thread only, exactly as if it were not installed: both
libraries handle that and fall back to their numpy paths.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType

# Optional accelerators of spaCy/thinc and presidio; none is needed for a blank pipeline.
DEEP_LEARNING = ("torch", "transformers", "tensorflow", "jax", "cupy", "cupyx", "mxnet")


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
