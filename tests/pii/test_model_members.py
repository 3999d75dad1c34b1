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


def test_a_hf_datasets_folder_is_judged_by_its_shards_not_its_metadata(tmp_path: Path) -> None:
    """Issue 20: state.json of a `datasets` folder was read as a table and reported as a URL."""
    import json

    import pyarrow as pa

    split = tmp_path / "train"
    split.mkdir()
    table = pa.table({"email": [f"user{i}@example.org" for i in range(50)]})
    shard = str(split / "data-00000-of-00001.arrow")
    with pa.OSFile(shard, "wb") as fh, pa.ipc.new_stream(fh, table.schema) as writer:
        writer.write_table(table)
    (split / "state.json").write_text(
        json.dumps({"_data_files": [{"filename": "data-00000-of-00001.arrow"}], "_split": "train"})
    )
    (split / "dataset_info.json").write_text(json.dumps({"homepage": "https://example.org/ds"}))
    (tmp_path / "dataset_dict.json").write_text(json.dumps({"splits": ["train"]}))
    report = scan([str(tmp_path)], ScanOptions(scanners=["pii"]))
    paths = {Path(d.finding.path).name for d in report.decisions}
    assert paths == {"train"}, paths  # the split (its one shard), never a metadata file
    assert report.facts[str(tmp_path)]["pii.datasets"] == 1
