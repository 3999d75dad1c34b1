"""Coverage is a gate: code-bearing content petgov did not examine is a finding, not silence.

A limit (nesting depth, member count, size, the pickle work budget), an unreadable member or a
parser that gave up leaves a "not scanned" coverage entry. For content that can carry code that
is not clean, only unknown, and CI reads exit 0 as clean; so each such gap becomes a
``coverage.unexamined`` finding (a high gate by default, lowerable in a pack) that
names the limit and the flag that raises it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from petgov.catalog import finding
from petgov.model import Coverage, CoverageStatus, Finding

KINDS = frozenset({"coverage.unexamined"})
ENGINE = "coverage"
GAPS = frozenset({CoverageStatus.NOT_SCANNED, CoverageStatus.ERROR})

# Words in a coverage reason -> the option that moves that limit.
_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("depth",), "raise --max-depth for a source you trust"),
    (("members after", "member limit"), "raise --max-members for a source you trust"),
    (("larger than", "size", "bomb"), "raise --max-bytes for a source you trust"),
    (("time limit",), "raise --timeout for a source you trust"),
    (("work budget",), "split the pickle or inspect it by hand"),
)


def hint(reason: str) -> str:
    """How to get the item examined, from why it was not."""
    lower = reason.lower()
    for words, text in _HINTS:
        if any(w in lower for w in words):
            return text
    return "repair or re-create the file, or inspect it by hand"


def is_gap(c: Coverage) -> bool:
    return c.status in GAPS


def unexamined_findings(gaps: Iterable[Coverage], known: Sequence[Finding]) -> list[Finding]:
    """One finding per gap path that no finding already reports (a bomb, a too-deep archive)."""
    reported = {f.path for f in known if f.kind.startswith("archive.")}
    out: list[Finding] = []
    for c in gaps:
        if c.path in reported or not is_gap(c):
            continue
        reported.add(c.path)
        out.append(
            finding(
                "coverage.unexamined",
                c.path,
                f"{c.reason}: not examined, so not known to be safe ({hint(c.reason)})",
                engine=ENGINE,
                evidence={"engine": c.engine, "status": c.status.value, "reason": c.reason},
            )
        )
    return out
