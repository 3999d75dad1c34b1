"""`petgov redact`: every format round-trips, the output scans clean, the input is never touched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROWS = 30


def _rows() -> list[dict[str, str]]:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(11)
    nor = Faker("no_NO")
    nor.seed_instance(12)
    return [
        {
            "email": fake.email(),
            "fodselsnummer": nor.ssn(),
            "iban": nor.iban(),
            "notes": f"Customer {fake.first_name()} wrote from {fake.email()} about the order, "
            f"please call back soon",
            "sku": f"SKU-{1000 + i}",
        }
        for i in range(ROWS)
    ]


def _write(rows: list[dict[str, str]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows)
    if path.suffix == ".csv":
        pacsv.write_csv(table, path)
    elif path.suffix == ".tsv":
        pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(delimiter="\t"))
    elif path.suffix == ".parquet":
        pq.write_table(table, path)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _entities(cli: Any, path: Path) -> set[str]:
    res = cli("scan", str(path), "-f", "json")
    assert res.code in (0, 1), res.stderr
    return set(res.json()["facts"][str(path)]["pii.entities"])


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_redact_round_trips_every_format(suffix: str, tmp_path: Path, cli: Any) -> None:
    src = tmp_path / f"people{suffix}"
    _write(_rows(), src)
    before = src.read_bytes()
    assert {"EMAIL_ADDRESS", "NO_FODSELSNUMMER", "IBAN_CODE"} <= _entities(cli, src)
    out = tmp_path / f"clean{suffix}"
    res = cli("redact", str(src), "-o", str(out))
    assert res.code == 0, res.stderr
    assert "fodselsnummer: NO_FODSELSNUMMER -> mask (30 cells)" in res.stdout
    assert src.read_bytes() == before
    assert _entities(cli, out) == set()
    from petgov.pii.readers import iter_batches
    from petgov.pii.rewrite import format_of
    from petgov.targets.interface import FileSource

    rows = sum(b.num_rows for b in iter_batches(FileSource(out), format_of(out)))
    assert rows == ROWS
    assert not list(tmp_path.glob(".petgov-redact-*"))  # the temp file was renamed


def test_redact_methods_from_config(tmp_path: Path, cli: Any, monkeypatch: Any) -> None:
    src = tmp_path / "people.csv"
    _write(_rows(), src)
    conf = tmp_path / "petgov.toml"
    conf.write_text(
        "[pii.redact]\n"
        'default = "mask"\n'
        'entities = { EMAIL_ADDRESS = "hash", IBAN_CODE = "fake" }\n'
        'columns = { fodselsnummer = "drop" }\n'
    )
    out = tmp_path / "clean.csv"
    res = cli("redact", str(src), "-o", str(out), "--config", str(conf))
    assert res.code == 2 and "PETGOV_REDACT_KEY" in res.stderr  # a keyed hash needs its key
    assert not out.exists()
    monkeypatch.setenv("PETGOV_REDACT_KEY", "test-key")
    res = cli("redact", str(src), "-o", str(out), "--config", str(conf))
    assert res.code == 0, res.stderr
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(out)
    assert "fodselsnummer" not in table.column_names
    emails = table.column("email").to_pylist()
    assert all(e.startswith("h:") for e in emails)
    original = pacsv.read_csv(src).column("email").to_pylist()
    assert emails[original.index(original[0])] == emails[0]  # same value, same token
    from stdnum import iban

    assert all(iban.is_valid(v) for v in table.column("iban").to_pylist())  # a fake IBAN
    assert set(table.column("iban").to_pylist()).isdisjoint(pacsv.read_csv(src)["iban"].to_pylist())
    notes = " ".join(table.column("notes").to_pylist())
    assert "@" not in notes and "h:" in notes  # e-mails in free text hashed in place


def test_redact_refuses_to_write_over_its_input(tmp_path: Path, cli: Any) -> None:
    src = tmp_path / "people.csv"
    _write(_rows(), src)
    before = src.read_bytes()
    for target in (src, tmp_path / "." / "people.csv"):
        res = cli("redact", str(src), "-o", str(target), "--force")
        assert res.code == 2 and "never writes over its input" in res.stderr
    assert src.read_bytes() == before
    res = cli("redact", str(src), "-o", str(tmp_path / "x.parquet"))
    assert res.code == 2 and "format" in res.stderr and "Traceback" not in res.stderr
    (tmp_path / "taken.csv").write_text("mine\n")
    res = cli("redact", str(src), "-o", str(tmp_path / "taken.csv"))
    assert res.code == 2 and "--force" in res.stderr
    assert (tmp_path / "taken.csv").read_text() == "mine\n"


def test_redact_streams_parquet_row_groups_and_large_csv(tmp_path: Path, cli: Any) -> None:
    """Batches in, batches out: a Parquet file keeps several row groups (a whole-table write
    made one), and a CSV larger than one read block is rewritten whole."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rows = 150_000
    emails = [f"user{i}@example.org" for i in range(rows)]
    table = pa.table({"email": emails, "n": list(range(rows))})
    src = tmp_path / "big.parquet"
    pq.write_table(table, src, row_group_size=50_000)
    out = tmp_path / "big.clean.parquet"
    res = cli("redact", str(src), "-o", str(out))
    assert res.code == 0, res.stderr
    assert f"email: EMAIL_ADDRESS -> mask ({rows} cells)" in res.stdout
    meta = pq.ParquetFile(out).metadata
    assert meta.num_rows == rows and meta.num_row_groups > 1
    clean = pq.read_table(out)
    assert not any("user" in e for e in clean.column("email").to_pylist())  # masked
    assert clean.column("n").to_pylist() == list(range(rows))  # untouched column, same type
    csv_src = tmp_path / "big.csv"
    pacsv.write_csv(table, csv_src)
    assert csv_src.stat().st_size > 4 << 20  # more than one 4 MiB read block
    csv_out = tmp_path / "big.clean.csv"
    res = cli("redact", str(csv_src), "-o", str(csv_out))
    assert res.code == 0, res.stderr
    written = pacsv.read_csv(
        csv_out, convert_options=pacsv.ConvertOptions(strings_can_be_null=False)
    )
    assert written.num_rows == rows
    assert not any("user" in e for e in written.column("email").to_pylist())


