"""CSV column names are read from a small first block, and from a full one when the header
row does not fit in it: either way every column is read as bytes under its own name."""

from __future__ import annotations

from pathlib import Path

import pytest

from petgov import filetypes as F
from petgov.pii import readers
from petgov.pii.readers import iter_batches
from petgov.targets.interface import BytesSource, FileSource


def _columns(source: object, fmt: str = F.CSV) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for batch in iter_batches(source, fmt):  # type: ignore[arg-type]
        for name, col in zip(batch.schema.names, batch.columns, strict=True):
            out.setdefault(name, []).extend(col.to_pylist())
    return out


def test_a_header_longer_than_the_small_block_is_read_whole(tmp_path: Path) -> None:
    names = [f"column_{i}_" + "n" * 40 for i in range(2000)]
    assert len(",".join(names)) > readers.HEADER_BLOCK
    path = tmp_path / "wide.csv"
    path.write_text(",".join(names) + "\n" + ",".join(str(i) for i in range(2000)) + "\n")
    cols = _columns(FileSource(path))
    assert list(cols) == names
    assert cols[names[1999]] == [b"1999"]


@pytest.mark.parametrize("delimiter,fmt", [(",", F.CSV), ("\t", F.TSV)])
def test_small_and_full_header_blocks_agree(
    delimiter: str, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        ["id", "e mail", '"quoted, name"'],
        *([str(i), f"a{i}@x.org", "Ann"] for i in range(3000)),
    ]
    data = "\n".join(delimiter.join(r) for r in rows).encode()
    small = _columns(BytesSource(data), fmt)
    monkeypatch.setattr(readers, "HEADER_BLOCK", 1 << 22)
    assert _columns(BytesSource(data), fmt) == small
    assert list(small)[:2] == ["id", "e mail"] and len(small["id"]) == 3000
    assert small["id"][:2] == [b"0", b"1"]  # bytes, not inferred integers


def test_an_empty_csv_is_still_a_read_error() -> None:
    with pytest.raises(readers.ReadError):
        _columns(BytesSource(b""))
