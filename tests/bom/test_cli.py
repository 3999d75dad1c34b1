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
