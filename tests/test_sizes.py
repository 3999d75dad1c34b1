"""One byte-count wording for the cache listing and the remote fetch summary."""

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
