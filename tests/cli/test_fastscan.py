"""The fast `petgov scan` argv path against the typer app it stands in for.

Every command line the fast path accepts must give ``scanrun.run`` exactly the arguments typer
gives it (values and types); every one typer refuses must be left to typer (None); and a whole
run prints the same output and exit code either way.
"""

from __future__ import annotations

import inspect
import json
import pickle
import random
from pathlib import Path
from typing import Any

import pytest

from petgov.cli import fastscan, scanrun
from petgov.cli.main import _take_debug, build_command
from tests.conftest import run_in_process

ACCEPTED = object()


@pytest.fixture(scope="module")
def typer_scan() -> Any:
    """The typer command of the whole app, built once (building costs ~30 ms)."""
    return build_command(["scan"])


def by_typer(command: Any, args: list[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """What typer passes to scanrun.run for ``petgov ARGS``, or "refused"."""
    seen: list[dict[str, Any]] = []

    def record(**kwargs: Any) -> int:
        seen.append(kwargs)
        return 0

    monkeypatch.setattr(scanrun, "run", record)
    try:
        command.main(args=args, prog_name="petgov", standalone_mode=False)
    except BaseException:  # usage errors, help's Exit, a refused value
        return "refused"
    finally:
        monkeypatch.undo()
    return seen[0] if seen else "refused"


def typed(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Values with their types: 1 == 1.0 == True and Path('a') != 'a' must not hide a change."""

    def one(v: Any) -> Any:
        return [one(x) for x in v] if isinstance(v, list) else (type(v).__name__, v)

    return {k: one(v) for k, v in kwargs.items()}


def test_the_option_table_is_the_typer_commands(typer_scan: Any) -> None:
    scan = typer_scan.commands["scan"]
    words: set[str] = set()
    names = set()
    for param in scan.params:
        names.add(param.name)
        if param.param_type_name == "argument":
            assert param.name == "targets" and param.required and param.nargs == -1
            continue
        if param.is_flag:
            for word in param.opts:
                assert fastscan.FLAGS[word] == (param.name, True), word
            for word in param.secondary_opts:
                assert fastscan.FLAGS[word] == (param.name, False), word
        else:
            for word in param.opts:
                assert fastscan.VALUE_OPTIONS[word][0] == param.name, word
            assert param.multiple == (param.name in fastscan.REPEATABLE), param.name
        words.update(param.opts, param.secondary_opts)
    words -= {"-h", "--help"}
    assert words == set(fastscan.FLAGS) | set(fastscan.VALUE_OPTIONS)
    names.discard("help")
    assert names == set(fastscan.DEFAULTS) | {"targets"}
    assert set(inspect.signature(scanrun.run).parameters) == names


def test_defaults_are_typers(typer_scan: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["scan", "model.pkl"]
    fast = fastscan.scan_arguments(args)
    assert fast is not None
    assert typed(fast) == typed(by_typer(typer_scan, args, monkeypatch))


def _values() -> dict[str, list[str]]:
    """Values to try per option word: good ones, and ones typer refuses or reads its way."""
    enums = {
        "--format": ["table", "json", "sarif", "JSON", "xml"],
        "-f": ["json", "table", "cyclonedx", "Json"],
        "--fail-on": ["high", "critical", "info", "HIGH", "High", "bogus"],
        "--mode": ["enforce", "advisory", "Advisory", "warn"],
        "--digests": ["top", "all", "none", "ALL", "some"],
        "--engine": ["local", "spark", "Spark", "dask"],
    }
    paths = ["p.toml", "dir/", "a b.json", "", "-x", "~/w.yaml", "/abs/k.pem"]
    ints = ["0", "3", "007", "-1", "1e3", " 5", "5 ", "+4", "99999999999999999999", "x"]
    floats = ["0.5", "1", "0", "0.0001", "2.", ".5", "1e-3", "nan", "-1", "3.25"]
    strings = ["pickle", "512M", "auto", "x y", "", "-v", "owasp-ml", "high", "never"]
    out: dict[str, list[str]] = {}
    for word, (_, kind, _) in fastscan.VALUE_OPTIONS.items():
        if word in enums:
            out[word] = enums[word]
        elif kind is Path:
            out[word] = paths
        elif kind is int:
            out[word] = ints
        elif kind is float:
            out[word] = floats
        else:
            out[word] = strings
    return out


def command_lines(count: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    values = _values()
    odd = [
        "-fjson",
        "-qf",
        "--formats",
        "--no-quiet",
        "-h",
        "--help",
        "-",
        "--quiet=1",
        "--no-cache=x",
        "--debug",
        "--version",
        "-o=x",
        "---x",
        "--",
        "-f=json",
    ]
    targets = ["a.pkl", "models/", "hf://org/repo@main", "x y.bin", "-", "t.safetensors"]
    lines = []
    for _ in range(count):
        words: list[str] = []
        for _ in range(rng.randint(0, 6)):
            pick = rng.random()
            if pick < 0.3:
                words.append(rng.choice(targets))
            elif pick < 0.55:
                words.append(rng.choice(list(fastscan.FLAGS)))
            elif pick < 0.93:
                word = rng.choice(list(values))
                value = rng.choice(values[word])
                if word.startswith("--") and rng.random() < 0.3:
                    words.append(f"{word}={value}")
                else:
                    words.append(word)
                    if rng.random() > 0.04:  # sometimes the value is missing
                        words.append(value)
            else:
                words.append(rng.choice(odd))
        lines.append(["scan", *words])
    return lines


def test_fast_and_typer_parsers_agree(
    typer_scan: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths name nothing here: typer's checks pass
    lines = command_lines(1500, seed=25)
    accepted = refused_by_both = 0
    for line in lines:
        args, _ = _take_debug(list(line))
        fast = fastscan.scan_arguments(args)
        slow = by_typer(typer_scan, args, monkeypatch)
        if fast is None:
            refused_by_both += slow == "refused"
            continue
        assert slow != "refused", f"fast path accepted what typer refuses: {line}"
        assert typed(fast) == typed(slow), line
        accepted += 1
    assert accepted > 300  # the fast path takes the common command lines
    assert refused_by_both > 100  # and the generator made enough bad ones


@pytest.mark.parametrize(
    "line",
    [
        ["scan", "a.pkl"],
        ["scan", "--no-progress", "--no-cache", "a.pkl"],
        ["scan", "a.pkl", "-f", "json", "-o", "out.json"],
        ["scan", "--format=sarif", "--fail-on", "medium", "m/", "d/"],
        ["--debug", "scan", "a.pkl", "--scanner", "pickle", "--scanner", "secrets", "-q"],
        ["scan", "--digests", "none", "--max-bytes", "8G", "--timeout", "2.5", "a.pkl"],
        ["scan", "--exclude", "*.bin", "--exclude", "data/", "--no-default-skips", "."],
        ["scan", "--", "-odd-name.pkl"],
    ],
)
def test_common_command_lines_take_the_fast_path(
    line: list[str], typer_scan: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, _ = _take_debug(list(line))
    fast = fastscan.scan_arguments(args)
    assert fast is not None
    assert typed(fast) == typed(by_typer(typer_scan, args, monkeypatch))


@pytest.mark.parametrize(
    "line",
    [
        ["scan"],
        ["scan", "--help"],
        ["scan", "-h", "a.pkl"],
        ["scan", "--formats", "json", "a"],
        ["scan", "a.pkl", "-f"],
        ["scan", "-fjson", "a.pkl"],
        ["version"],
        ["--version", "scan"],
    ],
)
def test_help_errors_and_other_commands_go_to_typer(line: list[str]) -> None:
    assert fastscan.scan_arguments(line) is None


def _same_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    fast = run_in_process(*args, cwd=tmp_path)
    monkeypatch.setattr(fastscan, "scan_arguments", lambda argv: None)
    slow = run_in_process(*args, cwd=tmp_path)
    monkeypatch.undo()

    def plain(text: str) -> str:
        try:
            doc = json.loads(text)
        except ValueError:
            return text
        doc.pop("created_at", None)
        return json.dumps(doc, sort_keys=True)

    assert fast.code == slow.code and fast.stderr == slow.stderr
    assert plain(fast.stdout) == plain(slow.stdout)
    return fast.code, fast.stdout + fast.stderr


def test_a_whole_scan_is_the_same_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tiny.pkl").write_bytes(pickle.dumps({"a": 1}))
    (tmp_path / "bad.pkl").write_bytes(b"cos\nsystem\n(S'echo hi'\ntR.")
    assert _same_run(tmp_path, monkeypatch, "scan", "--no-cache", "tiny.pkl")[0] == 0
    assert _same_run(tmp_path, monkeypatch, "scan", "-f", "json", "tiny.pkl", "bad.pkl")[0] == 1
    code, text = _same_run(tmp_path, monkeypatch, "scan", "missing.pkl")
    assert code == 2 and "missing.pkl" in text
    code, _ = _same_run(tmp_path, monkeypatch, "scan", "-q", "--scanner", "nope", "tiny.pkl")
    assert code == 2
    code, _ = _same_run(tmp_path, monkeypatch, "scan", "-o", "r.json", "-f", "json", "bad.pkl")
    assert code == 1 and json.loads((tmp_path / "r.json").read_text())["targets"] == ["bad.pkl"]
