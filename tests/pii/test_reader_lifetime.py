"""Every pyarrow streaming reader is closed when its batches are done or abandoned.

A reader left open keeps native read-ahead threads alive into interpreter teardown, where
pyarrow can abort a finished process ("terminate called without an active exception",
apache/arrow#34314): `petgov redact` did so, rarely, under load. Column mode stops reading
early, so abandoning a reader is the common case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq
import pytest

from petgov import filetypes as F
from petgov.pii.readers import iter_batches
from petgov.targets.interface import FileSource

ROWS = 300_000


class Spy:
    """A real pyarrow reader that records whether it was closed."""

    def __init__(self, reader: Any, opened: list[Spy]) -> None:
        self.reader, self.closed = reader, False
        opened.append(self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reader, name)

    def __iter__(self) -> Any:
        return iter(self.reader)

    def close(self) -> None:
        self.closed = True
        self.reader.close()


def _write(tmp_path: Path, fmt: str) -> Path:
    table = pa.table({"email": [f"user{i}@example.com" for i in range(ROWS)], "n": range(ROWS)})
    if fmt == F.CSV:
        path = tmp_path / "t.csv"
        pacsv.write_csv(table, path)
    elif fmt == F.JSONL:
        path = tmp_path / "t.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in table.to_pylist()))
    else:
        path = tmp_path / "t.parquet"
        pq.write_table(table, path, row_group_size=5_000)
    return path


@pytest.mark.parametrize("fmt", [F.CSV, F.JSONL, F.PARQUET])
def test_an_abandoned_or_finished_reader_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    opened: list[Any] = []
    for module, name in ((pacsv, "open_csv"), (pajson, "open_json")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, **k: Spy(_real(*a, **k), opened))
    closed_files: list[bool] = []
    real_close = pq.ParquetFile.close

    def close(self: pq.ParquetFile, *args: Any, **kwargs: Any) -> None:
        closed_files.append(True)
        real_close(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "close", close)
    path = _write(tmp_path, fmt)
    batches = iter_batches(FileSource(path), fmt)
    first = next(batches)
    assert 0 < first.num_rows < ROWS  # the file really streams in several batches
    batches.close()  # what a sampler that has enough rows does
    total = sum(b.num_rows for b in iter_batches(FileSource(path), fmt))
    assert total == ROWS
    if fmt == F.PARQUET:
        assert closed_files == [True, True]
    else:
        assert opened and all(spy.closed for spy in opened), [s.closed for s in opened]
