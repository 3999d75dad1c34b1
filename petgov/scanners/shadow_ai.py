"""Shadow AI: models and AI services a codebase uses, checked against the sanctioned list.

The inventory (``shadow_ai.models`` fact) is always recorded for the AI-BOM; findings need a
``[shadow_ai]`` list in the user's configuration (``ShadowOptions.sanctioned``, else the
working directory's petgov.toml or pyproject.toml); never the target's own, which would let a
repo sanction itself. Without one, a report note says that nothing was judged.
"""

from __future__ import annotations

from typing import Any, ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.model import Finding
from petgov.scanners.interface import ScanContext, ScanResult, TargetScanner
from petgov.shadow import policy
from petgov.shadow.detect import ModelUse, find_uses, notebook_uses

ENGINE = "shadow-ai"
MAX_SOURCE = 4 * 1024 * 1024


class ShadowAiScanner(TargetScanner):
    """Lists model uses in .py files and notebooks; judges them against the sanctioned list."""

    name: ClassVar[str] = ENGINE
    kinds: ClassVar[frozenset[str]] = frozenset(
        {
            "shadow_ai.unsanctioned_model",
            "shadow_ai.unpinned_revision",
            "shadow_ai.unsanctioned_provider",
        }
    )
    version: ClassVar[str] = "1"

    def scan_target(self, ctx: ScanContext) -> ScanResult:
        result = ScanResult()
        uses: list[ModelUse] = []
        for entry in ctx.entries:
            fmt = entry.item.format
            if fmt not in (F.PYTHON, F.NOTEBOOK) and not entry.item.path.endswith(".py"):
                continue
            if entry.item.size > MAX_SOURCE:
                result.not_scanned(entry.item.path, ENGINE, "source larger than 4 MiB")
                continue
            with entry.source.open() as fh:
                text = fh.read(MAX_SOURCE).decode("utf-8", errors="replace")
            try:
                if fmt == F.NOTEBOOK:
                    found, bad = notebook_uses(text, entry.item.path)
                    if bad:
                        result.not_scanned(
                            entry.item.path, ENGINE, f"{bad} code cell(s) not parsable"
                        )
                else:
                    found = find_uses(text, entry.item.path)
            except (SyntaxError, ValueError, RecursionError) as exc:
                result.not_scanned(
                    entry.item.path, ENGINE, f"not parsable ({type(exc).__name__})", error=True
                )
                continue
            uses.extend(found)
            result.scanned(entry.item.path, ENGINE)
        allowed = policy.find(ctx.options.shadow.sanctioned)
        rows = []
        for use in uses:
            row = use.to_dict()
            row["sanctioned"] = _verdict(use, allowed) if allowed else None
            rows.append(row)
        result.facts[""] = {
            "shadow_ai.models": rows,
            "shadow_ai.policy": allowed.source if allowed else None,
        }
        if allowed:
            for use in uses:
                result.findings.extend(_findings(use, allowed))
        return result


def _verdict(use: ModelUse, allowed: policy.SanctionedList) -> bool:
    return not _findings(use, allowed)


def _findings(use: ModelUse, allowed: policy.SanctionedList) -> list[Finding]:
    out: list[Finding] = []
    loc = {"line": use.line}
    ev: dict[str, Any] = {
        "model": use.id,
        "provider": use.provider,
        "call": use.call,
        "revision": use.revision,
    }
    label = use.id or "a model chosen at run time"
    if use.kind == "hf_model":
        if use.id is None or not allowed.model_allowed(use.id):
            out.append(
                finding(
                    "shadow_ai.unsanctioned_model",
                    use.path,
                    f"{use.call}({label!s}) loads a model that is not sanctioned "
                    f"({allowed.source})",
                    engine=ENGINE,
                    location=loc,
                    evidence=ev,
                    confidence="high" if use.id else "medium",
                )
            )
        elif not allowed.revision_allowed(use.id, use.revision) or (
            allowed.require_pinned and not use.pinned
        ):
            why = (
                f"revision {use.revision!r} is not a commit sha"
                if use.revision
                else "no revision: it follows whatever the repo's main branch holds"
            )
            if use.revision and use.pinned:
                why = f"revision {use.revision[:12]} is not an allowed revision"
            out.append(
                finding(
                    "shadow_ai.unpinned_revision",
                    use.path,
                    f"{use.call}({label}): {why}",
                    engine=ENGINE,
                    location=loc,
                    evidence=ev,
                )
            )
    elif not allowed.provider_allowed(use):
        out.append(
            finding(
                "shadow_ai.unsanctioned_provider",
                use.path,
                f"{use.call} uses {use.provider}"
                + (f" model {use.id}" if use.id else "")
                + f", which is not sanctioned ({allowed.source})",
                engine=ENGINE,
                location=loc,
                evidence=ev,
            )
        )
    return out
