"""A dataset cannot make petgov unpickle: Arrow's legacy ``arrow.py_extension_type`` carried a
pickle in the field metadata, which pyarrow < 14.0.1 loaded on read (CVE-2023-47248).

The files hold a real pickle whose ``__reduce__`` writes a marker file; scanning and redacting
them must leave no marker.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest


class _Touch:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def _hostile_table(marker: Path) -> pa.Table:
    metadata = {
        b"ARROW:extension:name": b"arrow.py_extension_type",
        b"ARROW:extension:metadata": pickle.dumps(_Touch(marker)),
    }
    field = pa.field("email", pa.string(), metadata=metadata)
    emails = [f"user{i}@example.com" for i in range(50)]
    return pa.Table.from_arrays([pa.array(emails)], schema=pa.schema([field]))


@pytest.mark.parametrize("suffix", [".arrow", ".parquet"])
def test_scanning_and_redacting_never_unpickle_extension_metadata(
    tmp_path: Path, cli: Callable[..., Any], suffix: str
) -> None:
    marker = tmp_path / "UNPICKLED"
    table = _hostile_table(marker)
    path = tmp_path / f"data{suffix}"
    if suffix == ".parquet":
        pq.write_table(table, path)
    else:
        with ipc.new_file(path, table.schema) as writer:
            writer.write_table(table)
    assert not marker.exists()
    scanned = cli("scan", str(path), "--scanner", "pii", "-f", "json")
    assert scanned.code in (0, 1), scanned.stderr
    assert "EMAIL_ADDRESS" in scanned.stdout  # the data was really read
    if suffix == ".parquet":
        cli("redact", str(path), "-o", str(tmp_path / "out.parquet"))
    assert not marker.exists()
