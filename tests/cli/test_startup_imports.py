"""What a command imports, checked in a fresh process: start-up time is mostly imports.

These assert behaviour (which modules load for a given job), not timings: a heavy library that
creeps back onto the path of a small scan fails here, on any machine, however fast.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

_PROBE = """
import json, sys
from petgov.cli.main import run
try:
    run(sys.argv[1:])
except SystemExit as done:
    code = done.code
print("\\n@@" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded_by(
    args: list[str], cwd: Path, *, packages: bool = True, env: dict[str, str] | None = None
) -> tuple[int, set[str]]:
    """Run ``petgov ARGS`` in a fresh interpreter; its exit code and every module (top-level
    package names unless ``packages`` is False) it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=None if env is None else {**os.environ, **env},
    )
    assert "@@" in done.stdout, done.stderr
    result = json.loads(done.stdout.rsplit("@@", 1)[1])
    names = result["modules"]
    return int(result["code"]), {m.split(".")[0] for m in names} if packages else set(names)


def test_tiny_pickle_json_scan_stays_light(tmp_path: Path) -> None:
    (tmp_path / "tiny.pkl").write_bytes(pickle.dumps({"a": 1}))
    code, modules = loaded_by(["scan", "tiny.pkl", "-f", "json"], tmp_path)
    assert code == 0
    assert "petgov" in modules  # the probe ran the real command
    heavy = {"pydantic", "pydantic_core", "modelscan", "packaging", "sqlite3", "email", "rich"}
    assert heavy & modules == set()
    assert {"typer", "click"} & modules == set()  # a plain scan command line: cli/fastscan.py


def test_a_table_to_a_pipe_needs_no_rich(tmp_path: Path) -> None:
    """The table's plain text is laid out by reporters/plaintable.py (rich's layout)."""
    (tmp_path / "tiny.pkl").write_bytes(pickle.dumps({"a": 1}))
    code, modules = loaded_by(["scan", "tiny.pkl"], tmp_path)
    assert code == 0
    assert {"rich", "typer", "click"} & modules == set()


@pytest.mark.parametrize("command", [["--help"], ["--version"], ["scan", "--help"]])
def test_help_and_version_stay_light(command: list[str], tmp_path: Path) -> None:
    code, modules = loaded_by(command, tmp_path)
    assert code == 0
    assert {"pydantic", "yaml", "cryptography"} & modules == set()


def test_engine_versions_match_installed_metadata() -> None:
    import importlib.metadata

    from petgov.util.distversion import version

    for dist in ("detect-secrets", "presidio-analyzer", "modelscan", "PyYAML", "typer"):
        assert version(dist) == importlib.metadata.version(dist)
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        version("no-such-distribution-petgov")


def test_a_scan_builds_only_the_scan_command(tmp_path: Path) -> None:
    (tmp_path / "tiny.pkl").write_bytes(pickle.dumps({"a": 1}))
    code, modules = loaded_by(["scan", "tiny.pkl", "-f", "json"], tmp_path, packages=False)
    assert code == 0
    commands = {m for m in modules if m.startswith("petgov.cli.")}
    assert "petgov.cli.scanrun" in commands and "petgov.cli.scan" not in commands  # no typer
    assert {"petgov.cli.cleanroom", "petgov.cli.rules", "petgov.cli.bom"} & commands == set()
    # a command line the fast path leaves to typer (an upper-case severity) still builds
    # only the scan command
    code, modules = loaded_by(["scan", "tiny.pkl", "--fail-on", "HIGH"], tmp_path, packages=False)
    assert code == 0
    commands = {m for m in modules if m.startswith("petgov.cli.")}
    assert {"petgov.cli.scan", "typer"} <= commands | {m for m in modules if m == "typer"}
    assert {"petgov.cli.cleanroom", "petgov.cli.rules", "petgov.cli.bom"} & commands == set()


@pytest.mark.parametrize("name", ["scan", "attest"])
def test_a_sole_command_has_the_same_help_as_in_the_whole_app(name: str) -> None:
    import typer

    from petgov.cli.main import COMMANDS, SOLE_MODULE, build_app

    def helps(modules: tuple[str, ...]) -> dict[str, str]:
        top = typer.main.get_command(build_app(modules)).commands[name]  # type: ignore[attr-defined]
        out = {}
        for sub_name, cmd in [("", top), *getattr(top, "commands", {}).items()]:
            ctx = cmd.make_context(f"petgov {name} {sub_name}".strip(), [], resilient_parsing=True)
            out[sub_name] = cmd.get_help(ctx)
        return out

    whole = helps(COMMANDS)
    assert len(whole[""]) > 200
    assert helps((SOLE_MODULE[name],)) == whole


def test_a_scan_parses_no_yaml_once_the_rules_are_cached(tmp_path: Path) -> None:
    """The built-in rules and pickle lists are parsed by the first scan only (docs/cache.md)."""
    (tmp_path / "tiny.pkl").write_bytes(pickle.dumps({"a": 1}))
    (tmp_path / "odd.pkl").write_bytes(pickle.dumps(pickle.dumps))  # the lists are consulted
    env = {"PETGOV_CACHE_DIR": str(tmp_path / "cache")}
    first = loaded_by(
        ["scan", "--no-cache", "-f", "json", "tiny.pkl", "odd.pkl"], tmp_path, env=env
    )
    assert first[0] == 1 and "yaml" in first[1]
    assert (tmp_path / "cache" / "parsed" / "rules.json").is_file()
    assert (tmp_path / "cache" / "parsed" / "pickle-lists.json").is_file()
    code, modules = loaded_by(
        ["scan", "--no-cache", "-f", "json", "tiny.pkl", "odd.pkl"], tmp_path, env=env
    )
    assert code == 1
    assert "yaml" not in modules and "_yaml" not in modules


def test_a_tiny_piped_scan_imports_no_archive_or_temp_file_modules(tmp_path: Path) -> None:
    """Decompressors, archive readers, temp files and other modules a tiny pickle never needs
    are imported where they are used (each ~1-3 ms at start)."""
    (tmp_path / "tiny.pkl").write_bytes(pickle.dumps({"a": 1}))
    code, modules = loaded_by(["scan", "--no-progress", "--no-cache", "tiny.pkl"], tmp_path)
    assert code == 0
    lazy = {"tarfile", "zipfile", "gzip", "bz2", "lzma", "shutil", "tempfile", "typing_extensions"}
    lazy |= {"concurrent"}  # small files' digests are no thread-pool futures
    assert lazy & modules == set()
    _, names = loaded_by(
        ["scan", "--no-progress", "--no-cache", "tiny.pkl"], tmp_path, packages=False
    )
    assert "importlib.resources" not in names
