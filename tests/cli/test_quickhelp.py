"""Help printed from petgov/data/cli/help.json is typer's help, byte for byte.

The reference is the same ``run`` with the quick path turned off (typer builds the app and
prints). ``PETGOV_UPDATE_GOLDEN=1`` rewrites the file after a command's help changed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from petgov.cli import main as cli_main
from petgov.cli import quickhelp
from tests import golden
from tests.cli.test_startup_imports import loaded_by


def _paths(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in (getattr(cmd, "commands", None) or {}).items():
        yield from _paths(sub, (*path, name))


PATHS = list(_paths(typer.main.get_command(cli_main.build_app())))


def _run(
    args: list[str], capsys: pytest.CaptureFixture[str], *, quick: bool
) -> tuple[int, str, str]:
    """``petgov ARGS`` in process: exit code, stdout, stderr. ``quick``: the typer app must
    not be built (it would raise); otherwise the quick path is off and typer prints."""
    with pytest.MonkeyPatch.context() as m:
        if quick:
            m.setattr(cli_main, "build_command", _no_typer)
        else:
            m.setattr(quickhelp, "reply", lambda args: None)
        with pytest.raises(SystemExit) as done:
            cli_main.run(args)
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def _no_typer(args: Any) -> Any:
    raise AssertionError("the typer app was built")


def _typer_table(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    table = {}
    for path in PATHS:
        code, out, err = _run([*path, "--help"], capsys, quick=False)
        assert code == 0 and err == ""
        table[" ".join(path)] = out
    return table


@pytest.mark.parametrize("columns", ["80", "200"])
def test_the_file_is_typers_help(
    columns: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    table = _typer_table(capsys)
    assert len(table) > 40 and table[""].startswith("Usage: petgov [OPTIONS] COMMAND")
    golden.check(Path(quickhelp.HELP_FILE), json.dumps(table, indent=1, ensure_ascii=False) + "\n")


def test_every_help_is_printed_without_typer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    for path in PATHS:
        for flag in quickhelp.HELP_FLAGS:
            args = [*path, flag]
            assert _run(args, capsys, quick=True) == _run(args, capsys, quick=False), args
    # bare `petgov`: the help on stderr, exit 2
    bare = _run([], capsys, quick=True)
    assert bare == _run([], capsys, quick=False)
    assert bare[0] == 2 and bare[1] == "" and bare[2] == _run(["--help"], capsys, quick=True)[1]
    version = _run(["--version"], capsys, quick=True)
    assert version == _run(["--version"], capsys, quick=False)
    assert version[1].startswith("petgov ")


@pytest.mark.parametrize(
    "args",
    [
        ["--debug", "--help"],  # --debug moves to the front: typer's root option
        ["scan", "--fail-on", "high", "--help"],
        ["--help", "scan"],
        ["nosuch", "--help"],
        ["scan", "--HELP"],
        ["--version", "--help"],
    ],
)
def test_other_spellings_go_to_typer(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert quickhelp.reply(cli_main._take_debug(args)[0]) is None


def test_a_narrow_terminal_gets_typers_wrapping(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert quickhelp.reply(["--help"]) is None
    code, out, _ = _run(["--help"], capsys, quick=False)
    assert code == 0
    with open(quickhelp.HELP_FILE, encoding="utf-8") as fh:
        assert out != json.load(fh)[""]  # wrapped at 58 columns, not the file's 78
    assert max(len(line) for line in out.splitlines()) <= 60


def test_completion_and_foreign_encodings_go_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert quickhelp.reply(["scan", "--help"]) is not None
    with open(quickhelp.HELP_FILE, encoding="utf-8") as fh:
        table = json.load(fh)
    wide = next(k for k, v in table.items() if not v.isascii())  # '…' in a rules option
    assert quickhelp.reply([*wide.split(), "--help"]) is not None
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    assert quickhelp.reply([*wide.split(), "--help"]) is None
    assert quickhelp.reply(["scan", "--help"]) is not None or not table["scan"].isascii()
    monkeypatch.setenv("_PETGOV_COMPLETE", "complete_bash")
    assert quickhelp.reply(["--help"]) is None


def test_help_imports_no_typer(tmp_path: Path) -> None:
    for args in (["--help"], ["scan", "--help"], ["rules", "list", "-h"], ["--version"]):
        code, modules = loaded_by(args, tmp_path, env={"COLUMNS": "100"})
        assert code == 0
        assert {"typer", "click", "rich", "pydantic"} & modules == set(), args


def test_scan_help_reads_no_scan_command_line(tmp_path: Path) -> None:
    """``petgov scan --help`` is answered before the scan's own parser and early hashing load."""
    code, names = loaded_by(["scan", "--help"], tmp_path, packages=False, env={"COLUMNS": "100"})
    assert code == 0
    assert {"petgov.cli.fastscan", "petgov.inventory.early", "petgov.model"} & names == set()
