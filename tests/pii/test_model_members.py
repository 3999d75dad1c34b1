"""Files inside a model container are not datasets: the PII engine is not even started for them."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

from petgov.pipeline import ScanOptions, scan


def test_pytorch_zip_text_members_are_not_pii_targets(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"w": 1}, protocol=2))
        zf.writestr("archive/version", "3\n")
        zf.writestr("archive/notes.txt", "contact jane.doe@example.com or +1 415 555 0100\n" * 20)
    report = scan([str(path)], ScanOptions(scanners=["pii"]))
    assert [i.format for i in report.items if i.depth == 0] == ["pytorch-zip"]
    assert "pii.datasets" not in report.facts.get(str(path), {})
    assert not [d for d in report.decisions if d.finding.kind.startswith("pii.")]


def test_the_same_text_outside_a_model_is_scanned(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("contact jane.doe@example.com or +1 415 555 0100\n" * 20)
    report = scan([str(tmp_path)], ScanOptions(scanners=["pii"]))
    assert report.facts[str(tmp_path)]["pii.datasets"] == 1
