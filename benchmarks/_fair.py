"""Shared set-up for benchmarks that time command-line tools against each other."""

from __future__ import annotations

import os


def installed_tool_conditions() -> None:
    """Let every tool run as an installed tool does: with cached bytecode.

    pip compiles the anchors' modules when it installs them; petgov, installed editable here,
    would recompile ~80 modules (~80 ms) on every run if PYTHONDONTWRITEBYTECODE stayed set.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