def _tree(root: Path, with_notes: bool) -> None:
    (root / "data" / "sub").mkdir(parents=True)
    _write(_rows(), root / "data" / "train.csv")
    _write(_rows(), root / "data" / "sub" / "more.jsonl")
    (root / "README.md").write_text("# people\nContact the maintainers via the issue tracker.\n")
    (root / "data" / "config.json").write_text('{"homepage": "https://example.org/ds"}\n')
    if with_notes:
        (root / "data" / "notes.txt").write_text("ask jane.doe@example.com\n" * 10)


def test_redact_a_folder_mirrors_it(tmp_path: Path, cli: Any) -> None:
    src = tmp_path / "ds"
    _tree(src, with_notes=False)
    out = tmp_path / "ds-clean"
    res = cli("redact", str(src), "-o", str(out))
    assert res.code == 0, res.stderr
    got = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert got == ["README.md", "data/config.json", "data/sub/more.jsonl", "data/train.csv"]
    assert (out / "README.md").read_bytes() == (src / "README.md").read_bytes()
    assert (out / "data/config.json").read_bytes() == (src / "data/config.json").read_bytes()
    assert "data/train.csv:" in res.stdout and "2 other file(s) copied unchanged" in res.stdout
    for rel in ("data/train.csv", "data/sub/more.jsonl"):
        assert _entities(cli, out / rel) == set(), rel
    assert not list(out.rglob(".petgov-redact-*"))
    res = cli("redact", str(src), "-o", str(out))
    assert res.code == 2 and "--force" in res.stderr
    res = cli("redact", str(src), "-o", str(src / "inside"))
    assert res.code == 2 and "overlaps" in res.stderr
    assert not (src / "inside").exists()


def test_redact_a_folder_reports_data_it_could_only_copy(tmp_path: Path, cli: Any) -> None:
    src = tmp_path / "ds"
    _tree(src, with_notes=True)
    out = tmp_path / "ds-clean"
    res = cli("redact", str(src), "-o", str(out))
    assert res.code == 1, res.stderr
    assert "data/notes.txt: EMAIL_ADDRESS (copied" in res.stderr
    assert (out / "data/notes.txt").read_bytes() == (src / "data/notes.txt").read_bytes()
