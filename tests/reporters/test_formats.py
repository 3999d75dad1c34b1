"""Every ``--format`` choice maps to a reporter (``assert_never`` makes mypy insist; this proves
the mapping at run time too, reporter imports included)."""

from __future__ import annotations

from petgov.reporters.formats import OutputFormat
from petgov.reporters.interface import Reporter


def test_every_scan_format_has_a_reporter() -> None:
    reporters = {fmt: fmt.reporter() for fmt in OutputFormat}
    assert all(isinstance(r, Reporter) for r in reporters.values())
