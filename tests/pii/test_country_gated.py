"""presidio's country patterns (passports, NINOs, voter cards) report only where named."""

from __future__ import annotations

import csv
import random
import string
from pathlib import Path

from petgov.pii.country_gated import gated, with_country
from petgov.pipeline import ScanOptions, scan


def test_column_names_ask_for_country_documents() -> None:
    assert gated("nino") == ["UK_NINO"]
    assert gated("National_Insurance_No") == ["UK_NINO"]
    assert gated("passport_uk") == ["UK_PASSPORT"]
    assert gated("Reisepassnummer") == ["DE_PASSPORT"]
    assert gated("führerschein_nr") == ["DE_FUEHRERSCHEIN"]
    assert gated("voterId") == ["IN_VOTER"]
    for name in ("company", "pan_size", "sku", "notes", "passport", "opinion", "nickname"):
        assert gated(name) == [], name
    assert with_country("passport_uk", ["US_PASSPORT"]) == ["UK_PASSPORT"]
    assert with_country("passport_number", ["US_PASSPORT"]) == ["US_PASSPORT"]
    assert with_country("driving_licence", ["US_DRIVER_LICENSE"]) == ["UK_DRIVING_LICENCE"]


def test_same_values_are_a_document_only_under_its_name(tmp_path: Path) -> None:
    rng = random.Random(4)
    passports = [
        "".join(rng.choice(string.ascii_uppercase) for _ in range(2))
        + f"{rng.randint(0, 9_999_999):07d}"
        for _ in range(60)
    ]
    ninos = [
        rng.choice("ACEHJKL")
        + rng.choice("ABCEHJ")
        + f"{rng.randint(0, 999_999):06d}"
        + "ABCD"[i % 4]
        for i in range(60)
    ]
    table = {"passport_uk": passports, "sku": passports, "nino": ninos, "order_code": ninos}
    path = tmp_path / "people.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(list(table))
        w.writerows(zip(*table.values(), strict=True))
    report = scan([str(path)], ScanOptions(scanners=["pii"]))
    columns = report.facts[str(path)]["pii.columns"]
    assert columns.keys() == {"passport_uk", "nino"}, columns
    assert set(columns["passport_uk"]) == {"UK_PASSPORT"}  # not also US_PASSPORT
    assert set(columns["nino"]) == {"UK_NINO"}
    severities = {d.finding.facts["entity"]: d.finding.severity.value for d in report.decisions}
    assert severities == {"UK_PASSPORT": "medium", "UK_NINO": "medium"}
