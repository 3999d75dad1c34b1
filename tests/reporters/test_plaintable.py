"""The table report without rich (reporters/plaintable.py) against rich itself: the same text
for many generated tables and reports, or None (rich then lays it out)."""

from __future__ import annotations

import io
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from petgov.reporters import plaintable
from petgov.reporters.table import TableReporter


def by_rich(blocks: list[Any], width: int) -> str:
    from rich.console import Console

    console = Console(record=True, width=width, no_color=True, file=io.StringIO())
    for block in blocks:
        console.print(block)
    return console.export_text(styles=False)


def words(rng: random.Random, count: int) -> str:
    out = []
    for _ in range(count):
        size = rng.choice([1, 2, 3, 5, 8, 12, 20, 35, 60])
        word = "".join(rng.choice("abcdefxyz-./_0123") for _ in range(size))
        out.append(word + rng.choice([" ", " ", " ", "  ", "\n", ", "]))
    text = "".join(out)
    return text.rstrip() if rng.random() < 0.8 else text


def blocks_with(kit: Any, seed: int) -> list[Any]:
    """The same random tables and lines, built with ``kit`` (rich or the stand-ins)."""
    rng = random.Random(seed)
    blocks: list[Any] = []
    for _ in range(rng.randint(1, 3)):
        table = kit.Table(title=rng.choice([None, "Findings", words(rng, rng.randint(1, 12))]))
        columns = rng.randint(1, 5)
        no_wrap = [rng.random() < 0.3 for _ in range(columns)]  # short values, as petgov's
        for fixed in no_wrap:
            table.add_column(
                rng.choice(["Severity", "Path", "Fix", "Findings", words(rng, 2)]),
                no_wrap=fixed,
                overflow=None if fixed else "fold",
                max_width=rng.choice([None, None, 5, 12, 30, 60]),
                justify=rng.choice(["left", "left", "right"]),
            )
        for _ in range(rng.randint(0, 5)):
            cells = []
            for fixed in no_wrap:
                text = (
                    rng.choice(["low", "PG-SER-001", "12", ""])
                    if fixed
                    else words(rng, rng.randint(0, 9))
                )
                cells.append(kit.Text(text) if rng.random() < 0.8 else text.replace(":", ";"))
            table.add_row(*cells)
        blocks.append(table)
        if rng.random() < 0.5:
            blocks.append(kit.Text("note: " + words(rng, rng.randint(1, 40)), style="dim"))
    return blocks


def rich_kit() -> Any:
    from rich.table import Table
    from rich.text import Text

    return SimpleNamespace(Table=Table, Text=Text)


def test_generated_tables_match_rich() -> None:
    done = 0
    for seed in range(400):
        width = random.Random(seed).choice([40, 60, 80, 100, 120, 160, 200])
        plain = plaintable.render(blocks_with(plaintable, seed), width)
        if plain is None:
            continue
        assert plain == by_rich(blocks_with(rich_kit(), seed), width), seed
        done += 1
    assert done > 200  # most generated tables are laid out without rich


def test_reports_match_rich(tmp_path: Path) -> None:
    """Real reports through the whole reporter: findings, fixes, gaps, AI-BOM completeness,
    notes; every width from a narrow terminal to a wide log."""
    import pickle

    from petgov.demo import write_demo
    from petgov.pipeline import scan

    write_demo(tmp_path / "demo")
    mixed = tmp_path / "mixed folder with a long name for the path column"
    (mixed / "node_modules").mkdir(parents=True)
    (mixed / "node_modules" / "x.pkl").write_bytes(pickle.dumps(1))
    (mixed / "tiny.pkl").write_bytes(pickle.dumps({"a": 1}))
    (mixed / "broken.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{bad json")
    (mixed / "archive.zip").write_bytes(b"PK\x03\x04 truncated")
    reports = [
        scan([str(tmp_path / "demo" / "model"), str(tmp_path / "demo" / "data")]),
        scan([str(mixed)]),
        scan([str(mixed / "tiny.pkl")]),
    ]
    for report in reports:
        for width in (50, 60, 80, 99, 100, 120, 160, 200):
            reporter = TableReporter(width=width)
            plain = plaintable.render(reporter._blocks(report, plaintable), width)
            assert plain is not None, width
            assert plain == by_rich(reporter._blocks(report, rich_kit()), width), width
            assert reporter.render(report) == plain  # the reporter takes the plain path


def test_what_rich_lays_out_otherwise_is_left_to_rich() -> None:
    for text in ("wide 漢字", "tab\there", "combining e\u0301"):
        table = plaintable.Table(title="t")
        table.add_column("c")
        table.add_row(plaintable.Text(text))
        assert plaintable.render([table], 80) is None
    markup = plaintable.Table()
    markup.add_column("c")
    with pytest.raises(plaintable.Unsupported):
        markup.add_row("[bold]x[/]")
    narrow = plaintable.Table()
    for _ in range(10):
        narrow.add_column("x" * 20, no_wrap=True)
    assert plaintable.render([narrow], 80) is None  # rich would crop no-wrap columns
