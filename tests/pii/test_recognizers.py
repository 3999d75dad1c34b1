"""The fixes on top of stock presidio, each shown against the stock engine's behaviour."""

from __future__ import annotations

import pytest

from petgov.pii.engine import Hit, get_engine, resolve_overlaps
from petgov.pii.recognizers import luhn_ok


def _entities(text: str, context: tuple[str, ...] = ()) -> set[str]:
    engine = get_engine()
    return {h.entity for h in engine.analyze(text, engine.entities(), list(context))}


def _with_check_digit(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


@pytest.mark.parametrize(
    "body",
    [
        "21311234567890",  # 15-digit JCB 2131 (stock regex misses it)
        "411111111111111111",  # 19-digit Visa
        "50180000000",  # 12-digit Maestro
        "353011133330000",  # 16-digit JCB 35
    ],
)
def test_card_lengths_12_to_19_with_luhn(body: str) -> None:
    number = _with_check_digit(body)
    assert "CREDIT_CARD" in _entities(f"paid with {number} yesterday")
    spaced = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    assert "CREDIT_CARD" in _entities(f"card {spaced}")


def test_card_shape_failing_luhn_is_not_a_card() -> None:
    bad = _with_check_digit("411111111111111")
    bad = bad[:-1] + str((int(bad[-1]) + 1) % 10)
    assert "CREDIT_CARD" not in _entities(f"order {bad} shipped")


def test_iban_checksum_is_enforced() -> None:
    assert "IBAN_CODE" in _entities("transfer to GB82WEST12345698765432")
    assert "IBAN_CODE" not in _entities("transfer to GB82WEST12345698765433")


def test_url_inside_email_is_dropped() -> None:
    found = _entities("write to jane.doe@example.com today")
    assert found == {"EMAIL_ADDRESS"}


def test_phone_needs_context_and_column_name_provides_it() -> None:
    assert "PHONE_NUMBER" not in _entities("lot 0490 75 40 81 sold")
    assert "PHONE_NUMBER" in _entities("0490 75 40 81", ("phone",))
    assert "PHONE_NUMBER" in _entities("please call me at 0490 75 40 81")


def test_low_precision_recognizers_are_off_by_default() -> None:
    # stock presidio reports this capitalised word as a US driver licence (presidio #1063)
    assert _entities("INTRODUCTORY offer") == set()
    assert "US_DRIVER_LICENSE" not in get_engine().entities()


def test_overlaps_keep_the_stronger_entity() -> None:
    hits = [Hit("PHONE_NUMBER", 0, 11, 0.6, "p"), Hit("US_SSN", 0, 11, 0.85, "s")]
    assert [h.entity for h in resolve_overlaps(hits)] == ["US_SSN"]
