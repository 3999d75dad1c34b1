"""The HTML report in a real browser: it renders, holds every finding, and scanned text is inert."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.demo import write_demo
from petgov.model import Report
from petgov.pipeline import ScanOptions, scan
from petgov.reporters.html import HtmlReporter, script_hash
from tests.reporters.browser import dump_dom, png_colours, screenshot

# A pickle whose global names are markup: an analyzer that quotes them must not let them run.
SCRIPT_MODULE = "<script>document.body.setAttribute('data-pwned','script')</script>"
IMG_MODULE = "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"


def hostile_pickle() -> bytes:
    """Protocol-0 GLOBALs naming markup, then STOP: never loaded, only analysed."""
    out = b""
    for module in (SCRIPT_MODULE, IMG_MODULE):
        out += b"c" + module.encode() + b"\nrun\n" + b"0"  # GLOBAL then POP
    return out + b"N."


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    root = tmp_path_factory.mktemp("demo")
    write_demo(root)
    hostile = root / "model" / "<b onclick=x>bold & 'quoted'.pkl"
    hostile.write_bytes(hostile_pickle())
    return scan([str(root / "model"), str(root / "data")], ScanOptions())


def test_demo_report_has_the_markup_findings(demo_report: Report) -> None:
    messages = " ".join(d.finding.message for d in demo_report.decisions)
    assert "<script>" in messages and "onerror=" in messages  # the test below means something
    assert demo_report.gate_failed


def test_page_is_self_contained(demo_report: Report) -> None:
    page = HtmlReporter().render(demo_report)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page.split("<main>")[0])
    assert "<link" not in page and "@import" not in page
    assert f"script-src {script_hash()}" in page  # only petgov's own script may run
    assert page.count("<script>") == 1  # scanned '<script>' text is escaped, not a tag


def test_browser_renders_every_finding_and_runs_no_scanned_markup(
    demo_report: Report, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text(HtmlReporter().render(demo_report), encoding="utf-8")
    dom = dump_dom(page, tmp_path)
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]
    assert 'data-verdict="FAIL"' in dom
    rows = re.findall(r'<tr class="finding" id="f(\d+)"', dom)
    assert len(rows) == len(demo_report.decisions) > 0
    for d in demo_report.decisions:
        assert d.rule_id in dom
    # the hostile strings are there as text, escaped, exactly where a reader would see them
    assert "&lt;script&gt;document.body.setAttribute" in dom
    assert "&lt;img src=x onerror=" in dom
    assert "&lt;b onclick=x&gt;bold &amp; 'quoted'.pkl" in dom
    # the page's own script ran (the filter counter was written by it)
    assert f'<span id="shown">{len(rows)}</span>' in dom


def test_screenshot_is_not_blank(demo_report: Report, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(HtmlReporter().render(demo_report), encoding="utf-8")
    colours = png_colours(screenshot(page, tmp_path))
    assert len(colours) > 20, f"only {len(colours)} colours: the page rendered blank"
    red_banner = {c for c in colours if c[0] > 180 and c[1] < 80 and c[2] < 80}
    assert red_banner, "no red verdict banner in the screenshot"


def test_phone_width_renders(demo_report: Report, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(HtmlReporter().render(demo_report), encoding="utf-8")
    assert len(png_colours(screenshot(page, tmp_path, size="390,844"))) > 20


def test_cli_writes_html(tmp_path: Path, cli: Callable[..., Any]) -> None:
    write_demo(tmp_path)
    out = tmp_path / "report.html"
    res = cli("scan", str(tmp_path / "model"), "-f", "html", "-o", str(out))
    assert res.code == 1, res.stderr  # the demo pickle fails the gate
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Gate failed" in text
