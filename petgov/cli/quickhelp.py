"""``petgov --help`` (and every ``petgov CMD --help``, bare ``petgov``, ``--version``) without
building the typer app.

Building the app to print help imports typer, click and every command module (~90 ms); what it
prints is fixed for a given petgov on a terminal of 80 columns or more (click wraps help at
``min(columns, 80) - 2``). ``petgov/data/cli/help.json`` holds that text for each command path;
``tests/cli/test_quickhelp.py`` keeps it byte-equal to typer's output (``PETGOV_UPDATE_GOLDEN=1``
rewrites it). Narrower terminals, shell completion, other spellings and unknown commands go to
typer as before.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

HELP_FILE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "cli", "help.json")
HELP_FLAGS = ("--help", "-h")
WIDE = 80  # click's help is as wide as the terminal up to 80 columns: from here on it is fixed


def reply(args: Sequence[str]) -> tuple[str, bool] | None:
    """What ``petgov ARGS`` prints when that is fixed text: (text, to stderr), else None."""
    if any(name.startswith("_PETGOV_COMPLETE") for name in os.environ):
        return None  # typer answers completion requests
    if list(args) == ["--version"]:
        import petgov

        return f"petgov {petgov.__version__}\n", False
    if args and (args[-1] not in HELP_FLAGS or any(a.startswith("-") for a in args[:-1])):
        return None
    import shutil

    if shutil.get_terminal_size().columns < WIDE:
        return None
    text = _texts().get(" ".join(args[:-1]))
    if text is None:
        return None
    stream = sys.stdout if args else sys.stderr  # bare `petgov`: usage on stderr, exit 2
    if not text.isascii() and (stream.encoding or "").lower().replace("-", "") != "utf8":
        return None  # typer knows how to word it for this stream
    return text, not args


def _texts() -> dict[str, str]:
    import json

    try:
        with open(HELP_FILE, encoding="utf-8") as fh:
            table = json.load(fh)
    except (OSError, ValueError):
        return {}
    return table if isinstance(table, dict) else {}
