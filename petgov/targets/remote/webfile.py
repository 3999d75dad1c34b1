"""One file at an ``https://`` URL, read by range like a hub file.

A HEAD request (or a one-byte GET where HEAD is refused) gives the size, the ETag (the content
key) and whether the server honours ranges; one that does not is downloaded once and sliced.
Plain ``http://`` is accepted for loopback only (a test server, a local mirror): anywhere else the
bytes could be changed on the way.
"""

from __future__ import annotations

import threading
import urllib.parse

import petgov
from petgov.errors import TargetError
from petgov.model import Origin
from petgov.targets.filters import PathFilter
from petgov.targets.interface import RawEntry, ResolvedTarget, TargetResolver
from petgov.targets.remote.consent import require_network
from petgov.targets.remote.ranged import Fetch, Meter, RemoteFile, Workdir, cost_facts

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


class HttpsResolver(TargetResolver):
    """https:// URLs of single files."""

    def accepts(self, target: str) -> bool:
        return target.startswith(("https://", "http://"))

    def resolve(self, target: str, path_filter: PathFilter | None = None) -> ResolvedTarget:
        from petgov.targets.remote import web  # urllib.request: only when a URL is scanned

        parts = urllib.parse.urlsplit(target)
        if parts.scheme == "http" and (parts.hostname or "") not in LOOPBACK:
            raise TargetError(
                f"{target}: plain http is accepted for loopback only",
                hint="use the https:// URL of the file",
            )
        if not parts.hostname or not parts.path.strip("/"):
            raise TargetError(f"{target}: name a file (https://host/path/to/model.safetensors)")
        require_network(web.shown(target))
        headers = {"User-Agent": f"petgov/{petgov.__version__}"}
        try:
            info = web.head(target, headers)
        except OSError as exc:
            raise TargetError(f"{web.shown(target)}: {exc}") from None
        if info.size is None:
            raise TargetError(f"{web.shown(target)}: the server does not say how large it is")
        meter = Meter(listed_bytes=info.size)
        shown = web.shown(target)
        fetch = _ranged(info.url, headers) if info.ranges else _whole(info.url, headers, info.size)
        source = RemoteFile(shown, info.size, fetch, meter, key=info.etag, workdir=Workdir())
        resolved = ResolvedTarget(target=target, root=None)
        origin = Origin(kind="https", source=shown, etag=info.etag)
        resolved.entries.append(RawEntry(path=shown, source=source, origin=origin))
        resolved.facts[""] = {"remote.kind": "https", "remote.ranges": info.ranges}
        resolved.late_facts.append(cost_facts(meter, [source]))
        return resolved


def _ranged(url: str, headers: dict[str, str]) -> Fetch:
    from petgov.targets.remote import web

    def fetch(lo: int, hi: int) -> bytes:
        return web.get_range(url, lo, hi, headers)

    return fetch


def _whole(url: str, headers: dict[str, str], size: int) -> Fetch:
    """A server without ranges: one download, then slices of it (never a download per read)."""
    from petgov.targets.remote import web

    held: list[bytes] = []
    lock = threading.Lock()

    def fetch(lo: int, hi: int) -> bytes:
        with lock:
            if not held:
                held.append(web.get_range(url, 0, size, headers))
        return held[0][lo:hi]

    return fetch
