"""The JSON report: the versioned contract (docs/schema/report-v1.json)."""

from __future__ import annotations

import json

from petgov.model import Report
from petgov.reporters.interface import Reporter


class JsonReporter(Reporter):
    """Pretty, stable JSON of ``Report.to_dict``."""

    def render(self, report: Report) -> str:
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
