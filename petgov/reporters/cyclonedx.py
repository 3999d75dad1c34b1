"""`petgov scan --format cyclonedx`: the validated CycloneDX 1.6 ML-BOM of the scan."""

from __future__ import annotations

from petgov.model import Report
from petgov.reporters.interface import Reporter


class CycloneDxReporter(Reporter):
    """Renders the same document as ``petgov bom``; raises OutputError instead of invalid JSON."""

    def __init__(self, *, spec: str = "1.6", reproducible: bool = False) -> None:
        self.spec = spec
        self.reproducible = reproducible

    def render(self, report: Report) -> str:
        from petgov.bom import api
        from petgov.bom.builder import BuildOptions

        return api.text(report, BuildOptions(spec=self.spec, reproducible=self.reproducible))
