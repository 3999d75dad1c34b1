"""Offline is a promise: a remote is fetched only when the user named it and did not forbid it.

``--offline`` (a flag of the commands that take targets), ``PETGOV_OFFLINE`` and huggingface_hub's
own ``HF_HUB_OFFLINE`` all forbid the network; resolvers ask ``offline()`` before any request,
so a forbidden fetch fails with one line instead of a socket being opened.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextvars import ContextVar

from petgov.errors import TargetError

_FLAG: ContextVar[bool] = ContextVar("petgov_offline", default=False)
_TRUE = {"1", "ON", "YES", "TRUE"}
HINT = "drop --offline (and unset HF_HUB_OFFLINE / PETGOV_OFFLINE) to let petgov fetch it"


def _env(name: str) -> bool:
    return os.environ.get(name, "").strip().upper() in _TRUE


def offline() -> bool:
    """Whether the network is forbidden for this run (flag, PETGOV_OFFLINE or HF_HUB_OFFLINE)."""
    return _FLAG.get() or _env("PETGOV_OFFLINE") or _env("HF_HUB_OFFLINE")


def why_offline() -> str:
    """The switch that made this run offline, for the error line."""
    if _FLAG.get():
        return "--offline"
    return "PETGOV_OFFLINE" if _env("PETGOV_OFFLINE") else "HF_HUB_OFFLINE"


@contextlib.contextmanager
def offline_mode(on: bool) -> Iterator[None]:
    """Forbid the network inside the block when ``on`` (what ``--offline`` does)."""
    token = _FLAG.set(on or _FLAG.get())
    try:
        yield
    finally:
        _FLAG.reset(token)


def require_network(target: str, what: str = "a remote target") -> None:
    """Raise the one-line error when ``target`` would need the network and it is forbidden."""
    if offline():
        raise TargetError(
            f"{target}: {what} needs the network and {why_offline()} forbids it "
            "(there is no local copy to read)",
            hint=HINT,
        )
