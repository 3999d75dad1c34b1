"""Killing a promotion at any point leaves the audit log verifiable and no partial release."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

from petgov.cleanroom.audit_log import verify
from petgov.cleanroom.destination import ARTIFACT, Destination
from petgov.cleanroom.envelope import open_envelope
from petgov.demo import safetensors_bytes

REPO = Path(__file__).resolve().parents[2]


def test_sigkill_at_random_points(tmp_path: Path) -> None:
    key = x25519.X25519PrivateKey.generate()
    (tmp_path / "tee.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(safetensors_bytes())
    (model / "blob.bin").write_bytes(os.urandom(48 << 20))  # long enough to be killed mid-write
    (tmp_path / "evidence").write_text("token")
    rng = random.Random(20261101)
    finished = 0
    for _ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.cleanroom.crash_driver", str(tmp_path)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "start"
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)
        out = proc.communicate()[0]
        finished += "done" in out
        log = tmp_path / ".petgov/cleanrooms/crash/audit.jsonl"
        if log.exists():
            verdict = verify(log)
            assert verdict.ok, verdict.problems
        for release in Destination(str(tmp_path / "releases")).releases():
            plain = io.BytesIO()
            with open(Path(release.location) / ARTIFACT, "rb") as fh:
                open_envelope(fh, plain, key)  # every visible release is whole
        visible = [p for p in (tmp_path / "releases").glob("*") if not p.name.startswith(".")]
        assert all((p / "manifest.json").exists() for p in visible)
    print(f"finished {finished} of 6")
