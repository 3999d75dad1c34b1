"""Hugging Face ``datasets`` folders: one dataset per split, its shards sampled together.

Folders are written by the real ``datasets`` library (``save_to_disk``, ``to_parquet``), and
every split's verdicts must equal the single-file scan of the same rows concatenated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from petgov.pipeline import ScanOptions, scan
from petgov.scanners.options import PiiOptions, ScannerOptions
from tests.pii.datagen import make_rows

datasets = pytest.importorskip("datasets")

ROWS = 1500


def _table(rows: int, seed: int) -> pa.Table:
    """Fake people; e-mails only in the first third, so a shard-by-shard scan differs."""
    people = make_rows(rows, seed)
    cols = ["first_name", "email", "phone", "iban", "city", "notes"]
    data = {c: [p[c] for p in people] for c in cols}
    data["email"] = [v if i < rows // 3 else "" for i, v in enumerate(data["email"])]
    data["row"] = list(range(rows))  # numeric, skipped either way
    return pa.table(data)


def _verdicts(report: Any, path: Path | str) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(column, entity) -> what the finding says, for findings of ``path``."""
    out = {}
    for d in report.decisions:
        f = d.finding
        if f.path != str(path) or not f.kind.startswith("pii."):
            continue
        facts = f.facts
        out[(str(f.location.get("column")), str(facts["entity"]))] = (
            facts["rate"],
            facts.get("hits"),
            facts.get("distinct_sampled"),
            facts.get("sampled_rows"),
            facts.get("rows"),
            tuple(f.evidence["examples_redacted"]),
        )
    return out


def _single(table: pa.Table, folder: Path) -> Path:
    folder.mkdir()
    path = folder / "all.parquet"
    pq.write_table(table, path)
    return path


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return {"train": _table(ROWS, 3), "test": _table(300, 4)}


def test_save_to_disk_splits_are_one_dataset_each_like_the_concatenated_file(
    tables: dict[str, pa.Table], tmp_path: Path
) -> None:
    dd = datasets.DatasetDict({k: datasets.Dataset(v) for k, v in tables.items()})
    folder = tmp_path / "ds"
    dd.save_to_disk(str(folder), num_shards={"train": 3, "test": 1})
    assert len(list((folder / "train").glob("data-*-of-00003.arrow"))) == 3
    report = scan([str(folder)], ScanOptions(scanners=["pii"]))
    facts = report.facts
    assert facts[str(folder)]["pii.datasets"] == 2
    train = facts[str(folder / "train")]
    assert train["pii.split"] == "train"
    assert train["pii.rows"] == ROWS and train["pii.sampled_rows"] == 1000
    assert [Path(p).name for p in train["pii.shards"]] == [
        f"data-0000{i}-of-00003.arrow" for i in range(3)
    ]
    paths = {d.finding.path for d in report.decisions if d.finding.kind.startswith("pii.")}
    assert paths == {str(folder / "train"), str(folder / "test")}, paths  # no metadata file
    messages = [d.finding.message for d in report.decisions if d.finding.path.endswith("train")]
    assert all(m.startswith("split 'train' (3 shards): ") for m in messages), messages
    assert all("sampled 1000 of 1500 rows" in m for m in messages), messages
    for shard in train["pii.shards"]:
        assert any(c.path == shard and c.status.value == "scanned" for c in report.coverage)

    for split, table in tables.items():
        single = _single(table, tmp_path / f"single-{split}")
        alone = scan([str(single)], ScanOptions(scanners=["pii"]))
        got = _verdicts(report, folder / split)
        assert got, split
        assert got == _verdicts(alone, single), split
    assert ("email", "EMAIL_ADDRESS") in _verdicts(report, folder / "train")


def test_shard_by_shard_would_have_judged_a_third_of_the_rows(
    tables: dict[str, pa.Table], tmp_path: Path
) -> None:
    """The grouping is what the test above measures: a lone shard says something else."""
    ds = datasets.Dataset(tables["train"])
    folder = tmp_path / "one"
    ds.save_to_disk(str(folder), num_shards=3)
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "part.arrow").write_bytes((folder / "data-00001-of-00003.arrow").read_bytes())
    report = scan([str(lone / "part.arrow")], ScanOptions(scanners=["pii"]))
    assert ("email", "EMAIL_ADDRESS") not in _verdicts(report, lone / "part.arrow")
    grouped = scan([str(folder)], ScanOptions(scanners=["pii"]))
    assert ("email", "EMAIL_ADDRESS") in _verdicts(grouped, folder)
    assert grouped.facts[str(folder)]["pii.split"] == "one"


