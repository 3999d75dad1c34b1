"""The output extension point: a reporter renders a Report to text."""

from __future__ import annotations

from abc import ABC, abstractmethod

from petgov.model import Report


class Reporter(ABC):
    """Renders one output format from a Report; never reads anything else."""

    @abstractmethod
    def render(self, report: Report) -> str:
        """Return the whole document as text."""
