"""Golden JSON, SARIF and table outputs of one fixed scan (the demo model, a fixed clock).

A change to any field of the outputs CI users consume shows up as a diff of these files.
Regenerate with ``PETGOV_UPDATE_GOLDEN=1`` and review the diff. The scan runs from the demo's
folder with a relative target, so the files hold no path of this machine; the only values
masked are the ones that depend on the machine: the built-in pack's install location and the
versions of third-party engines.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from petgov.demo import write_demo
from petgov.model import Report, RuleDoc
from petgov.pipeline import ScanOptions, scan
from petgov.policy.evaluate import rule_docs
from petgov.policy.packs import builtin_pack_dir, load_pack
from petgov.reporters.json import JsonReporter
from petgov.reporters.sarif import SarifReporter
from petgov.reporters.table import TableReporter
from tests import golden

GOLDEN = Path(__file__).parent / "golden"
NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
# Byte-level engines whose output does not depend on a third-party model or library version.
SCANNERS = ("pickle", "safetensors", "secrets", "licenses", "provenance")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    root = tmp_path_factory.mktemp("golden-scan")
    write_demo(root)
    here = Path.cwd()
    os.chdir(root)
    try:
        yield scan(["model"], ScanOptions(scanners=SCANNERS, now=NOW))
    finally:
        os.chdir(here)


def _machine_neutral(text: str) -> str:
    """Mask the built-in pack's location and third-party engine versions ('1 (lib 1.2.3)')."""
    builtin = json.dumps(str(Path(__file__).resolve().parents[2] / "petgov" / "data"))[1:-1]
    text = text.replace(builtin, "<petgov>/data")
    return re.sub(r'"(\d+) \(([\w.-]+) [^")]+\)"', r'"\1 (\2 <version>)"', text)


def test_json_report_golden(report: Report, validate_report: Callable[[Any], None]) -> None:
    text = JsonReporter().render(report)
    validate_report(json.loads(text))
    golden.check(GOLDEN / "demo-model.report.json", _machine_neutral(text))


def test_sarif_golden(report: Report) -> None:
    text = SarifReporter().render(report)
    golden.check(GOLDEN / "demo-model.sarif", _machine_neutral(text))


def test_table_golden(report: Report) -> None:
    golden.check(GOLDEN / "demo-model.table.txt", TableReporter(width=120).render(report))


def test_goldens_say_what_the_scan_found(report: Report) -> None:
    """The pinned scan is worth pinning: it blocks on the pickle and warns on the rest."""
    by_rule = {d.rule_id: d.action.value for d in report.decisions}
    assert by_rule["PG-SER-001"] == "block"
    assert by_rule["PG-PROV-001"] == "warn"
    assert report.gate_failed


def test_sarif_rule_help_comes_from_the_report(report: Report) -> None:
    """The reporter reads rule docs from Report.policy.rules (never from packs on disk), so an
    organisation's rule gets its own help; a rule without docs falls back to the finding."""
    org = RuleDoc("Org: no pickles", {"what": "org what", "why": "org why"}, ("org",), "high")
    custom = replace(report, policy=replace(report.policy, rules={"PG-SER-001": org}))
    run = SarifReporter().document(custom)["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["PG-SER-001"]["shortDescription"]["text"] == "Org: no pickles"
    assert rules["PG-SER-001"]["fullDescription"]["text"] == "org what"
    assert "org" in rules["PG-SER-001"]["properties"]["tags"]
    assert rules["PG-SER-001"]["properties"]["precision"] == "high"
    lic = next(d for d in report.decisions if d.rule_id == "PG-LIC-001")
    assert rules["PG-LIC-001"]["shortDescription"]["text"] == lic.finding.title


def test_policy_carries_docs_of_the_deciding_packs() -> None:
    """A later pack's rule replaces an earlier one's docs, as it replaces the rule itself."""
    builtin = load_pack(builtin_pack_dir())
    org = replace(builtin, rules=[replace(r, title="Org " + r.title) for r in builtin.rules])
    docs = rule_docs([builtin, org], {"PG-SER-001", "PG-NOPE-999"})
    assert set(docs) == {"PG-SER-001"}
    assert docs["PG-SER-001"].title.startswith("Org ")
    assert docs["PG-SER-001"].docs["fix"]
