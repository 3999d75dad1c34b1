"""Where command output goes: stdout, or a file written atomically."""

from __future__ import annotations

import sys
from pathlib import Path

from petgov.errors import OutputError


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` atomically, or to stdout when no file is given."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    if output.is_dir():
        raise OutputError(f"{output} is a directory", hint="give a file name with -o")
    if not output.parent.exists():
        raise OutputError(f"{output.parent}: no such directory", hint="create it first")
    from petgov.util.atomic import write_text_atomic  # a file only: stdout needs none of it

    try:
        write_text_atomic(output, text)
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from exc


def stdout_is_terminal() -> bool:
    """Whether stdout is an interactive terminal (colour and tables then)."""
    return sys.stdout.isatty()
