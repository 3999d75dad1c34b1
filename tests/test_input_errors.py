"""Malformed YAML in any file petgov reads is one line naming the file, line and problem."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from petgov.attestation.appraisal import load_reference
from petgov.cleanroom.config import load as load_cleanroom
from petgov.errors import PetgovError
from petgov.policy.packs import parse_pack
from petgov.policy.waivers import load_waivers

BROKEN = b"key: [\n"  # PyYAML explains this over four lines with a caret


def _waivers(p: Path) -> object:
    return load_waivers(p, dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))


def _pack(p: Path) -> object:
    return parse_pack({"pack.yaml": b"name: p\n", "r.yaml": p.read_bytes()}, "pk")


LOADERS: dict[str, Callable[[Path], object]] = {
    "waivers.yaml": _waivers,
    "rule.yaml": _pack,
    "ref.yaml": load_reference,
    "rooms.yaml": lambda p: load_cleanroom("research", p),
}


@pytest.mark.parametrize("name", sorted(LOADERS))
@pytest.mark.parametrize("data", [BROKEN, b"a: \xff\n"], ids=["syntax", "not-utf8"])
def test_broken_yaml_is_one_line(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(PetgovError) as info:
        LOADERS[name](path)
    line = info.value.one_line()
    assert "\n" not in line and "^" not in line, line
    if data == BROKEN:
        assert "line 2, column 1" in line, line


def test_cleanroom_yaml_that_is_not_a_mapping_or_not_a_file(tmp_path: Path) -> None:
    listed = tmp_path / "rooms.yaml"
    listed.write_text("- research\n")
    with pytest.raises(PetgovError, match="expected a mapping"):
        load_cleanroom("research", listed)
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    with pytest.raises(PetgovError, match="cannot read"):
        load_cleanroom("research", folder)


def test_one_line_joins_multiline_library_messages() -> None:
    err = PetgovError("first\n  second\n\nthird", hint="do x")
    assert err.one_line() == "first second third (hint: do x)"


def test_tomllib_is_imported_with_the_tomli_fallback() -> None:
    """requires-python is >=3.10, where tomllib does not exist: every import has the fallback."""
    root = Path(__file__).resolve().parents[1] / "petgov"
    bare = []
    for src in root.rglob("*.py"):
        lines = src.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines):
            if line.strip() == "import tomllib" and "sys.version_info" not in lines[n - 1]:
                bare.append(f"{src.relative_to(root)}:{n + 1}")
    assert bare == []


def test_atomic_write_to_a_folder_or_missing_folder_is_an_output_error(tmp_path: Path) -> None:
    """rules pack -o DIR was an internal error (IsADirectoryError from os.replace)."""
    from petgov.errors import OutputError
    from petgov.util.atomic import write_bytes_atomic

    with pytest.raises(OutputError, match="is a directory"):
        write_bytes_atomic(tmp_path, b"x")
    with pytest.raises(OutputError, match="cannot write"):
        write_bytes_atomic(tmp_path / "missing" / "out.json", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no temp file left behind


def test_rules_docs_into_a_file_is_an_output_error(tmp_path: Path) -> None:
    from petgov.errors import OutputError
    from petgov.policy.packs import builtin_pack_dir
    from petgov.policy.tooling import write_docs

    target = tmp_path / "README.md"
    target.write_text("mine\n")
    with pytest.raises(OutputError, match="is not a folder"):
        write_docs(builtin_pack_dir(), target)
    assert target.read_text() == "mine\n"


def test_attestation_missing_certificate_hint_is_about_certificates(tmp_path: Path) -> None:
    """The evidence hint ("check the --type ...") was given for a missing certificate file."""
    from petgov.attestation.api import verify_evidence

    evidence = tmp_path / "report.bin"
    evidence.write_bytes(b"\0" * 1184)
    ref = tmp_path / "ref.yaml"
    ref.write_text("version: 1\ncerts: [vcek.der]\n")
    with pytest.raises(PetgovError) as info:
        verify_evidence(evidence, "snp", reference=ref)
    line = info.value.one_line()
    assert "vcek.der: cannot read certificate file" in line and "--type" not in line, line
