"""The labelled corpus, non-pickle formats: petgov's header scanners alone, and vs modelscan."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan
from tests.conftest import corpus_path

FORMAT_SCANNERS = ["keras", "onnx", "gguf", "safetensors"]
FORMATS = {"hdf5", "keras-zip", "onnx", "gguf", "safetensors"}


def _worst(scanners: list[str], cross_check: bool = False) -> dict[str, Severity]:
    root = corpus_path("serialization")
    report = scan([str(root)], ScanOptions(scanners=scanners, cross_check=cross_check))
    covered = {i.path for i in report.items if i.format in FORMATS}
    worst: dict[str, Severity] = {}
    for d in report.decisions:
        f = d.finding
        if f.path not in covered or not f.rule_id.startswith("PG-SER-"):
            continue
        rel = Path(f.path.split("!/")[0]).resolve().relative_to(root.resolve()).as_posix()
        if rel not in worst or f.severity > worst[rel]:
            worst[rel] = f.severity
    return worst


@lru_cache(maxsize=1)
def _ours() -> dict[str, Severity]:
    return _worst(FORMAT_SCANNERS)


def _labels() -> dict[str, str]:
    data: dict[str, str] = json.loads(corpus_path("serialization", "labels.json").read_text())
    return {k: v for k, v in data.items() if k.endswith((".h5", ".keras", ".onnx", ".safetensors"))}


def test_malicious_format_files_are_high_and_benign_ones_quiet() -> None:
    labels = _labels()
    assert any(v == "malicious" for v in labels.values()) and any(
        v == "benign" for v in labels.values()
    )
    worst = _ours()
    missed = [
        p
        for p, v in labels.items()
        if v == "malicious" and worst.get(p, Severity.INFO) < Severity.HIGH
    ]
    noisy = [
        p
        for p, v in labels.items()
        if v == "benign" and worst.get(p, Severity.INFO) >= Severity.MEDIUM
    ]
    assert (missed, noisy) == ([], [])


def test_never_less_than_modelscan_on_keras_files() -> None:
    theirs = _worst(["modelscan"], cross_check=True)
    ours = _ours()
    less = {p: (ours.get(p), s) for p, s in theirs.items() if ours.get(p, Severity.INFO) < s}
    assert theirs, "modelscan reported nothing: the comparison would be vacuous"
    assert less == {}
