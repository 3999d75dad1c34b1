"""Output format flags mapped to reporters through one exhaustive enum."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from petgov.util.never import assert_never

if TYPE_CHECKING:  # the CLI imports this enum at start-up; reporters load on use
    from petgov.reporters.interface import Reporter


class OutputFormat(str, enum.Enum):
    """Every ``--format`` choice of ``petgov scan``."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CYCLONEDX = "cyclonedx"
    SPDX3 = "spdx3-json"
    HTML = "html"
    MARKDOWN = "markdown"
    GITLAB_SAST = "gitlab-sast"
    JUNIT = "junit"

    def reporter(self, *, color: bool = False, include_waived: bool = False) -> Reporter:
        """The reporter for this choice (imported lazily)."""
        if self is OutputFormat.TABLE:
            from petgov.reporters.table import TableReporter

            return TableReporter(color=color)
        if self is OutputFormat.JSON:
            from petgov.reporters.json import JsonReporter

            return JsonReporter()
        if self is OutputFormat.SARIF:
            from petgov.reporters.sarif import SarifReporter

            return SarifReporter(include_waived=include_waived)
        if self is OutputFormat.CYCLONEDX:
            from petgov.reporters.cyclonedx import CycloneDxReporter

            return CycloneDxReporter()
        if self is OutputFormat.SPDX3:
            from petgov.reporters.spdx import SpdxReporter

            return SpdxReporter()
        if self is OutputFormat.HTML:
            from petgov.reporters.html import HtmlReporter

            return HtmlReporter()
        if self is OutputFormat.MARKDOWN:
            from petgov.reporters.markdown import MarkdownReporter

            return MarkdownReporter()
        if self is OutputFormat.GITLAB_SAST:
            from petgov.reporters.gitlab_sast import GitLabSastReporter

            return GitLabSastReporter()
        if self is OutputFormat.JUNIT:
            from petgov.reporters.junit import JunitReporter

            return JunitReporter()
        assert_never(self)


class TableOrJson(str, enum.Enum):
    """``--format`` of the commands that print one result (attest verify, cleanroom promote)."""

    TABLE = "table"
    JSON = "json"
