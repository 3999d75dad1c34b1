"""A Hugging Face hub on loopback that speaks what huggingface_hub and petgov ask of it.

Two servers, two origins: the *hub* answers ``GET /api/{models,datasets,spaces}/{repo}/revision/
{rev}?blobs=True`` (the JSON ``HfApi.repo_info(files_metadata=True)`` parses: ``sha`` and
``siblings`` with ``rfilename``, ``size``, ``blobId`` and ``lfs: {sha256, size, pointerSize}``)
and ``GET|HEAD /{prefix}{repo}/resolve/{rev}/{path}``: git files are served there, LFS files are
redirected (302, with ``X-Linked-Etag``, ``X-Linked-Size``, ``X-Repo-Commit``) to the *CDN*,
which serves ``/blobs/{sha256}`` with Range support. Both count the body bytes they send and
remember the headers they were sent, so tests can prove what crossed the wire.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.targets.hubcache import LFS_SUFFIXES, fake_commit, git_sha1

_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")
_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}


@dataclass
class Repo:
    """One repo: its files at one commit, the branches that point at it."""

    files: dict[str, bytes]
    commit: str
    refs: tuple[str, ...] = ("main",)
    private: bool = False


@dataclass
class Counters:
    """What one server sent: body bytes, and each request's method, path and headers."""

    bytes_sent: int = 0
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self.lock:
            self.requests.append((method, path, headers))

    def sent(self, n: int) -> None:
        with self.lock:
            self.bytes_sent += n


class FakeHub:
    """The state both servers read: repos by (type, id), blobs by sha256, tampering."""

    def __init__(self, token: str = "hf_test_token") -> None:
        self.repos: dict[tuple[str, str], Repo] = {}
        self.blobs: dict[str, bytes] = {}
        self.tampered: dict[str, bytes] = {}  # sha256 -> other bytes the CDN serves instead
        self.token = token
        self.hub = Counters()
        self.cdn = Counters()
        self.hub_url = ""
        self.cdn_url = ""
        self.web: dict[str, bytes] = {}  # plain file server: URL path -> bytes
        self.web_ranges = True  # False: the file server ignores Range (sends 200, whole file)
        self.web_counters = Counters()
        self.web_url = ""

    def add(
        self, repo: str, files: dict[str, bytes], repo_type: str = "model", **kw: object
    ) -> str:
        """Publish ``files`` as ``repo``; returns the commit."""
        commit = fake_commit(repo + json.dumps(sorted(files)) + str(sum(map(len, files.values()))))
        self.repos[(repo_type, repo)] = Repo(files=dict(files), commit=commit, **kw)  # type: ignore[arg-type]
        for path, data in files.items():
            if is_lfs(path):
                self.blobs[hashlib.sha256(data).hexdigest()] = data
        return commit

    @property
    def bytes_sent(self) -> int:
        return self.hub.bytes_sent + self.cdn.bytes_sent

    def find(self, repo_type: str, repo: str, rev: str) -> Repo | None:
        found = self.repos.get((repo_type, repo))
        if found is None or rev not in (found.commit, *found.refs):
            return None
        return found


def is_lfs(path: str) -> bool:
    return path.endswith(LFS_SUFFIXES)


