"""Run the real pipeline with chosen scanners and return findings and facts as plain data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from petgov.pipeline import ScanOptions, scan
from petgov.scanners.options import DependencyOptions, ScannerOptions, ShadowOptions

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.timezone.utc)


def scanner_options(
    osv_db: str | None = None, shadow_config: str | None = None, deps_environment: bool = False
) -> ScannerOptions:
    """Typed scanner options from the few settings these tests vary."""
    return ScannerOptions(
        dependencies=DependencyOptions(
            environment=deps_environment, osv_db=Path(osv_db) if osv_db else None
        ),
        shadow=ShadowOptions(sanctioned=Path(shadow_config) if shadow_config else None),
    )


def run(path: Path, *scanners: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report's JSON form for ``path`` scanned by ``scanners`` only."""
    opts = ScanOptions(
        scanners=list(scanners), now=NOW, scanner_options=scanner_options(**(options or {}))
    )
    doc: dict[str, Any] = scan([str(path)], opts).to_dict()
    return doc


def kinds(doc: dict[str, Any]) -> list[str]:
    return sorted(f["kind"] for f in doc["findings"])


def by_kind(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["kind"] == kind]


def target_facts(doc: dict[str, Any], path: Path) -> dict[str, Any]:
    facts: dict[str, Any] = doc["facts"].get(str(path), {})
    return facts


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, body in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            p.write_bytes(body)
        else:
            p.write_text(body)
    return root
