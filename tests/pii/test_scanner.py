"""The PII scanner through the pipeline and the real CLI on faker-generated datasets."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from tests.pii.datagen import COLUMNS, EXPECTED, make_csv


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_csv(tmp_path_factory.mktemp("pii") / "people.csv", 3000)


@pytest.fixture(scope="module")
def few_people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small enough for text mode over every cell inside the test budget."""
    return make_csv(tmp_path_factory.mktemp("pii") / "few.csv", 150)


def _scan(cli: Any, *args: str) -> dict[str, Any]:
    res = cli("scan", *args, "-f", "json")
    assert res.code in (0, 1), res.stderr
    assert "Traceback" not in res.stderr
    doc: dict[str, Any] = res.json()
    return doc


def _verdicts(doc: dict[str, Any], kind: str = "pii.column") -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in doc["findings"]:
        if f["kind"] == kind:
            out.setdefault(f["location"].get("column", ""), set()).add(f["facts"]["entity"])
    return out


def test_column_mode_verdicts_and_coverage(people: Path, cli: Any, validate_report: Any) -> None:
    doc = _scan(cli, str(people))
    validate_report(doc)
    verdicts = _verdicts(doc)
    for column, entity in EXPECTED.items():
        assert entity in verdicts.get(column, set()), (column, verdicts)
    # numeric columns are skipped, not misread as phones or cards
    for column in ("id", "amount"):
        assert column not in verdicts
    skipped = doc["facts"][str(people)]["pii.skipped_columns"]
    assert set(skipped) >= {"id", "amount"}
    # bare dates are off by default, but a date-of-birth column asks for them
    assert verdicts["date_of_birth"] == {"DATE_TIME"}
    # without NER, names come from column name + shape at low confidence
    person = [f for f in doc["findings"] if f["facts"].get("entity") == "PERSON"]
    assert {f["location"]["column"] for f in person} == {"first_name", "last_name"}
    assert all(f["confidence"] == "low" for f in person)
    ssn = next(f for f in doc["findings"] if f["facts"].get("entity") == "US_SSN")
    assert ssn["facts"]["sampled_rows"] == 1000 and ssn["facts"]["rows"] == 3000
    assert "sampled 1000 of 3000 rows" in ssn["message"]
    cov = [c for c in doc["coverage"] if c["engine"] == "pii"]
    assert cov and cov[0]["status"] == "scanned"


def test_severity_follows_the_entity(people: Path, cli: Any) -> None:
    """docs/pii.md: medium for identifiers, low for contact data, info for dates; the rules
    keep the scanner's severity instead of flattening every entity to medium."""
    doc = _scan(cli, str(people))
    findings = [f for f in doc["findings"] if "entity" in f["facts"]]
    severity = {f["facts"]["entity"]: f["severity"] for f in findings}
    assert severity["US_SSN"] == "medium" and severity["CREDIT_CARD"] == "medium"
    assert severity["EMAIL_ADDRESS"] == "low" and severity["PERSON"] == "low"
    assert severity["DATE_TIME"] == "info"


def test_dataset_facts_summary_for_cleanroom_gate(people: Path, cli: Any) -> None:
    doc = _scan(cli, str(people))
    summary = doc["facts"][str(people)]  # target-level facts are keyed by the target
    assert {"US_SSN", "CREDIT_CARD", "EMAIL_ADDRESS"} <= set(summary["pii.target_entities"])
    assert summary["pii.nlp_model"] is None
    assert "--nlp-model" in summary["pii.ner"]


def test_report_never_contains_raw_pii(few_people: Path, cli: Any) -> None:
    text = json.dumps(_scan(cli, str(few_people), "--exhaustive")) + json.dumps(
        _scan(cli, str(few_people))
    )
    with open(few_people, newline="") as fh:
        rows = list(csv.DictReader(fh))
    sensitive = [c for c in COLUMNS if c in EXPECTED or c in ("first_name", "last_name")]
    leaked = [r[c] for r in rows for c in sensitive if len(r[c]) >= 4 and r[c] in text]
    assert leaked == []
    # and the table output too
    table = cli("scan", str(few_people), "--no-progress").stdout
    assert not [r["ssn"] for r in rows if r["ssn"] in table]


def test_exhaustive_text_mode_counts_every_cell(few_people: Path, cli: Any) -> None:
    doc = _scan(cli, str(few_people), "--exhaustive")
    text = {f["location"]["column"]: f for f in doc["findings"] if f["kind"] == "pii.text"}
    assert text["ssn"]["facts"]["cells"] == 150
    assert text["ssn"]["facts"]["sample_size"] == 150
    assert text["email"]["facts"]["entity"] == "EMAIL_ADDRESS"
    assert doc["facts"][str(few_people)]["pii.mode"] == "text"


def test_free_text_column_and_text_file(tmp_path: Path, cli: Any) -> None:
    data = tmp_path / "tickets.jsonl"
    lines = []
    for i in range(400):
        note = f"Customer {i} asked about the delivery window and the refund policy again today"
        if i % 50 == 0:
            note += f" please reach me at user{i}@example.org"
        lines.append(json.dumps({"ticket": i, "body": note}))
    data.write_text("\n".join(lines) + "\n")
    log = tmp_path / "chat.txt"
    log.write_text("hello there\nmy ssn is 536-22-1234 ok\nbye now\n")
    doc = _scan(cli, str(tmp_path))
    body = [f for f in doc["findings"] if f["location"].get("column") == "body"]
    assert [f["kind"] for f in body] == ["pii.text"]
    assert body[0]["facts"]["cells"] == 8
    txt = [f for f in doc["findings"] if f["path"].endswith("chat.txt")]
    assert [(f["kind"], f["facts"]["entity"]) for f in txt] == [("pii.text", "US_SSN")]


def test_gated_recognizer_runs_when_column_name_supports_it(tmp_path: Path, cli: Any) -> None:
    rows = ["passport_number,notes_id"] + [
        f"{912803456 + i * 7},{912803456 + i * 7}" for i in range(50)
    ]
    (tmp_path / "p.csv").write_text("\n".join(rows) + "\n")
    verdicts = _verdicts(_scan(cli, str(tmp_path)))
    assert verdicts.get("passport_number") == {"US_PASSPORT"}
    assert "notes_id" not in verdicts


def test_nlp_model_must_be_a_local_spacy_folder(tmp_path: Path, cli: Any, people: Path) -> None:
    res = cli("scan", str(people), "--nlp-model", str(tmp_path))
    assert res.code == 2
    assert "not a spaCy model folder" in res.stderr
    assert "Traceback" not in res.stderr


def test_nlp_model_is_loaded_and_pinned(tmp_path: Path, cli: Any, people: Path) -> None:
    import spacy

    model = tmp_path / "model"
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(model)
    doc = _scan(cli, str(people), "--nlp-model", str(model))
    pinned = doc["facts"][str(people)]["pii.nlp_model"]
    assert pinned["path"] == str(model) and len(pinned["sha256"]) == 64
