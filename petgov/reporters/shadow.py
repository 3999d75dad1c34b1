"""`petgov shadow`'s output: the AI uses a codebase makes, judged against the sanctioned list.

The shadow-AI scanner records its inventory as report facts; :meth:`ShadowInventory.of` is the
one place that reads them back, so the CLI never digs through ``Report.to_dict()``.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from petgov.model import Report

USES_FACT = "shadow_ai.models"
POLICY_FACT = "shadow_ai.policy"
NOT_JUDGED = "no [shadow_ai] sanctioned list found: uses are listed, not judged"


@dataclass(frozen=True)
class ShadowInventory:
    """Every model or service use found, the sanctioned list applied, and the findings."""

    uses: list[dict[str, Any]]
    policy: str | None  # where the sanctioned list came from; None: uses are not judged
    findings: list[dict[str, Any]]

    @classmethod
    def of(cls, report: Report) -> ShadowInventory:
        """The inventory a shadow-AI scan recorded (empty when the scanner found no code)."""
        facts = next((f for f in report.facts.values() if USES_FACT in f), {})
        return cls(
            uses=list(facts.get(USES_FACT, [])),
            policy=facts.get(POLICY_FACT),
            findings=[d.to_dict() for d in report.decisions],
        )

    @property
    def unsanctioned(self) -> bool:
        """Whether any use was judged and is not on the sanctioned list."""
        return any(u["sanctioned"] is False for u in self.uses)

    def to_json(self) -> str:
        doc = {"policy": self.policy, "uses": self.uses, "findings": self.findings}
        return json.dumps(doc, indent=2) + "\n"

    def to_table(self, title: str, *, color: bool = False, width: int = 80) -> str:
        """One row per use; a note when nothing was judged."""
        from rich.console import Console
        from rich.table import Table

        console = Console(
            record=True,
            width=width,
            force_terminal=color,
            no_color=not color,
            file=io.StringIO(),
        )
        from rich.text import Text

        table = Table(title=Text(f"{title} ({len(self.uses)})"))
        for col in ("model / service", "provider", "revision", "sanctioned", "where"):
            # fold, not "…": a path or model id is never cut short (D-M1)
            table.add_column(col, overflow="fold")
        for u in self.uses:
            verdict = {True: "yes", False: "[red]no[/red]", None: "not judged"}[u["sanctioned"]]
            table.add_row(  # Text: ids and paths come from the scanned code, never markup
                Text(u["id"] or f"<{u['kind']}>"),
                Text(u["provider"]),
                Text(u["revision"] or "-"),
                verdict,
                Text(f"{u['path']}:{u['line']}"),
            )
        console.print(table)
        text = console.export_text(styles=color)
        return text + (NOT_JUDGED + "\n" if self.policy is None else "")
