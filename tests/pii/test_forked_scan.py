"""The PII scan forked onto a second core gives the report the in-process scan gives.

``pipeline`` starts a target scanner that asks for it (``fork_early``: PII over local datasets,
presidio not loaded yet) in a child while the item scanners (secrets over the same CSV) run,
and collects it in its usual turn; a child that does not deliver is run again in-process.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.scanners.pii import PiiScanner
from petgov.util import forked
from tests.cli.test_startup_imports import loaded_by
from tests.pii.datagen import make_csv

pytestmark = pytest.mark.skipif(not forked.available(), reason="fork needs Linux and 2 cores")

SECRET = "AKIA" + "Z7QWERTYUIOPASDF"  # an AWS key id shape (not a real key): a secrets finding


def _dataset(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    make_csv(path, 400)
    text = path.read_text().splitlines()
    text[5] = text[5].rsplit(",", 1)[0] + f",aws key {SECRET} in a note"
    path.write_text("\n".join(text) + "\n")
    return path


def _report(cli: Callable[..., Any], path: Path) -> dict[str, Any]:
    res = cli("scan", str(path), "--no-cache", "-f", "json")
    report: dict[str, Any] = json.loads(res.stdout)
    report.pop("created_at", None)
    return report


def test_forked_pii_scan_reports_what_the_in_process_scan_reports(
    tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _dataset(tmp_path)
    starts: list[int] = []
    real_start = forked.start

    def counting_start(*args: Any, **kwargs: Any) -> Any:
        starts.append(1)
        return real_start(*args, **kwargs)

    monkeypatch.setattr(forked, "start", counting_start)
    # presidio is loaded in this test process already; the decision is tested below
    monkeypatch.setattr(PiiScanner, "fork_early", lambda self, ctx: True)
    with_fork = _report(cli, path)
    assert starts == [1]
    monkeypatch.setattr(forked, "available", lambda: False)
    in_process = _report(cli, path)
    assert starts == [1]
    assert with_fork == in_process
    kinds = {f["kind"] for f in with_fork["findings"]}
    assert {"pii.column", "secret.cloud_key"} <= kinds, kinds


def test_a_child_that_does_not_deliver_is_run_again_in_process(
    tmp_path: Path, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _dataset(tmp_path)
    monkeypatch.setattr(forked, "available", lambda: False)
    expected = _report(cli, path)
    monkeypatch.undo()
    monkeypatch.setattr(PiiScanner, "fork_early", lambda self, ctx: True)
    monkeypatch.setattr(PiiScanner, "release", lambda self: os._exit(3))  # dies before sending
    assert _report(cli, path) == expected


def test_a_fresh_process_runs_pii_in_the_child(tmp_path: Path) -> None:
    """The real decision: presidio and spaCy load in the child only, the verdicts arrive."""
    path = _dataset(tmp_path)
    out = tmp_path / "report.json"
    code, modules = loaded_by(
        ["scan", path.name, "--no-cache", "-f", "json", "-o", str(out)], tmp_path
    )
    assert {"spacy", "presidio_analyzer"} & modules == set()
    report = json.loads(out.read_text())
    entities = report["facts"][path.name]["pii.entities"]
    assert {"EMAIL_ADDRESS", "US_SSN", "IBAN_CODE"} <= set(entities), code
    assert "secret.cloud_key" in {f["kind"] for f in report["findings"]}


def test_forked_results_failures_and_cancel() -> None:
    child = forked.start(lambda: {"n": 7})
    assert child is not None and child.result() == {"n": 7}
    assert child.result() is None  # collected once

    def fails() -> int:
        raise ValueError("no")

    failing = forked.start(fails)
    assert failing is not None and failing.result() is None

    slow = forked.start(lambda: time.sleep(60))
    assert slow is not None
    pid = slow._pid
    slow.cancel()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: no such process


def test_a_result_that_is_not_plain_data_is_not_delivered() -> None:
    """The child answers in JSON, never a pickle: an object it cannot write as data makes the
    caller run the scanner itself."""
    child = forked.start(lambda: {"x": object()})
    assert child is not None and child.result() is None
