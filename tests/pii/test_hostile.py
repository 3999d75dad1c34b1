"""Damaged and adversarial datasets: a clear coverage error or a finding, never a traceback."""

from __future__ import annotations

import resource
from pathlib import Path
from typing import Any

import pytest


def _pii_coverage(doc: dict[str, Any], name: str) -> dict[str, Any]:
    cov = [c for c in doc["coverage"] if c["engine"] == "pii" and c["path"].endswith(name)]
    assert cov, doc["coverage"]
    return cov[0]


def _scan(cli: Any, path: Path) -> dict[str, Any]:
    res = cli("scan", str(path), "-f", "json")
    assert res.code in (0, 1), res.stderr
    assert "Traceback" not in res.stderr
    doc: dict[str, Any] = res.json()
    return doc


def test_ragged_rows_are_skipped_and_counted(tmp_path: Path, cli: Any) -> None:
    rows = ["name,ssn"] + [f"A,536-22-{1000 + i}" for i in range(30)] + ["x,y,z,w", "only"]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    doc = _scan(cli, tmp_path / "r.csv")
    cov = _pii_coverage(doc, "r.csv")
    assert cov["status"] == "scanned" and "2 malformed rows skipped" in cov["reason"]
    assert any(f["facts"].get("entity") == "US_SSN" for f in doc["findings"])


def test_unbalanced_quote_csv_is_a_coverage_error_or_scanned(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "q.csv").write_text('a,b\n"unterminated,1\n2,3\n')
    cov = _pii_coverage(_scan(cli, tmp_path / "q.csv"), "q.csv")
    assert cov["status"] in ("scanned", "error")
    if cov["status"] == "error":
        assert cov["reason"].startswith("cannot read csv")


def test_invalid_utf8_is_decoded_leniently(tmp_path: Path, cli: Any) -> None:
    # past the sniffer's 8 KiB text check (earlier invalid bytes make the file "binary")
    body = b"email,notes\n" + b"".join(b"user%d@example.org,fine\n" % i for i in range(600))
    body += b"bad\xff@example.org,caf\xe9 \xff\xfe\n"
    (tmp_path / "u.csv").write_bytes(body)
    doc = _scan(cli, tmp_path / "u.csv")
    assert _pii_coverage(doc, "u.csv")["status"] == "scanned"
    assert any(f["facts"].get("entity") == "EMAIL_ADDRESS" for f in doc["findings"])


def test_huge_single_line_text_file_stays_bounded(tmp_path: Path, cli: Any) -> None:
    # 6 MiB on one line, an SSN near the end: read in 64 KiB chunks, never as one string
    path = tmp_path / "one-line.txt"
    filler = b"lorem ipsum dolor sit amet " * 8192
    with open(path, "wb") as fh:
        for _ in range(28):
            fh.write(filler)
        fh.write(b" my ssn is 536-22-1234 thanks")
    doc = _scan(cli, path)
    assert _pii_coverage(doc, "one-line.txt")["status"] == "scanned"
    assert [f["facts"]["entity"] for f in doc["findings"] if f["kind"] == "pii.text"] == ["US_SSN"]


def test_parquet_with_broken_footer_is_a_coverage_error(tmp_path: Path, cli: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"email": [f"u{i}@example.org" for i in range(50)]}), path)
    data = bytearray(path.read_bytes())
    data[-12:-4] = b"\xff" * 8  # footer length and metadata tail
    path.write_bytes(bytes(data))
    doc = _scan(cli, path)
    cov = _pii_coverage(doc, "t.parquet")
    assert cov["status"] == "error"
    assert "parquet" in cov["reason"]


def test_parquet_and_arrow_are_read(tmp_path: Path, cli: Any) -> None:
    import pyarrow as pa
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq

    table = pa.table(
        {"contact_email": [f"u{i}@example.org" for i in range(50)], "n": list(range(50))}
    )
    pq.write_table(table, tmp_path / "a.parquet")
    with ipc.new_stream(tmp_path / "b.arrow", table.schema) as w:  # HF datasets cache layout
        w.write_table(table)
    doc = _scan(cli, tmp_path)
    paths = {f["path"].rsplit("/", 1)[-1] for f in doc["findings"] if f["kind"] == "pii.column"}
    assert paths == {"a.parquet", "b.arrow"}


def test_gzip_member_is_scanned(tmp_path: Path, cli: Any) -> None:
    import gzip

    rows = "ssn\n" + "".join(f"536-22-{1000 + i}\n" for i in range(40))
    (tmp_path / "d.csv.gz").write_bytes(gzip.compress(rows.encode()))
    doc = _scan(cli, tmp_path)
    assert any(f["facts"].get("entity") == "US_SSN" for f in doc["findings"])


@pytest.mark.parametrize("payload", [b"", b"[1, 2", b'{"a": [', b"\x00\x01\x02" * 100])
def test_garbage_json_and_csv(tmp_path: Path, cli: Any, payload: bytes) -> None:
    (tmp_path / "g.json").write_bytes(payload)
    (tmp_path / "g.csv").write_bytes(payload)
    _scan(cli, tmp_path)


def test_memory_stays_bounded_on_large_text(tmp_path: Path) -> None:
    """In-process: scanning a 6 MiB one-line file grows peak RSS by far less than its size x 10."""
    from petgov.pii.readers import iter_batches
    from petgov.targets.interface import FileSource

    warm = tmp_path / "warm.txt"  # first use imports pyarrow: not what this test measures
    warm.write_bytes(b"x\n")
    assert sum(b.num_rows for b in iter_batches(FileSource(warm), "text")) == 1
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * (6 << 20))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = sum(b.num_rows for b in iter_batches(FileSource(path), "text"))
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert rows == 96  # 6 MiB / 64 KiB chunks
    assert grown_kib < 60 * 1024
