"""The one table of exit codes. 1 only means 'a gate failed', so CI can tell it from bad input."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Process exit codes, documented in docs/exit-codes.md."""

    OK = 0  # clean, or advisory findings only
    GATE_FAILED = 1  # a blocking rule matched (or a verification verdict is 'fail')
    USAGE_OR_INPUT = 2  # bad flags, unreadable input, invalid config
