"""HTTP(S) byte ranges with the standard library: redirects followed by hand so a credential
never travels to another origin (the hub redirects LFS files to a CDN), proxies from the
environment, certificates verified, one attempt per request (a dead endpoint fails in one line).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from email.message import Message

TIMEOUT = 30.0
MAX_REDIRECTS = 5
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class Head:
    """What a HEAD (or a one-byte GET) says about a URL after redirects."""

    url: str
    size: int | None
    etag: str | None
    ranges: bool
    headers: Mapping[str, str]


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def _send(
    url: str, method: str, headers: Mapping[str, str]
) -> tuple[str, urllib.response.addinfourl]:
    """Open ``url``, following redirects; Authorization is dropped when the origin changes."""
    sent = dict(headers)
    first = _origin(url)
    for _ in range(MAX_REDIRECTS + 1):
        if _origin(url) != first:
            sent = {k: v for k, v in sent.items() if k.lower() != "authorization"}
        request = urllib.request.Request(url, method=method, headers=sent)
        try:
            return url, _OPENER.open(request, timeout=TIMEOUT)
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location") if 300 <= exc.code < 400 else None
            if not location:
                raise OSError(f"HTTP {exc.code} {exc.reason} from {shown(url)}") from None
            exc.close()
            url = urllib.parse.urljoin(url, location)
        except urllib.error.URLError as exc:
            raise OSError(f"cannot reach {shown(url)}: {exc.reason}") from None
    raise OSError(f"more than {MAX_REDIRECTS} redirects from {shown(url)}")


def shown(url: str) -> str:
    """The URL without its query (presigned URLs carry credentials there)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def get_range(url: str, lo: int, hi: int, headers: Mapping[str, str] | None = None) -> bytes:
    """Bytes ``lo..hi`` (end exclusive) of ``url``; a server that ignores Range is read up to
    ``hi`` and the connection closed (never past what was asked)."""
    wanted = {**(headers or {}), "Range": f"bytes={lo}-{hi - 1}", "Accept-Encoding": "identity"}
    _, resp = _send(url, "GET", wanted)
    with resp:
        if resp.status == 206:
            found = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
            if found is None or int(found.group(1)) != lo:
                raise OSError(f"{shown(url)}: the server answered another range than {lo}..{hi}")
            return _read_exactly(resp, hi - lo)
        if resp.status == 200:  # no range support: skip to lo, stop at hi
            _read_exactly(resp, lo)
            return _read_exactly(resp, hi - lo)
        raise OSError(f"HTTP {resp.status} from {shown(url)}")


def get(url: str, headers: Mapping[str, str] | None = None, *, limit: int) -> bytes:
    """The whole body of ``url`` (an API answer), refused past ``limit`` bytes."""
    _, resp = _send(url, "GET", {**(headers or {}), "Accept-Encoding": "identity"})
    with resp:
        data = _read_exactly(resp, limit + 1)
    if len(data) > limit:
        raise OSError(f"{shown(url)}: answer larger than {limit} bytes")
    return data


def _read_exactly(resp: urllib.response.addinfourl, n: int) -> bytes:
    chunks = []
    left = n
    while left > 0:
        chunk = resp.read(min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def head(url: str, headers: Mapping[str, str] | None = None) -> Head:
    """Size, ETag and range support of ``url`` (a one-byte GET when HEAD is refused)."""
    try:
        final, resp = _send(url, "HEAD", dict(headers or {}))
    except OSError:
        return _probe(url, headers)
    with resp:
        info = resp.headers
        length = info.get("Content-Length")
        return Head(
            url=final,
            size=int(length) if length and length.isdigit() else None,
            etag=_etag(info),
            ranges="bytes" in info.get("Accept-Ranges", "").lower(),
            headers=dict(info.items()),
        )


def _probe(url: str, headers: Mapping[str, str] | None) -> Head:
    wanted = {**(headers or {}), "Range": "bytes=0-0", "Accept-Encoding": "identity"}
    final, resp = _send(url, "GET", wanted)
    with resp:
        info = resp.headers
        found = _CONTENT_RANGE.match(info.get("Content-Range", ""))
        size = int(found.group(3)) if found and found.group(3).isdigit() else None
        return Head(final, size, _etag(info), resp.status == 206, dict(info.items()))


def _etag(info: Message) -> str | None:
    value = info.get("X-Linked-Etag") or info.get("ETag")
    return value.strip().removeprefix("W/").strip('"') if value else None