def test_hub_parquet_layout_is_one_dataset_per_split(
    tables: dict[str, pa.Table], tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    data = repo / "data"
    data.mkdir(parents=True)
    (repo / "README.md").write_text("---\nlicense: mit\n---\n# people\n")
    train = datasets.Dataset(tables["train"])
    for i in range(2):
        train.shard(2, i, contiguous=True).to_parquet(str(data / f"train-0000{i}-of-00002.parquet"))
    datasets.Dataset(tables["test"]).to_parquet(str(data / "test-00000-of-00001.parquet"))
    report = scan([str(repo)], ScanOptions(scanners=["pii"]))
    train_path = str(data / "train-*-of-00002.parquet")
    test_path = str(data / "test-*-of-00001.parquet")
    assert report.facts[str(repo)]["pii.datasets"] == 2
    assert report.facts[train_path]["pii.split"] == "train"
    assert report.facts[train_path]["pii.rows"] == ROWS
    for split, path in (("train", train_path), ("test", test_path)):
        single = _single(tables[split], tmp_path / f"single-{split}")
        alone = scan([str(single)], ScanOptions(scanners=["pii"]))
        assert _verdicts(report, path) == _verdicts(alone, single), split


def test_converted_parquet_layout_and_exhaustive_mode(
    tables: dict[str, pa.Table], tmp_path: Path
) -> None:
    """refs/convert/parquet: default/train/0000.parquet; --exhaustive reads every shard."""
    split = tmp_path / "default" / "train"
    split.mkdir(parents=True)
    table = tables["train"].select(["email", "iban", "row"])
    half = ROWS // 2
    pq.write_table(table.slice(0, half), split / "0000.parquet")
    pq.write_table(table.slice(half), split / "0001.parquet")
    opts = ScanOptions(
        scanners=["pii"], scanner_options=ScannerOptions(pii=PiiOptions(exhaustive=True))
    )
    report = scan([str(tmp_path)], opts)
    single = _single(table, tmp_path.parent / f"{tmp_path.name}-single")
    alone = scan([str(single)], opts)
    assert report.facts[str(split)]["pii.rows"] == ROWS
    got = _verdicts(report, split)
    assert got == _verdicts(alone, single)
    email = [
        d.finding
        for d in report.decisions
        if d.finding.path == str(split) and d.finding.facts.get("entity") == "EMAIL_ADDRESS"
    ]
    assert email and email[0].facts["cells"] == ROWS // 3  # every cell of both shards


def test_shards_with_different_columns_are_judged_one_by_one(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    a = pa.table({"email": [f"user{i}@example.org" for i in range(50)]})
    b = pa.table({"other": [f"thing {i}" for i in range(50)]})
    pq.write_table(a, folder / "train-00000-of-00002.parquet")
    pq.write_table(b, folder / "train-00001-of-00002.parquet")
    report = scan([str(tmp_path)], ScanOptions(scanners=["pii"]))
    first = str(folder / "train-00000-of-00002.parquet")
    assert report.facts[str(tmp_path)]["pii.datasets"] == 2
    assert report.facts[first]["pii.entities"] == ["EMAIL_ADDRESS"]
    assert str(folder / "train-*-of-00002.parquet") not in report.facts


def test_state_json_order_is_the_row_order(tmp_path: Path) -> None:
    """Shards are read in the order ``state.json`` lists them, not by name."""
    folder = tmp_path / "split"
    folder.mkdir()
    names = ["data-00001-of-00002.arrow", "data-00000-of-00002.arrow"]
    tables = [
        pa.table({"email": [f"a{i}@example.org" for i in range(40)]}),
        pa.table({"email": ["none"] * 10}),
    ]
    for name, t in zip(names, tables, strict=True):
        with pa.OSFile(str(folder / name), "wb") as fh, pa.ipc.new_stream(fh, t.schema) as w:
            w.write_table(t)
    state = {"_data_files": [{"filename": n} for n in names], "_split": None}
    (folder / "state.json").write_text(json.dumps(state))
    report = scan([str(folder)], ScanOptions(scanners=["pii"]))
    assert [Path(p).name for p in report.facts[str(folder)]["pii.shards"]] == names
