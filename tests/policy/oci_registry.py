"""A real OCI registry on loopback: Debian's ``docker-registry`` (CNCF distribution) binary.

CI installs it (.ci/run: apt-get install docker-registry); there a missing binary fails the
test instead of skipping it, so pack publishing is always tested against a real registry.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CONFIG = """version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
"""


@dataclass
class LocalRegistry:
    host: str  # 127.0.0.1:PORT
    root: Path  # its storage folder
    log: Path

    def blob_file(self, digest: str) -> Path:
        """Where the registry keeps a blob's bytes (to tamper with them in a test)."""
        hexa = digest.removeprefix("sha256:")
        return self.root / "docker/registry/v2/blobs/sha256" / hexa[:2] / hexa / "data"

    def requests(self) -> int:
        """How many HTTP requests it has answered so far (from its access log)."""
        return len(re.findall(r'"(GET|HEAD|PUT|POST|PATCH) /v2/', self.log.read_text()))


def registry_binary() -> str:
    found = shutil.which("docker-registry") or shutil.which("registry")
    if found:
        return found
    why = "an OCI registry is needed: apt-get install -y docker-registry (.ci/run does this)"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


@contextmanager
def local_registry(folder: Path) -> Iterator[LocalRegistry]:
    """Start the registry on a free loopback port; stop it on exit."""
    binary = registry_binary()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yml").write_text(CONFIG.format(root=folder / "data"))
    log = folder / "registry.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [binary, "serve", str(folder / "config.yml")], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            m = re.search(r"listening on (127\.0\.0\.1:\d+)", log.read_text())
            if m:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"docker-registry did not start: {log.read_text()[-500:]}")
            time.sleep(0.05)
        yield LocalRegistry(m.group(1), folder / "data", log)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
