"""The ``bom.completeness`` fact sees what the licenses scanner found (bom runs after it)."""

from __future__ import annotations

import json
from pathlib import Path

from petgov.pipeline import ScanOptions, scan

MIT = (
    "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n"
)


def _model(tmp_path: Path, *, license_file: bool) -> str:
    root = tmp_path / "m"
    root.mkdir()
    (root / "config.json").write_text(json.dumps({"model_type": "bert"}))
    (root / "README.md").write_text("---\npipeline_tag: fill-mask\n---\n# m\n")
    if license_file:
        (root / "LICENSE").write_text(MIT)
    return str(root)


def _fact(target: str, key: str, scanners: tuple[str, ...] = ("bom", "licenses")) -> object:
    report = scan([target], ScanOptions(scanners=list(scanners)))
    return report.facts[target][key]


def test_license_file_counts_without_a_card_license(tmp_path: Path) -> None:
    target = _model(tmp_path, license_file=True)
    assert "license" not in _fact(target, "bom.missing")  # type: ignore[operator]


def test_no_license_anywhere_is_missing(tmp_path: Path) -> None:
    target = _model(tmp_path, license_file=False)
    assert "license" in _fact(target, "bom.missing")  # type: ignore[operator]


def test_bom_alone_reads_no_license(tmp_path: Path) -> None:
    """`--scanner bom` means bom: the licenses scanner does not run inside it any more."""
    target = _model(tmp_path, license_file=True)
    assert "license" in _fact(target, "bom.missing", ("bom",))  # type: ignore[operator]


def test_fact_matches_the_bom_score_when_both_scanners_run(tmp_path: Path) -> None:
    from petgov.bom.builder import build

    target = _model(tmp_path, license_file=True)
    report = scan([target], ScanOptions(scanners=["bom", "licenses"]))
    assert report.facts[target]["bom.completeness"] == build(report).scores[target]