def siblings(files: dict[str, bytes]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for path, data in sorted(files.items()):
        entry: dict[str, object] = {"rfilename": path, "size": len(data)}
        if is_lfs(path):
            sha = hashlib.sha256(data).hexdigest()
            pointer = (
                f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {len(data)}\n"
            )
            entry["blobId"] = git_sha1(pointer.encode())
            entry["lfs"] = {"sha256": sha, "size": len(data), "pointerSize": len(pointer)}
            entry["size"] = len(data)
        else:
            entry["blobId"] = git_sha1(data)
        out.append(entry)
    return out


class _Handler(BaseHTTPRequestHandler):
    state: FakeHub
    counters: Counters
    role: str  # "hub" or "cdn"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def do_HEAD(self) -> None:
        self._route(body=False)

    def do_GET(self) -> None:
        self._route(body=True)

    def _route(self, body: bool) -> None:
        self.counters.record(self.command, self.path, dict(self.headers.items()))
        raw = urllib.parse.urlsplit(self.path).path
        path = urllib.parse.unquote(raw)
        if self.role == "web":
            data = self.state.web.get(path)
            if data is None:
                return self._error(404, "EntryNotFound")
            if not self.state.web_ranges:
                del self.headers["Range"]
            return self._serve(
                data, body, {"ETag": f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'}
            )
        if self.role == "cdn":
            sha = path.removeprefix("/blobs/")
            data = self.state.tampered.get(sha, self.state.blobs.get(sha))
            if data is None:
                return self._error(404, "EntryNotFound")
            return self._serve(data, body, {"ETag": f'"{sha}"'})
        api = re.fullmatch(r"/api/(models|datasets|spaces)/(.+)/revision/([^/]+)", raw)
        if api:
            rev = urllib.parse.unquote(api.group(3))
            return self._info(_TYPES[api.group(1)], urllib.parse.unquote(api.group(2)), rev)
        found = re.fullmatch(
            r"/(?:(datasets|spaces)/)?([^/]+(?:/[^/]+)?)/resolve/([^/]+)/(.+)", path
        )
        if found:
            repo_type = _TYPES[found.group(1)] if found.group(1) else "model"
            return self._resolve(repo_type, found.group(2), found.group(3), found.group(4), body)
        return self._error(404, "EntryNotFound")

    def _authorized(self, repo: Repo) -> bool:
        return not repo.private or self.headers.get("Authorization") == f"Bearer {self.state.token}"

    def _info(self, repo_type: str, repo_id: str, rev: str) -> None:
        repo = self.state.find(repo_type, repo_id, rev)
        if repo is None or not self._authorized(repo):
            code = (
                "RepoNotFound"
                if (repo_type, repo_id) not in self.state.repos
                else "RevisionNotFound"
            )
            return self._error(401 if repo and repo.private else 404, code)
        doc = {
            "id": repo_id,
            "sha": repo.commit,
            "private": repo.private,
            "siblings": siblings(repo.files),
        }
        data = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.counters.sent(len(data))

    def _resolve(self, repo_type: str, repo_id: str, rev: str, rel: str, body: bool) -> None:
        repo = self.state.find(repo_type, repo_id, rev)
        if repo is None or not self._authorized(repo) or rel not in repo.files:
            return self._error(404, "EntryNotFound")
        data = repo.files[rel]
        common = {"X-Repo-Commit": repo.commit}
        if is_lfs(rel):
            sha = hashlib.sha256(data).hexdigest()
            self.send_response(302)
            self.send_header("Location", f"{self.state.cdn_url}/blobs/{sha}")
            self.send_header("X-Linked-Etag", f'"{sha}"')
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("X-Repo-Commit", repo.commit)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return self._serve(data, body, {**common, "ETag": f'"{git_sha1(data)}"'})

    def _serve(self, data: bytes, body: bool, headers: dict[str, str]) -> None:
        wanted = _RANGE.match(self.headers.get("Range", ""))
        lo, hi = 0, len(data)
        status = 200
        if wanted:
            lo = int(wanted.group(1))
            hi = min(len(data), int(wanted.group(2)) + 1) if wanted.group(2) else len(data)
            if lo >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            status = 206
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if self.role != "web" or self.state.web_ranges:
            self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(hi - lo))
        if status == 206:
            self.send_header("Content-Range", f"bytes {lo}-{hi - 1}/{len(data)}")
        self.end_headers()
        if body:
            self.wfile.write(data[lo:hi])
            self.counters.sent(hi - lo)

    def _error(self, status: int, code: str) -> None:
        data = json.dumps({"error": code}).encode()
        self.send_response(status)
        self.send_header("X-Error-Code", code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def _server(state: FakeHub, role: str, counters: Counters) -> ThreadingHTTPServer:
    handler = type(
        f"{role}Handler", (_Handler,), {"state": state, "counters": counters, "role": role}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    return server


@contextmanager
def running(state: FakeHub | None = None) -> Iterator[FakeHub]:
    """Start the hub, its CDN and a plain file server on loopback (different ports: origins)."""
    state = state or FakeHub()
    servers = [
        _server(state, "hub", state.hub),
        _server(state, "cdn", state.cdn),
        _server(state, "web", state.web_counters),
    ]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    state.hub_url = f"http://127.0.0.1:{servers[0].server_address[1]}"
    state.cdn_url = f"http://127.0.0.1:{servers[1].server_address[1]}"
    state.web_url = f"http://127.0.0.1:{servers[2].server_address[1]}"
    try:
        yield state
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
