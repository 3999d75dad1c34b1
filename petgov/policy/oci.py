"""The few OCI distribution API calls a rule pack needs: manifest and blobs by digest, push.

Written on the standard library rather than ``oras`` (PyPI): oras-py retries a failed request
five times with growing sleeps (about two minutes before an unreachable registry is reported),
returns manifests parsed (the bytes a pinned digest is checked against are gone) and does not
check blob digests on pull. Here every byte read is checked against the digest that named it.

Auth: anonymous first; on 401 the registry's challenge is answered (Bearer token from its realm,
or Basic), with credentials from ``$PETGOV_OCI_USERNAME``/``$PETGOV_OCI_PASSWORD`` or the
``auths`` of ``~/.docker/config.json`` (``$DOCKER_CONFIG``). Loopback registries speak plain
HTTP (as docker and oras do for localhost); every other registry is HTTPS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from petgov.errors import PolicyError

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
MAX_MANIFEST_BYTES = 4 << 20
TIMEOUT = 30.0
_LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
_REF = re.compile(
    r"^oci://(?P<host>[A-Za-z0-9.\-]+(?::\d+)?|\[[0-9a-fA-F:]+\](?::\d+)?)/"
    r"(?P<repo>[a-z0-9]+(?:[._\-/][a-z0-9]+)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


@dataclass(frozen=True)
class Reference:
    """``oci://host[:port]/repo[:tag][@sha256:...]``."""

    host: str
    repo: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, text: str) -> Reference:
        m = _REF.match(text)
        if m is None:
            raise PolicyError(
                f"{text}: not an OCI reference",
                hint="write oci://registry/org/pack:tag@sha256:<manifest digest>",
            )
        return cls(m["host"], m["repo"], m["tag"], m["digest"])

    def pinned(self, digest: str) -> str:
        tag = f":{self.tag}" if self.tag else ""
        return f"oci://{self.host}/{self.repo}{tag}@{digest}"

    def __str__(self) -> str:
        return self.pinned(self.digest) if self.digest else f"oci://{self.host}/{self.repo}"


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    """One repository on one registry, with the auth its challenges ask for."""

    def __init__(self, ref: Reference, *, push: bool = False) -> None:
        self.ref = ref
        loopback = ref.host.rsplit(":", 1)[0] in _LOOPBACK or ref.host.startswith("[::1]")
        self.base = f"{'http' if loopback else 'https'}://{ref.host}/v2/{ref.repo}"
        self.scope = f"repository:{ref.repo}:{'pull,push' if push else 'pull'}"
        self._auth: str | None = None

    # -- pull -------------------------------------------------------------------------------

    def manifest(self, digest: str) -> bytes:
        """The manifest bytes named by ``digest``, checked against it."""
        body = self._call(
            "GET", f"{self.base}/manifests/{digest}", MAX_MANIFEST_BYTES, {"Accept": MANIFEST_TYPE}
        )[1]
        if sha256_digest(body) != digest:
            raise PolicyError(
                f"rule pack {self.ref} refused: the registry's manifest has digest "
                f"{sha256_digest(body)}, not the pinned {digest}"
            )
        return body

    def blob(self, digest: str, size: int) -> bytes:
        """The blob named by ``digest`` (``size`` bytes), checked against it."""
        body = self._call("GET", f"{self.base}/blobs/{digest}", size + 1)[1]
        if len(body) != size or sha256_digest(body) != digest:
            raise PolicyError(
                f"rule pack {self.ref} refused: blob {digest} as served has digest "
                f"{sha256_digest(body)} ({len(body)} bytes, {size} expected)"
            )
        return body

    def resolve(self, tag: str) -> str:
        """The digest a tag points at now (for `rules publish` output and pinning help)."""
        headers = self._call("HEAD", f"{self.base}/manifests/{tag}", 0, {"Accept": MANIFEST_TYPE})
        digest = headers[0].get("Docker-Content-Digest")
        if digest is None:
            return sha256_digest(
                self._call(
                    "GET",
                    f"{self.base}/manifests/{tag}",
                    MAX_MANIFEST_BYTES,
                    {"Accept": MANIFEST_TYPE},
                )[1]
            )
        return digest

    # -- push -------------------------------------------------------------------------------

    def push_blob(self, data: bytes) -> str:
        """Upload ``data`` (monolithic: POST for a session, PUT with the digest); its digest."""
        digest = sha256_digest(data)
        head = self._call("HEAD", f"{self.base}/blobs/{digest}", 0, ok=(200, 404))
        if head[2] == 200:
            return digest
        started = self._call("POST", f"{self.base}/blobs/uploads/", 0, ok=(202,))
        location = started[0].get("Location")
        if not location:
            raise PolicyError(f"{self.ref}: the registry gave no upload location")
        url = urllib.parse.urljoin(self.base + "/", location)
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"digest": digest})
        headers = {"Content-Type": "application/octet-stream"}
        self._call("PUT", url, 0, headers, data=data, ok=(201,))
        return digest

    def push_manifest(self, tag: str, body: bytes) -> str:
        self._call(
            "PUT",
            f"{self.base}/manifests/{tag}",
            0,
            {"Content-Type": MANIFEST_TYPE},
            data=body,
            ok=(201,),
        )
        return sha256_digest(body)

    # -- transport --------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        url: str,
        limit: int,
        headers: dict[str, str] | None = None,
        *,
        data: bytes | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> tuple[dict[str, str], bytes, int]:
        """One request, answering one auth challenge; (headers, body up to ``limit``, status)."""
        for attempt in (0, 1):
            req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
            if self._auth:
                req.add_unredirected_header("Authorization", self._auth)  # not sent on redirect
            try:
                with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                    body = resp.read(limit) if limit else b""
                    if limit and len(body) >= limit and resp.read(1):
                        raise PolicyError(f"{self.ref}: {url} is larger than expected")
                    return dict(resp.headers.items()), body, resp.status
            except urllib.error.HTTPError as exc:
                if exc.code == 401 and attempt == 0:
                    self._auth = self._answer(exc.headers.get("WWW-Authenticate", ""))
                    if self._auth:
                        continue
                if exc.code in ok:
                    return dict(exc.headers.items()), b"", exc.code
                raise PolicyError(
                    f"rule pack {self.ref}: {method} {urllib.parse.urlsplit(url).path} "
                    f"answered {exc.code} {exc.reason}",
                    hint=_hint(exc.code),
                ) from None
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise PolicyError(
                    f"rule pack {self.ref}: cannot reach {self.ref.host}: {reason}"
                ) from None
        raise PolicyError(f"rule pack {self.ref}: the registry refused the credentials")

    def _answer(self, challenge: str) -> str | None:
        """The Authorization value for a 401 challenge, or None when none can be given."""
        user, password = credentials(self.ref.host)
        scheme, _, params = challenge.partition(" ")
        if scheme.lower() == "basic":
            return _basic(user, password) if user else None
        if scheme.lower() != "bearer":
            return None
        fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
        if "realm" not in fields:
            return None
        query = {"service": fields.get("service", ""), "scope": fields.get("scope", self.scope)}
        req = urllib.request.Request(fields["realm"] + "?" + urllib.parse.urlencode(query))
        if user:
            req.add_header("Authorization", _basic(user, password))
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
                doc = json.loads(resp.read(1 << 20))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise PolicyError(f"rule pack {self.ref}: token request failed: {exc}") from None
        token = doc.get("token") or doc.get("access_token") if isinstance(doc, dict) else None
        return f"Bearer {token}" if token else None


def credentials(host: str) -> tuple[str | None, str | None]:
    """(user, password) for ``host``: petgov's variables, else docker's config ``auths``."""
    if os.environ.get("PETGOV_OCI_USERNAME"):
        return os.environ["PETGOV_OCI_USERNAME"], os.environ.get("PETGOV_OCI_PASSWORD", "")
    folder = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    try:
        auths = json.loads((folder / "config.json").read_text()).get("auths", {})
        entry = auths.get(host) or auths.get(f"https://{host}") or {}
        user, _, password = base64.b64decode(entry.get("auth", "")).decode().partition(":")
    except (OSError, ValueError, AttributeError):
        return None, None
    return (user, password) if user else (None, None)


def _basic(user: str | None, password: str | None) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password or ''}".encode()).decode()


def _hint(code: int) -> str | None:
    if code in (401, 403):
        return "set PETGOV_OCI_USERNAME/PETGOV_OCI_PASSWORD or log in with docker/oras"
    if code == 404:
        return "check the reference: registry, repository, tag and digest"
    return None
