"""A small OSV export zip built in code (OSV JSON schema), never downloaded."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any


def record(
    id: str,
    name: str,
    events: list[dict[str, str]],
    *,
    versions: list[str] | None = None,
    severity: str | None = None,
    summary: str = "",
    aliases: list[str] | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema_version": "1.6.0",
        "id": id,
        "modified": "2026-01-01T00:00:00Z",
        "summary": summary or f"issue in {name}",
        "aliases": aliases or [],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name, "purl": f"pkg:pypi/{name}"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                "versions": versions or [],
            }
        ],
    }
    if severity:
        doc["database_specific"] = {"severity": severity}
    return doc


RECORDS = [
    record(
        "GHSA-aaaa-bbbb-cccc",
        "Torch",
        [{"introduced": "0"}, {"fixed": "2.6.0"}],
        severity="CRITICAL",
        aliases=["CVE-2025-32434"],
        summary="torch.load RCE",
    ),
    record(
        "PYSEC-2024-1",
        "transformers",
        [{"introduced": "4.0.0"}, {"last_affected": "4.37.2"}],
        severity="HIGH",
    ),
    record(
        "GHSA-dddd-eeee-ffff",
        "requests",
        [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}],
        severity="MODERATE",
    ),
    record(
        "MAL-2025-100",
        "huggingface-clii",
        [{"introduced": "0"}],
        summary="typosquat that exfiltrates tokens",
    ),
    {"id": "RUSTSEC-1", "affected": [{"package": {"ecosystem": "crates.io", "name": "x"}}]},
]


def build_zip(path: Path, records: list[dict[str, Any]] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for doc in records or RECORDS:
            zf.writestr(f"{doc['id']}.json", json.dumps(doc))
        zf.writestr("broken.json", "{not json")
    return path
