"""The AI-BOM entry points other stages call: build, validate, write, score.

``score_and_document`` is the contract of the clean-room gate
(``petgov.cleanroom.engines.bom_score``); keep its signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from petgov.bom import validate
from petgov.bom.builder import BuildOptions, Built, build, render

__all__ = ["document", "render", "score_and_document", "text", "write"]
from petgov.errors import OutputError, PetgovError
from petgov.model import Report


def document(report: Report, options: BuildOptions | None = None) -> Built:
    """Build the BOM of ``report`` and validate it; raise OutputError (JSON path) if invalid."""
    options = options or BuildOptions()
    built = build(report, options)
    validate.check(built.document, options.spec)
    return built


def text(report: Report, options: BuildOptions | None = None) -> str:
    """The validated BOM as JSON text."""
    return render(document(report, options).document)


def write(report: Report, path: Path, options: BuildOptions | None = None) -> Built:
    """Validate, then write the BOM atomically; an invalid BOM is never written."""
    from petgov.util.atomic import write_text_atomic

    built = document(report, options)
    try:
        write_text_atomic(path, render(built.document))
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return built


def score_and_document(report: Report) -> tuple[int | None, Mapping[str, Any] | None]:
    """The lowest completeness over the report's targets and the validated BOM.

    ``(None, None)`` when the report has no target; ``(score, None)`` when a BOM cannot be
    built or does not validate (the gate then sees a score but no document).
    """
    if not report.targets:
        return None, None
    try:
        built = build(report, BuildOptions(reproducible=True))
    except PetgovError:
        return None, None
    value = min(built.scores.values()) if built.scores else None
    try:
        validate.check(built.document, "1.6")
    except OutputError:
        return value, None
    return value, built.document
