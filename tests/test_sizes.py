"""One byte-count wording for messages, and the sizes and ages users write in options."""

from __future__ import annotations

import pytest

from petgov.util.sizes import human_size


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (5 << 20, "5.0 MiB"),
        (3 << 30, "3.0 GiB"),
        (2048 << 30, "2048.0 GiB"),
    ],
)
def test_human_size(n: int, text: str) -> None:
    assert human_size(n) == text


def test_sizes_and_ages_people_write() -> None:
    from petgov.errors import UsageError
    from petgov.util.sizes import parse_age, parse_size

    assert parse_size("512M") == 512 << 20 and parse_size("2GiB") == 2 << 30
    assert parse_size("1048576") == 1 << 20
    assert parse_age("30d") == 30 * 86400 and parse_age("12h") == 43200
    assert parse_age("2w") == 14 * 86400 and parse_age("7") == 7 * 86400
    for bad in ("3x", "", "-1d", "1.5d"):
        with pytest.raises(UsageError):
            parse_age(bad, "--older-than")
    with pytest.raises(UsageError):
        parse_size("0", "--max-size")
