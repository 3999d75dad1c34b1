"""`petgov bom` and `petgov scan --format cyclonedx` through the real entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.bom import validate
from tests.bom.conftest import card_dir

pytestmark = pytest.mark.corpus


def test_bom_command_writes_a_valid_reproducible_file(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    target = str(card_dir("Qwen2.5-0.5B-Instruct-GGUF"))
    out = tmp_path / "bom.json"
    res = cli("bom", target, "-o", str(out), "--spec", "1.7", "--reproducible", "--scanner", "bom")
    assert res.code == 0, res.stderr
    assert "completeness" in res.stderr
    doc = json.loads(out.read_text())
    assert doc["specVersion"] == "1.7"
    assert validate.problems(doc, "1.7") == []
    first = out.read_bytes()
    res = cli("bom", target, "-o", str(out), "--spec", "1.7", "--reproducible", "--scanner", "bom")
    assert res.code == 0
    assert out.read_bytes() == first


def test_scan_format_cyclonedx(cli: Callable[..., Any]) -> None:
    res = cli(
        "scan", str(card_dir("all-MiniLM-L6-v2")), "--format", "cyclonedx", "--scanner", "bom"
    )
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["specVersion"] == "1.6"
    assert validate.problems(doc, "1.6") == []


def test_bom_on_missing_target_is_one_line(cli: Callable[..., Any], tmp_path: Path) -> None:
    res = cli("bom", str(tmp_path / "nope"))
    assert res.code == 2
    assert "Traceback" not in res.stderr


def test_scan_completeness_fact_matches_the_bom_command(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    """Digests hashed in the background during a scan count, as they do in `petgov bom`."""
    from petgov.demo import write_demo

    write_demo(tmp_path)
    model = str(tmp_path / "model")
    both = ("--scanner", "bom", "--scanner", "licenses")  # what `petgov bom` always runs
    scanned = cli("scan", model, "-f", "json", *both).json()
    bom = cli("bom", model, "-o", str(tmp_path / "bom.json"), "--scanner", "bom")
    assert bom.code == 0, bom.stderr
    value = scanned["facts"][model]["bom.completeness"]
    assert "AI-BOM completeness" in bom.stderr
    assert f" {value}/100 " in bom.stderr  # the Score cell of the table
    unhashed = cli("scan", model, "-f", "json", *both, "--digests", "none").json()
    assert unhashed["facts"][model]["bom.completeness"] < value  # no digests: hashes missing
