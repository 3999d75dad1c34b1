"""Synthetic PII datasets generated with faker (seeded): shared by tests and benchmarks/pii.py."""

from __future__ import annotations

import csv
from pathlib import Path

COLUMNS = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "ssn",
    "credit_card",
    "iban",
    "ipv4",
    "street_address",
    "city",
    "country",
    "date_of_birth",
    "company",
    "job",
    "amount",
    "notes",
]
# What a column-level scanner should conclude for each column.
EXPECTED = {
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "ssn": "US_SSN",
    "credit_card": "CREDIT_CARD",
    "iban": "IBAN_CODE",
    "ipv4": "IP_ADDRESS",
}


def make_rows(rows: int, seed: int = 7) -> list[dict[str, str]]:
    """``rows`` fake people as dicts of the 17 COLUMNS (cells as text)."""
    from faker import Faker

    fake = Faker("en_US")
    Faker.seed(seed)
    out = []
    for i in range(rows):
        cells = [
            i,
            fake.first_name(),
            fake.last_name(),
            fake.email(),
            fake.phone_number(),
            fake.ssn(),
            fake.credit_card_number(),
            fake.iban(),
            fake.ipv4(),
            fake.street_address(),
            fake.city(),
            fake.country(),
            fake.date_of_birth().isoformat(),
            fake.company(),
            fake.job(),
            f"{fake.pyfloat(left_digits=4, right_digits=2, positive=True)}",
            fake.sentence(nb_words=12),
        ]
        out.append(dict(zip(COLUMNS, map(str, cells), strict=True)))
    return out


def make_csv(path: Path, rows: int, seed: int = 7) -> Path:
    """Write a ``rows``-row, 17-column CSV of fake people."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for row in make_rows(rows, seed):
            w.writerow([row[c] for c in COLUMNS])
    return path
