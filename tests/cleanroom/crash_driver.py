"""Run one promotion in a child process so a test can SIGKILL it at a random moment.

Usage: python -m tests.cleanroom.crash_driver WORKDIR
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from petgov.cleanroom import challenges, engines
from petgov.cleanroom.binding import expected_report_data
from petgov.cleanroom.config import from_mapping
from petgov.cleanroom.envelope import spki_sha256
from petgov.cleanroom.promote import promote

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)


def main(work: Path) -> None:
    key = serialization.load_pem_private_key((work / "tee.key").read_bytes(), password=None)
    (work / "ref.yaml").write_text("version: 1\ntype: gcp-cs\n")
    room = from_mapping(
        "crash",
        {
            "destination": "releases",
            "evidence": "gcp-cs",
            "reference": "ref.yaml",
            "require_signature": False,
        },
        base=work,
    )
    nonce = challenges.issue(room.state_dir, 600, NOW)["nonce"]

    def appraiser(evidence, room, nonce, now):  # type: ignore[no-untyped-def]
        data = expected_report_data(nonce, spki_sha256(key.public_key()))
        return engines.AppraisalResult(verdict="pass", report_data=data)

    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    print("start", flush=True)
    result = promote(
        work / "model",
        room,
        evidence=work / "evidence",
        tee_key_pem=pem,
        nonce=nonce,
        now=NOW,
        scanner=engines.scan_for_room,
        appraiser=appraiser,
        bom_scorer=engines.bom_score,
    )
    print("done" if result.allowed else "denied", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
