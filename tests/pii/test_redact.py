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
