"""llamafile: an executable carrying GGUF weights is high (running the model runs the binary),
and the weights inside are scanned as GGUF, whether a zip member or appended to the program.

Executables are stand-ins with the real headers (an APE's shell-compatible ``MZqFpD='``, ELF,
PE); the GGUF is written by the gguf library (benign) or by hand (loader-attack shapes).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from petgov import filetypes as F
from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan
from tests.scanners.test_loader_attacks import gguf

HEADERS = {
    "ape": b'MZqFpD=\'\n\x00\x00\x00\x10\x00\xf8\x00\'\n#\'"\nexec "$0" "$@"\n',
    "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 57,
    "pe": b"MZ\x90\x00\x03" + b"\x00" * 59,
}


def _real_gguf(tmp: Path) -> bytes:
    from tests.scanners.ml_artifacts import write_gguf

    (tmp / "w").mkdir(exist_ok=True)
    (name,) = write_gguf(tmp / "w")
    return (tmp / "w" / name).read_bytes()


def zipped(header: bytes, weights: bytes, member: str = "model.gguf") -> bytes:
    """The zipalign layout: program bytes, then a zip whose member is the stored GGUF."""
    buf = io.BytesIO()
    buf.write(header + b"\x00" * (4096 - len(header)))
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(member, weights)
    return buf.getvalue()


def appended(header: bytes, weights: bytes) -> bytes:
    return header + b"\x00" * (8192 - len(header)) + weights


def malicious_files(out: Path) -> list[Path]:
    """Cases for benchmarks/serialization_round2.py: each is high at least."""
    cases = {
        "llamafile_ape_zip.llamafile": zipped(HEADERS["ape"], gguf()),
        "llamafile_elf_zip.llamafile": zipped(HEADERS["elf"], gguf()),
        "llamafile_appended_overflow.llamafile": appended(
            HEADERS["ape"], gguf(dims=(1 << 32, 1 << 32))
        ),
    }
    for name, data in cases.items():
        (out / name).write_bytes(data)
    return [out / n for n in cases]


def _report(path: Path) -> tuple[list[str], list[tuple[Severity, str]]]:
    report = scan([str(path)], ScanOptions())
    ser = [
        (d.finding.severity, f"{d.finding.rule_id} {d.finding.path} {d.finding.message}")
        for d in report.decisions
        if d.finding.kind.startswith("ser.")
    ]
    return [i.format for i in report.items], ser


@pytest.mark.parametrize("exe", sorted(HEADERS))
def test_executable_with_a_gguf_member_is_high_and_the_member_scanned(
    tmp_path: Path, exe: str
) -> None:
    path = tmp_path / "model.llamafile"
    path.write_bytes(zipped(HEADERS[exe], _real_gguf(tmp_path)))
    formats, ser = _report(path)
    assert formats == [F.LLAMAFILE, F.GGUF]
    assert [s for s, m in ser if "PG-SER-364" in m] == [Severity.HIGH], ser
    assert not [m for s, m in ser if "PG-SER-364" not in m and s >= Severity.MEDIUM], ser
    report = scan([str(path)], ScanOptions())
    gguf_cov = [c for c in report.coverage if c.engine == "gguf"]
    assert gguf_cov and gguf_cov[0].path.endswith("!/model.gguf"), report.coverage


def test_appended_gguf_is_found_and_judged(tmp_path: Path) -> None:
    path = tmp_path / "old.llamafile"
    path.write_bytes(appended(HEADERS["ape"], gguf(dims=(1 << 32, 1 << 32))))
    formats, ser = _report(path)
    assert formats == [F.LLAMAFILE]
    messages = [m for _, m in ser]
    assert any("PG-SER-364" in m and "appended at byte 8192" in m for m in messages), ser
    assert any("PG-SER-311" in m and s >= Severity.HIGH for s, m in ser), ser


def test_benign_appended_gguf_adds_only_the_executable(tmp_path: Path) -> None:
    path = tmp_path / "ok.llamafile"
    path.write_bytes(appended(HEADERS["ape"], _real_gguf(tmp_path)))
    _, ser = _report(path)
    assert [m.split()[0] for _, m in ser] == ["PG-SER-364"], ser


@pytest.mark.parametrize("exe", sorted(HEADERS))
def test_plain_executable_is_not_a_llamafile(tmp_path: Path, exe: str) -> None:
    path = tmp_path / "tool"
    path.write_bytes(HEADERS[exe] + b"\x00" * 4096)
    formats, ser = _report(path)
    assert F.LLAMAFILE not in formats and ser == []
