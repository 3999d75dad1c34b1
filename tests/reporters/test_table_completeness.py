"""The table report shows AI-BOM completeness only when the bom scanner scored a target."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from petgov.pipeline import ScanOptions, scan
from petgov.reporters.table import TableReporter, completeness_rows


def _model(tmp_path: Path) -> str:
    root = tmp_path / "m"
    root.mkdir()
    (root / "config.json").write_text(json.dumps({"model_type": "bert"}))
    return str(root)


def test_scan_table_shows_score_and_missing_fields(tmp_path: Path) -> None:
    target = _model(tmp_path)
    report = scan([target], ScanOptions(scanners=["bom"]))
    ((row_target, value, missing),) = completeness_rows(report.targets, report.facts)
    assert row_target == target
    text = TableReporter(width=200).render(report)
    assert "AI-BOM completeness" in text
    assert f"{value}/100" in text
    assert "license" in missing and "license" in text


def test_no_completeness_table_without_the_bom_scanner(tmp_path: Path) -> None:
    report = scan([_model(tmp_path)], ScanOptions(scanners=["licenses"]))
    assert completeness_rows(report.targets, report.facts) == []
    assert "AI-BOM completeness" not in TableReporter().render(report)


def test_bom_command_prints_the_table_on_stderr(tmp_path: Path, cli: Callable[..., Any]) -> None:
    out = tmp_path / "bom.json"
    res = cli("bom", _model(tmp_path), "-o", str(out), "--scanner", "bom")
    assert res.code == 0, res.stderr
    assert "AI-BOM completeness" in res.stderr
    assert "/100" in res.stderr
    assert json.loads(out.read_text())["bomFormat"] == "CycloneDX"  # the table stays off the BOM
