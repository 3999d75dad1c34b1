"""Read and write the tables a preview is made of: CSV, Parquet and JSON Lines, by extension.

A preview keeps the source's format, so code written against it runs unchanged on the real
data. Damaged input is a one-line :class:`petgov.errors.TargetError` (exit 2), never a traceback.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from petgov.errors import TargetError, UsageError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl"}
FORMATS |= {".ndjson": "jsonl"}


def format_of(path: Path) -> str:
    """csv, parquet or jsonl from the file name; anything else is a usage error."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(
            f"{path}: not a CSV, Parquet or JSON Lines file",
            hint="name the file .csv, .parquet or .jsonl",
        )
    return fmt


def read(path: Path) -> Any:
    """The whole table (a ``pyarrow.Table``)."""
    import pyarrow as pa

    fmt = format_of(path)
    if not path.is_file():
        raise TargetError(f"{path}: no such dataset")
    try:
        if fmt == "csv":
            from pyarrow import csv

            return csv.read_csv(path)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return pq.read_table(path)
        from pyarrow import json as pj

        return pj.read_json(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TargetError(f"{path}: cannot read as {fmt}: {first[:200]}") from None


def encode(table: Any, fmt: str) -> bytes:
    """The table serialized in ``fmt``."""
    buf = io.BytesIO()
    if fmt == "csv":
        from pyarrow import csv

        csv.write_csv(table, buf)
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, buf)
    else:
        for row in table.to_pylist():
            buf.write(json.dumps(row, default=str, ensure_ascii=False).encode() + b"\n")
    return buf.getvalue()
