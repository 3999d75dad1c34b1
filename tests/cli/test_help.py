"""Every command's --help: exits 0, every option explains itself, no Python type as a metavar."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer

from petgov.cli.main import build_app, run


def _commands(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    subs = getattr(cmd, "commands", None)
    if subs:
        for name, sub in subs.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path


COMMANDS = sorted(_commands(typer.main.get_command(build_app())))


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        run([*path, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    options = text.split("Options:", 1)[1]
    assert not re.search(r"<list\[", options), options  # e.g. --certs <list[Path]>
    cmd = typer.main.get_command(build_app())
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    undocumented = [p.name for p in cmd.params if p.param_type_name == "option" and not p.help]
    assert undocumented == []
    assert len(COMMANDS) > 20
