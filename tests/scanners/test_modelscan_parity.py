"""petgov's pickle engine never reports less than modelscan on the same corpus file."""

from __future__ import annotations

from pathlib import Path

from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan
from tests.conftest import corpus_path

PICKLE_FORMATS = {"pickle", "joblib", "pytorch-zip", "pytorch-legacy", "numpy-npy", "numpy-npz"}


def _worst(engine: str, root: Path, cross_check: bool) -> dict[str, Severity]:
    report = scan([str(root)], ScanOptions(scanners=[engine], cross_check=cross_check))
    pickle_items = {i.path for i in report.items if i.format in PICKLE_FORMATS}
    worst: dict[str, Severity] = {}
    for d in report.decisions:
        f = d.finding
        if f.path not in pickle_items or not f.rule_id.startswith("PG-SER-"):
            continue
        top = f.path.split("!/")[0]
        if top not in worst or f.severity > worst[top]:
            worst[top] = f.severity
    return worst


def test_petgov_never_reports_less_than_modelscan() -> None:
    root = corpus_path("serialization")
    ours = _worst("pickle", root, cross_check=False)
    theirs = _worst("modelscan", root, cross_check=True)
    less = {
        path: (ours.get(path, Severity.INFO).value, sev.value)
        for path, sev in theirs.items()
        if ours.get(path, Severity.INFO) < sev
    }
    assert theirs, "modelscan reported nothing: the comparison would be vacuous"
    assert less == {}
