"""Installed distribution versions without importing ``importlib.metadata``.

The report names each engine's version; ``importlib.metadata`` pulls in ``email``, ``csv`` and
friends (~15 ms) for what is, in an installed environment, the name of a ``.dist-info`` folder.
That folder name is read first; ``importlib.metadata`` answers whatever it cannot.
"""

from __future__ import annotations

import functools
import os
import re
import sys


def version(distribution: str) -> str:
    """The installed version of ``distribution`` (raises PackageNotFoundError like importlib)."""
    found = _from_folder_names(_normalized(distribution))
    if found is not None:
        return found
    from importlib.metadata import version as metadata_version

    return metadata_version(distribution)


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _from_folder_names(wanted: str) -> str | None:
    for entry in sys.path:
        for folder in _dist_infos(entry or "."):
            name, _, rest = folder[: -len(".dist-info")].partition("-")
            if _normalized(name) == wanted and rest and "-" not in rest:
                return rest
    return None


@functools.cache
def _dist_infos(path: str) -> tuple[str, ...]:
    try:
        names = os.listdir(path)
    except OSError:
        return ()
    return tuple(n for n in names if n.endswith(".dist-info"))
