"""What a command imports, checked in a fresh process: start-up time is mostly imports.

These assert behaviour (which modules load for a given job), not timings: a heavy library that
creeps back onto the path of a small scan fails here, on any machine, however fast.
"""

from __future__ import annotations

import json
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


def loaded_by(args: list[str], cwd: Path) -> tuple[int, set[str]]:
    """Run ``petgov ARGS`` in a fresh interpreter; its exit code and every module it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert "@@" in done.stdout, done.stderr
    result = json.loads(done.stdout.rsplit("@@", 1)[1])
    return int(result["code"]), {m.split(".")[0] for m in result["modules"]}


def test_tiny_pickle_json_scan_stays_light(tmp_path: Path) -> None:
    (tmp_path / "tiny.pkl").write_bytes(pickle.dumps({"a": 1}))
    code, modules = loaded_by(["scan", "tiny.pkl", "-f", "json"], tmp_path)
    assert code == 0
    assert "petgov" in modules and "typer" in modules  # the probe ran the real command
    heavy = {"pydantic", "pydantic_core", "modelscan", "packaging", "sqlite3", "email", "rich"}
    assert heavy & modules == set()


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
