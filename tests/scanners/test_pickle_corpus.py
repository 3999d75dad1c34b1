"""Conformance over the labelled serialization corpus, with petgov's own pickle engine only."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan
from tests.conftest import corpus_path

# Formats whose scanners another issue (#3, serformats) builds; pickle files are never listed.
OTHER_SCANNER = (".h5", ".keras", ".pb", ".onnx", ".safetensors")


@lru_cache(maxsize=1)
def _worst() -> dict[str, Severity]:
    root = corpus_path("serialization")
    report = scan([str(root)], ScanOptions(scanners=["pickle"]))
    worst: dict[str, Severity] = {}
    for decision in report.decisions:
        f = decision.finding
        if not f.rule_id.startswith("PG-SER-"):
            continue  # archive-stage findings belong to the target tests
        rel = Path(f.path.split("!/")[0]).resolve().relative_to(root.resolve()).as_posix()
        if rel not in worst or f.severity > worst[rel]:
            worst[rel] = f.severity
    return worst


def _labels() -> dict[str, str]:
    data: dict[str, str] = json.loads(corpus_path("serialization", "labels.json").read_text())
    return data


def test_every_malicious_pickle_is_flagged_high() -> None:
    worst = _worst()
    missed = []
    for rel, label in _labels().items():
        if label != "malicious" or rel.endswith(OTHER_SCANNER):
            continue
        if worst.get(rel, Severity.INFO) < Severity.HIGH:
            missed.append(rel)
    assert missed == []


def test_no_benign_file_is_flagged_medium() -> None:
    worst = _worst()
    noisy = {
        rel: worst[rel].value
        for rel, label in _labels().items()
        if label == "benign" and rel in worst and worst[rel] >= Severity.MEDIUM
    }
    assert noisy == {}
