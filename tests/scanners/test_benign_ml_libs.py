"""No serialization finding at medium or above on what the real ML libraries write.

The artifacts are written at test time by the libraries themselves (tests/scanners/ml_artifacts.py)
and scanned with the default scanners; a TorchScript file in particular must not be blocked.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import pytest

from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan
from tests.scanners.ml_artifacts import REQUIRED, WRITERS

pytestmark = pytest.mark.slow


@lru_cache(maxsize=1)
def _corpus(root: str) -> tuple[dict[str, list[str]], dict[str, list[tuple[Severity, str]]]]:
    out = Path(root)
    files = {lib: write(out) for lib, write in WRITERS.items()}
    report = scan([str(out)], ScanOptions())
    found: dict[str, list[tuple[Severity, str]]] = {}
    for d in report.decisions:
        f = d.finding
        if f.kind.startswith("ser."):
            found.setdefault(f.path, []).append((f.severity, f"{f.rule_id} {f.message}"))
    return files, found


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, list[str]], dict[str, list[tuple[Severity, str]]]]:
    root = tmp_path_factory.mktemp("ml-artifacts")
    files, found = _corpus(str(root))
    return root, files, found


def test_every_library_of_the_test_extras_is_installed() -> None:
    missing = [lib for lib in REQUIRED if importlib.util.find_spec(lib) is None]
    assert not missing, f"install the test extras: {missing}"


@pytest.mark.parametrize("lib", sorted(WRITERS))
def test_library_output_has_no_serialization_finding(
    corpus: tuple[Path, dict[str, list[str]], dict[str, list[tuple[Severity, str]]]], lib: str
) -> None:
    root, files, found = corpus
    assert files[lib], lib
    for name in files[lib]:
        path = str(root / name)
        assert (root / name).is_file(), name
        mine = [
            hit
            for p, hits in found.items()
            if p == path or p.startswith(path + "!/")
            for hit in hits
            if hit[0] >= Severity.MEDIUM
        ]
        assert mine == [], (name, mine)


def test_pickle_bearing_outputs_were_analyzed(
    corpus: tuple[Path, dict[str, list[str]], dict[str, list[tuple[Severity, str]]]],
) -> None:
    """Quiet because judged, not because skipped: the pickle engine read each pickle file."""
    root, _, _ = corpus
    report = scan([str(root / "whole_module.pt"), str(root / "scripted.pt")], ScanOptions())
    scanned = {c.path for c in report.coverage if c.engine == "pickle"}
    assert any(p.endswith("whole_module.pt!/whole_module/data.pkl") for p in scanned), scanned
    assert any(p.endswith("scripted.pt!/scripted/data.pkl") for p in scanned), scanned
    globals_seen = {
        g for facts in report.facts.values() for g in facts.get("ser.pickle.globals", [])
    }
    assert "torch.jit._pickle.build_intlist" in globals_seen or any(
        g.startswith("__torch__.") for g in globals_seen
    ), globals_seen
