"""Shared budget and strategies for the property-based fuzz suites.

``make test`` runs a fixed, derandomized budget (the same examples every run, so a red test is
reproducible); ``make fuzz`` sets ``PETGOV_FUZZ_EXAMPLES`` to a larger budget and explores new
random examples each run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_ENV = "PETGOV_FUZZ_EXAMPLES"
EXAMPLES = int(os.environ.get(_ENV, "100"))
EXPLORE = _ENV in os.environ  # a long run explores; the default budget is reproducible


def budget(minimum: int = 0) -> settings:
    """Hypothesis settings for one fuzz suite: at least ``minimum`` examples."""
    return settings(
        max_examples=max(minimum, EXAMPLES),
        deadline=None,
        derandomize=not EXPLORE,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# Values that sit on the edges parsers get wrong: zero, sign bits, all-ones, JSON/pickle syntax.
_EDGE_BYTES = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x22, 0x2E, 0x7B, 0x7D, 0x5B, 0x5D]


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` after 1-6 flips, edge-byte writes, truncations, splices or length overwrites."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "byte", "truncate", "splice", "u32", "u64"]))
        pos = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte":
            data[pos] = draw(st.sampled_from(_EDGE_BYTES))
        elif op == "truncate":
            del data[pos:]
        elif op == "splice":
            data[pos:pos] = draw(st.binary(max_size=16))
        else:  # overwrite a little-endian length field with an edge value
            width = 4 if op == "u32" else 8
            value = draw(st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**32 - 1, 2**63, 2**64 - 1]))
            data[pos : pos + width] = (value % (1 << (8 * width))).to_bytes(width, "little")
    return bytes(data)


def inputs(base: bytes, max_random: int = 512) -> st.SearchStrategy[bytes]:
    """Mostly mutants of a valid seed (they reach deep code), some random bytes, some prefixes."""
    return st.one_of(
        mutated(base),
        mutated(base),
        mutated(base),
        st.binary(max_size=max_random),
        st.integers(0, len(base)).map(lambda n: base[:n]),
        st.binary(max_size=32).map(lambda tail: base[:8] + tail),
    )
