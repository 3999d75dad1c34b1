"""`petgov diff OLD NEW`: what changed between two AI-BOMs or two JSON reports; does it gate?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from petgov.diff.changes import DiffResult
from petgov.errors import UsageError


def kind_of(doc: Any) -> str | None:
    """``report``, ``cyclonedx`` or None for anything else."""
    if not isinstance(doc, dict):
        return None
    if doc.get("bomFormat") == "CycloneDX":
        return "cyclonedx"
    if "schema_version" in doc and "findings" in doc and "items" in doc:
        return "report"
    return None


def load(path: Path) -> tuple[str, dict[str, Any]]:
    """The document at ``path`` and its kind, or a usage error saying what it is not."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from None
    kind = kind_of(doc)
    if kind is None:
        raise UsageError(
            f"{path} is neither a petgov JSON report nor a CycloneDX BOM",
            hint="diff two `petgov scan -f json` reports or two `petgov bom` CycloneDX files",
        )
    return kind, doc


def diff_files(old: Path, new: Path) -> DiffResult:
    """Diff two files of the same kind."""
    old_kind, old_doc = load(old)
    new_kind, new_doc = load(new)
    if old_kind != new_kind:
        raise UsageError(f"cannot diff a {old_kind} ({old}) with a {new_kind} ({new})")
    if old_kind == "cyclonedx":
        from petgov.diff.bom import diff_boms

        return diff_boms(old_doc, new_doc)
    from petgov.diff.reports import diff_reports

    return diff_reports(old_doc, new_doc)
