"""The process's own start runs without the cyclic GC and freezes what it made; a caller's
``run(args)`` (a test, an embedding program) finds the GC as it left it."""

from __future__ import annotations

import gc
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from petgov.cli.main import run

_ENTRY = """
import atexit, gc, json, sys
state = {}
atexit.register(lambda: print("@@" + json.dumps(state)))
import petgov.cli.main as main
real = main.run
def spy():
    state["before"] = [gc.isenabled(), gc.get_freeze_count()]
    import petgov.cli.scanrun as scanrun
    inner = scanrun.run
    def scan(**kw):
        state["during"] = [gc.isenabled(), gc.get_freeze_count()]
        return inner(**kw)
    scanrun.run = scan
    real()
sys.argv = ["petgov", "scan", "--no-progress", "--no-cache", "-f", "json", sys.argv[1]]
spy()
"""


def test_the_entry_point_freezes_its_start_and_collects_after(tmp_path: Path) -> None:
    target = tmp_path / "tiny.pkl"
    target.write_bytes(pickle.dumps({"a": 1}))
    done = subprocess.run(
        [sys.executable, "-c", _ENTRY, str(target)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report, _, state = done.stdout.rpartition("@@")
    assert json.loads(report)["summary"]["findings"] == 1
    seen = json.loads(state)
    assert seen["before"] == [True, 0]
    enabled, frozen = seen["during"]
    assert enabled and frozen > 10_000  # the scan itself runs with the GC on


def test_a_callers_run_leaves_the_gc_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "tiny.pkl"
    target.write_bytes(pickle.dumps({"a": 1}))
    frozen = gc.get_freeze_count()
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            with pytest.raises(SystemExit):
                run(["scan", "--no-progress", "--no-cache", str(target)])
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
    assert gc.get_freeze_count() == frozen
    capsys.readouterr()
