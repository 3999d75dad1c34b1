"""National ids, IBANs and the review defect D-m16, through the real engine and validators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from stdnum.gb import nhs

from petgov.pii import national_ids as N
from petgov.pii.engine import get_engine


def _birth_numbers(n: int) -> list[str]:
    """Norwegian birth numbers from faker's no_NO provider (checked by python-stdnum)."""
    from faker import Faker

    fake = Faker("no_NO")
    fake.seed_instance(4)
    out = [str(fake.ssn()) for _ in range(n)]
    assert all(N.matches(v, N.SPECS) for v in out)
    return out


def _found(text: str, context: list[str] | None = None) -> list[tuple[str, str]]:
    engine = get_engine()
    entities = engine.entities(N.ENTITIES)
    return [
        (h.entity, text[h.start : h.end]) for h in engine.analyze(text, entities, context or [])
    ]


@pytest.mark.parametrize(
    "text",
    [
        "NO93 8601 1117 947",  # 15 characters
        "ME25 5050 0001 2345 6789 51",
        "ES91-2100-0418-4502-0005-1332",
        "ES9121 000418 450200 051332",  # odd grouping
        "GB82WEST12345698765432",
    ],
)
def test_ibans_of_every_country_in_any_grouping(text: str) -> None:
    assert _found(f"pay to {text} today") == [("IBAN_CODE", text)]


def test_d_m16_us_phone_in_free_text_is_not_an_nhs_number() -> None:
    number = next(str(n) for n in range(5551234000, 5551239999) if nhs.is_valid(str(n)))
    dashed = f"{number[:3]}-{number[3:6]}-{number[6:]}"
    assert _found(f"the customer called from {dashed} yesterday") == [("PHONE_NUMBER", dashed)]
    assert _found(f"NHS number {dashed}") == [("UK_NHS", dashed)]
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    assert _found(spaced) == [("UK_NHS", spaced)]


def test_codes_of_things_are_not_ids() -> None:
    for code in ("9780306406157", "0306406152", "US0378331005", "38259P508"):
        assert N.is_code(code)
        assert _found(f"ref {code}") == []


def test_weak_checks_need_a_context_word_in_text() -> None:
    sin = "278 018 460"  # a valid Canadian SIN: Luhn, 1 in 10 random numbers pass
    assert N.matches(sin, [s for s in N.SPECS if s.entity == "CA_SIN"])
    assert _found(f"order {sin} shipped") == []
    assert ("CA_SIN", sin) in _found(f"my SIN is {sin}")


def test_card_numbers_are_not_portuguese_citizen_cards() -> None:
    from faker import Faker

    fake = Faker()
    fake.seed_instance(7)
    cards = [fake.credit_card_number() for _ in range(200)]
    pt_cc = [s for s in N.SPECS if s.entity == "PT_CC"]
    assert all(not N.matches(c, pt_cc) for c in cards)  # stdnum alone accepts every one
    assert N.column_verdict(cards, ["card_number"], N.SPECS) is None
    assert N.matches("00000000 0 ZZ4", pt_cc) and N.matches("000000000ZZ4", pt_cc)
    assert not N.matches("00000000 0 ZZ5", pt_cc)  # wrong check digit


def test_column_verdict_needs_more_than_chance() -> None:
    valid = _birth_numbers(3)
    spec = [s for s in N.SPECS if s.entity == "NO_FODSELSNUMMER"]
    assert N.column_verdict(valid, ["fodselsnummer"], spec) is not None
    assert N.column_verdict(valid[:1], ["value"], spec) is None  # one value: chance can do it
    assert N.column_verdict([str(10**10 + i) for i in range(100)], ["id"], N.SPECS) is None


def test_countries_setting_limits_the_ids(tmp_path: Path, cli: Any) -> None:
    rows = ["fodselsnummer", *_birth_numbers(4)]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.csv").write_text("\n".join(rows) + "\n")
    res = cli("scan", str(tmp_path / "data"), "-f", "json")
    assert (
        "NO_FODSELSNUMMER" in res.json()["facts"][str(tmp_path / "data" / "t.csv")]["pii.entities"]
    )
    conf = tmp_path / "petgov.toml"
    conf.write_text('[pii]\ncountries = ["IT", "ES"]\n')
    res = cli("scan", str(tmp_path / "data"), "--policy", str(conf), "-f", "json")
    assert res.json()["facts"][str(tmp_path / "data" / "t.csv")]["pii.entities"] == []
    conf.write_text('[pii]\ncountries = ["XX"]\n')
    res = cli("scan", str(tmp_path / "data"), "--policy", str(conf))
    assert res.code == 2 and "unknown countries XX" in res.stderr and "Traceback" not in res.stderr
