"""Stream tabular and text datasets as pyarrow record batches, with bounded memory.

Every reader yields batches of string-or-typed columns; damaged input raises ``ReadError``
with a one-line reason the scanner turns into error coverage (never a traceback).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO, Any

from petgov import filetypes as F
from petgov.targets.interface import Source

BATCH_ROWS = 65_536
TEXT_CHUNK = 64 * 1024  # a "line" longer than this is cut into chunks of this size
JSON_LIMIT = 256 * 1024 * 1024  # a single JSON document is parsed whole; refuse larger ones
TEXT_COLUMN = "text"


class ReadError(Exception):
    """The dataset could not be parsed; the message says why in one line."""


class NotDataset(ReadError):
    """The file parsed but holds no records (a config, a map): not a dataset, nothing to say."""


class RaggedRows:
    """Counts CSV rows whose field count does not match the header (they are skipped)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, row: Any) -> str:
        self.count += 1
        return "skip"


def iter_batches(source: Source, fmt: str, ragged: RaggedRows | None = None) -> Iterator[Any]:
    """Yield ``pyarrow.RecordBatch`` objects for a dataset of sniffed format ``fmt``."""
    try:
        if fmt in (F.CSV, F.TSV):
            yield from _csv(source, "\t" if fmt == F.TSV else ",", ragged or RaggedRows())
        elif fmt == F.PARQUET:
            yield from _parquet(source)
        elif fmt == F.ARROW:
            yield from _arrow(source)
        elif fmt == F.JSONL:
            yield from _jsonl(source)
        elif fmt == F.JSON:
            yield from _json(source)
        else:
            yield from _text(source)
    except ReadError:
        raise
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError/... on damaged bytes
        raise ReadError(f"cannot read {fmt}: {type(exc).__name__}: {str(exc)[:200]}") from exc


def _closing(reader: Any) -> Iterator[Any]:
    """The reader's batches, closing it when done *or abandoned* (a sample stops early).

    pyarrow's streaming readers read ahead on native threads; one left to the interpreter's
    teardown can abort the process after the work is done ("terminate called without an
    active exception", apache/arrow#34314), so each is closed before its file is.
    """
    try:
        yield from reader
    finally:
        reader.close()


def _open(source: Source) -> IO[bytes]:
    local = source.local_path
    return open(local, "rb") if local is not None else source.open()


def _csv(source: Source, delimiter: str, ragged: RaggedRows) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    parse = pacsv.ParseOptions(
        delimiter=delimiter, invalid_row_handler=ragged, newlines_in_values=True
    )
    read = pacsv.ReadOptions(block_size=1 << 22)
    header_parse = pacsv.ParseOptions(
        delimiter=delimiter, invalid_row_handler=RaggedRows(), newlines_in_values=True
    )
    header = _csv_header(source, header_parse, read)
    # Everything as binary: no type guessing surprises (16-digit cards parsed as int64) and
    # invalid UTF-8 is decoded leniently later instead of aborting the whole file.
    convert = pacsv.ConvertOptions(
        column_types={name: pa.binary() for name in header}, strings_can_be_null=False
    )
    with _open(source) as fh:
        yield from _closing(
            pacsv.open_csv(fh, read_options=read, parse_options=parse, convert_options=convert)
        )


HEADER_BLOCK = 64 * 1024


def _csv_header(source: Source, parse: Any, read: Any) -> list[str]:
    """The column names: opening a CSV parses (and infers types for) its whole first block,
    so they are read from a small block first, and from a full one only when the first row
    does not fit in it (pyarrow then cannot find a row and raises)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        return _names(source, pacsv.ReadOptions(block_size=HEADER_BLOCK), parse)
    except pa.ArrowInvalid:
        return _names(source, read, parse)


def _names(source: Source, read: Any, parse: Any) -> list[str]:
    import pyarrow.csv as pacsv

    with _open(source) as fh:
        reader = pacsv.open_csv(fh, read_options=read, parse_options=parse)
        try:
            return list(reader.schema.names)
        finally:
            reader.close()  # before its file: no read-ahead thread outlives either


def _parquet(source: Source) -> Iterator[Any]:
    import pyarrow.parquet as pq

    with _open(source) as fh, pq.ParquetFile(fh) as parquet:
        yield from parquet.iter_batches(batch_size=BATCH_ROWS)


def _arrow(source: Source) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    with _open(source) as fh:
        head = fh.read(6)
        fh.seek(0)
        if head == b"ARROW1":
            reader = ipc.open_file(pa.PythonFile(fh, mode="r"))
            for i in range(reader.num_record_batches):
                yield reader.get_batch(i)
        else:  # HF datasets cache files are IPC streams
            yield from _closing(ipc.open_stream(pa.PythonFile(fh, mode="r")))


def _jsonl(source: Source) -> Iterator[Any]:
    import pyarrow.json as pajson

    with _open(source) as fh:
        if hasattr(pajson, "open_json"):
            read = pajson.ReadOptions(block_size=1 << 22)
            yield from _closing(pajson.open_json(fh, read_options=read))
        else:  # pragma: no cover - older pyarrow
            yield from pajson.read_json(fh).to_batches(BATCH_ROWS)


def _json(source: Source) -> Iterator[Any]:
    import pyarrow as pa

    if source.size > JSON_LIMIT:
        raise ReadError(f"JSON document larger than {JSON_LIMIT >> 20} MiB; convert it to JSONL")
    with _open(source) as fh:
        data = json.loads(fh.read().decode("utf-8", errors="replace"))
    from petgov.pii.datasets import records_shape

    data = records_shape(data)  # {"data": [...]} style exports too
    if data is None:
        raise NotDataset("a JSON object without records (a config or a map), not a dataset")
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        rows = [{k: _leaf_text(v) for k, v in r.items()} for r in data]
        yield from pa.Table.from_pylist(rows).to_batches(BATCH_ROWS)
        return
    strings = list(_strings(data))
    yield from pa.table({TEXT_COLUMN: strings}).to_batches(BATCH_ROWS)


def _leaf_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _strings(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def _text(source: Source) -> Iterator[Any]:
    """Text files as one column of lines; over-long lines are cut, invalid UTF-8 replaced."""
    import pyarrow as pa

    with _open(source) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline=None)
        lines: list[str] = []
        while True:
            line = text.readline(TEXT_CHUNK)
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if len(lines) >= 4096:
                yield pa.record_batch({TEXT_COLUMN: lines})
                lines = []
        if lines:
            yield pa.record_batch({TEXT_COLUMN: lines})


def to_text(value: Any) -> str:
    """A cell as text: bytes decoded leniently, everything else via str()."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)
