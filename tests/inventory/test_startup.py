"""A scan's fixed start-up: the policy engine's REPL module is not imported, yet stays usable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from petgov.pipeline import ScanOptions, scan
report = scan([sys.argv[1]], ScanOptions(scanners=["pickle"]))
assert report.decisions and report.decisions[0].finding.severity.value == "critical"
assert "prompt_toolkit" not in sys.modules, "cel.cli (a REPL) was imported by a scan"
import cel, cel.cli
assert cel.compile("1 == 1").execute({}) is True
assert callable(cel.cli.PromptSession)  # the real module, imported on first use
"""


def test_scan_does_not_import_the_cel_repl(tmp_path: Path) -> None:
    target = tmp_path / "p.pkl"
    target.write_bytes(b"cposix\nsystem\n(S'id'\ntR.")  # hand-assembled, never loaded
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(target)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
