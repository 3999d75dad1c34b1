"""Names, addresses and organisations without an NLP model: lexicon and shapes.

Values come from faker's locale providers (seeded), decoys from faker's company, catch-phrase,
city and job providers plus product titles; the shipped lexicon must match the installed
faker's person providers.
"""

from __future__ import annotations

import gzip
import json
import random
import warnings
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from petgov.pii import lexicon
from petgov.pii.shapes import address_shaped, organization_shaped, person_shaped
from petgov.pipeline import ScanOptions, scan


def _faker(locale: str, seed: int = 1) -> Any:
    from faker import Faker

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def _rate(values: list[str], check: Callable[[str], bool]) -> float:
    return sum(1 for v in values if check(v)) / len(values)


def test_shipped_lexicon_is_faker_person_providers() -> None:
    import faker

    raw = resources.files("petgov.data").joinpath(lexicon.DATA).read_bytes()
    shipped = json.loads(gzip.decompress(raw))
    built = lexicon.build()
    if f"faker {faker.VERSION} " in shipped["source"]:  # same faker: byte-for-byte the same
        assert shipped == built, "refresh it: python -m petgov.pii.lexicon"
    else:  # another faker release: most of its names are still listed
        for key in ("given", "surname"):
            now = set(built[key])
            assert len(now & set(shipped[key])) >= 0.9 * len(now), key
    lex = lexicon.load()
    assert len(lex.given) > 20_000 and len(lex.surname) > 20_000
    assert {"maría", "jürgen", "søren", "иван"} <= lex.given


NAME_LOCALES = [
    "en_US",
    "en_GB",
    "de_DE",
    "fr_FR",
    "nl_NL",
    "it_IT",
    "es_ES",
    "pl_PL",
    "pt_BR",
    "sv_SE",
    "da_DK",
    "no_NO",
    "fi_FI",
    "cs_CZ",
    "tr_TR",
    "ru_RU",
    "zh_CN",
    "ja_JP",
    "ko_KR",
    "en_IN",
]


@pytest.mark.parametrize("locale", NAME_LOCALES)
def test_names_of_twenty_locales_are_person_shaped(locale: str) -> None:
    fake = _faker(locale)
    lex = lexicon.load()
    names = [str(fake.name()) for _ in range(80)]
    assert _rate(names, lambda v: person_shaped(v, lex)) >= 0.9, names[:5]


ADDRESS_LOCALES = [
    "en_US",
    "en_GB",
    "de_DE",
    "fr_FR",
    "nl_NL",
    "en_CA",
    "it_IT",
    "es_ES",
    "pl_PL",
    "en_AU",
    "sv_SE",
    "da_DK",
    "no_NO",
    "fi_FI",
    "hu_HU",
    "cs_CZ",
    "ru_RU",
    "zh_CN",
    "ja_JP",
    "en_IN",
]


@pytest.mark.parametrize("locale", ADDRESS_LOCALES)
def test_addresses_of_twenty_locales_are_address_shaped(locale: str) -> None:
    fake = _faker(locale)
    addresses = [str(fake.address()).replace("\n", ", ") for _ in range(80)]
    assert _rate(addresses, address_shaped) >= 0.9, addresses[:5]


def _decoys() -> dict[str, list[str]]:
    fake = _faker("en_US", 5)
    rng = random.Random(3)
    adjectives = ["Ergonomic", "Wireless", "Smart", "Premium", "Classic", "Rustic", "Golden"]
    materials = ["Steel", "Wooden", "Cotton", "Leather", "Granite", "Rubber", "Silk"]
    nouns = ["Chair", "Lamp", "Table", "Keyboard", "Shoes", "Wallet", "Speaker", "Bike"]
    return {
        "products": [
            f"{rng.choice(adjectives)} {rng.choice(materials)} {rng.choice(nouns)}"
            for _ in range(100)
        ],
        "puzzles": [f"{rng.choice((500, 1000))} Piece Jigsaw Puzzle" for _ in range(20)],
        "companies": [
            str(_faker(loc, i).company()) for loc in ("en_US", "de_DE") for i in range(50)
        ],
        "catch_phrases": [str(fake.catch_phrase()) for _ in range(100)],
        "jobs": [str(fake.job()) for _ in range(100)],
        "sentences": [str(fake.sentence()) for _ in range(100)],
        "isbns": [str(fake.isbn13()) for _ in range(100)],
        "timestamps": [str(fake.iso8601()) for _ in range(100)],
        "cities": [str(fake.city()) for _ in range(100)],
    }


def test_decoys_are_neither_names_nor_addresses() -> None:
    lex = lexicon.load()
    for kind, values in _decoys().items():
        names = _rate(values, lambda v: person_shaped(v, lex))
        assert names <= (0.1 if kind == "cities" else 0.02), (kind, names)
        assert _rate(values, address_shaped) == 0.0, kind


def test_name_forms_public_records_use() -> None:
    lex = lexicon.load()
    for value in (
        "SMITH, JOHN A",
        "Smith, John",
        "Dr. Maria García López",
        "Jean-Luc Picard",
        "Nagy Levente",
        "John Smith Jr.",
        "Charlotte van Vliet",
    ):
        assert person_shaped(value, lex), value
    for value in ("Smith and Sons", "Acme Ltd", "John", "4 Privet Drive", "Jennifer, Lopez, x"):
        assert not person_shaped(value, lex), value
    assert organization_shaped("Müller & Söhne GmbH") and not organization_shaped("")


def _csv(path: Path, columns: dict[str, list[str]]) -> Path:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(list(columns))
        for row in zip(*columns.values(), strict=True):
            w.writerow(row)
    return path


def test_column_verdicts_from_values_alone_and_organisations_only_by_column_name(
    tmp_path: Path,
) -> None:
    people = _faker("de_DE", 2)
    places = _faker("en_GB", 3)
    firms = _faker("en_US", 4)
    decoys = _decoys()
    n = 60
    table = {
        "col_1": [str(people.name()) for _ in range(n)],
        "col_2": [str(places.address()).replace("\n", ", ") for _ in range(n)],
        "col_3": [str(firms.company()) for _ in range(n)],  # companies, header says nothing
        "employer": [str(firms.company()) for _ in range(n)],
        "name": decoys["products"][:n],  # a product catalogue's `name` column
    }
    path = _csv(tmp_path / "t.csv", table)
    report = scan([str(path)], ScanOptions(scanners=["pii"]))
    found: dict[str, dict[str, Any]] = {}
    for d in report.decisions:
        f = d.finding
        found.setdefault(str(f.location.get("column")), {})[str(f.facts["entity"])] = f
    assert set(found) == {"col_1", "col_2", "employer"}, {k: set(v) for k, v in found.items()}
    assert set(found["col_1"]) == {"PERSON"}
    assert found["col_1"]["PERSON"].facts["recognizer"] == "petgov-name-lexicon"
    assert found["col_1"]["PERSON"].confidence == "medium"
    assert set(found["col_2"]) == {"LOCATION"}
    assert found["col_2"]["LOCATION"].facts["recognizer"] == "petgov-address-shape"
    assert set(found["employer"]) == {"ORGANIZATION"}
    assert found["employer"]["ORGANIZATION"].confidence == "low"
    note = report.facts[str(path)].get("pii.ner") or report.facts[""]["pii.ner"]
    assert "ORGANIZATION" in note and "column" in note
