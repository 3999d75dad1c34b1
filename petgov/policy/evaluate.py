"""Turn findings into decisions.

Foundation version: every finding is a gate at its scanner severity, blocking when it reaches
``fail_on`` in enforce mode. The policy issue replaces the body with rule packs, layering and
waivers behind the same ``evaluate`` signature.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petgov.model import Action, Decision, Finding, Item, Mode, PolicyInfo, Severity


@dataclass(frozen=True)
class PolicyOptions:
    """What the user chose on the command line about policy."""

    mode: str = "enforce"  # enforce | advisory
    fail_on: Severity = Severity.HIGH
    policy_file: Path | None = None
    waivers_file: Path | None = None
    config_dir: Path | None = None  # where petgov.toml / pyproject.toml are looked up


def evaluate(
    findings: Sequence[Finding],
    items: Sequence[Item],
    facts: Mapping[str, Mapping[str, Any]],
    options: PolicyOptions,
    now: dt.datetime,
) -> tuple[list[Decision], PolicyInfo]:
    """Decide, for each finding, its effective severity, mode and action."""
    decisions = []
    for f in findings:
        blocking = options.mode == "enforce" and f.severity >= options.fail_on
        if f.severity is Severity.INFO:
            action = Action.INFO
        else:
            action = Action.BLOCK if blocking else Action.WARN
        decisions.append(
            Decision(
                finding=f, rule_id=f.rule_id, severity=f.severity, mode=Mode.GATE, action=action
            )
        )
    return decisions, PolicyInfo(mode=options.mode, fail_on=options.fail_on)
