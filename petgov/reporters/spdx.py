"""`petgov scan --format spdx3-json`: the SPDX 3.0.1 AI-BOM of the scan (as `petgov bom` writes)."""

from __future__ import annotations

from petgov.model import Report
from petgov.reporters.interface import Reporter


class SpdxReporter(Reporter):
    """Renders the same document as ``petgov bom --format spdx3-json``; never an invalid one."""

    def __init__(self, *, reproducible: bool = False) -> None:
        self.reproducible = reproducible

    def render(self, report: Report) -> str:
        from petgov.bom import spdx

        options = spdx.SpdxOptions(reproducible=self.reproducible)
        return spdx.render(spdx.document(report, options).document)
