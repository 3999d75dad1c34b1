"""Format-gated item scanners are imported only when a target holds an item of their formats;
until then the registry's stand-in says what the class says (a table kept equal here)."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import pytest

from petgov import filetypes as F
from petgov.model import Item
from petgov.scanners import registry
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, Scanner
from petgov.targets.interface import BytesSource
from tests.cli.test_startup_imports import loaded_by

FORMATS = sorted({v for k, v in vars(F).items() if k.isupper() and isinstance(v, str)})


@pytest.mark.parametrize("path", sorted(registry.FORMAT_GATED))
def test_the_table_says_what_the_class_says(path: str) -> None:
    formats, name, version, cacheable, judges_code = registry.FORMAT_GATED[path]
    real = registry.load(path)
    assert isinstance(real, ItemScanner)
    assert (real.name, real.version, real.cacheable, real.judges_code) == (
        name,
        version,
        cacheable,
        judges_code,
    )
    assert real.default_enabled and type(real).engine_version is Scanner.engine_version
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    for fmt in FORMATS:
        entry = Entry(Item(path=f"x.{fmt}", format=fmt, size=4, sha256=None), BytesSource(b"abcd"))
        for cross_check in (False, True):
            ctx = ScanContext(now=now, cross_check=cross_check)
            if fmt not in formats:  # the stand-in answers False without importing: so must it
                assert not real.applies_to(entry, ctx), (path, fmt)
    assert formats <= set(FORMATS)


def test_stand_ins_report_the_same_engines_in_the_same_order() -> None:
    scanners = registry.all_scanners()
    real = [s for s in (registry.load(p) for p in registry.SCANNERS) if s.default_enabled]
    assert [(s.name, s.engine_version(), s.cacheable, s.judges_code) for s in scanners] == [
        (s.name, s.engine_version(), s.cacheable, s.judges_code) for s in real
    ]
    assert [s.name for s in registry.all_scanners(["gguf", "pickle"])] == ["pickle", "gguf"]


def test_a_pickle_scan_imports_no_format_scanner(tmp_path: Path) -> None:
    (tmp_path / "tiny.pkl").write_bytes(pickle.dumps({"a": 1}))
    code, modules = loaded_by(["scan", "tiny.pkl", "-f", "json"], tmp_path, packages=False)
    assert code == 0
    gated = {p.partition(":")[0] for p in registry.FORMAT_GATED}
    assert gated & modules == set()
    assert "petgov.scanners.pickle_scanner" in modules
