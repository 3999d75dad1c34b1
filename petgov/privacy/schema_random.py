"""Random values with the source's schema and nothing else of it: the `schema` preview.

Only column names and types are kept; every value is drawn from a seeded generator per type
(strings are random tokens, numbers come from the provider's declared bounds or fixed ranges),
so no value of the source can appear and the preview costs no privacy budget.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import Any

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
_SPAN_SECONDS = 30 * 365 * 86400


def random_value(
    arrow_type: Any, rng: random.Random, bounds: tuple[float, float] | None = None
) -> Any:
    """One value of ``arrow_type`` that depends on nothing but the generator (and bounds)."""
    import pyarrow as pa
    import pyarrow.types as t

    if t.is_boolean(arrow_type):
        return rng.random() < 0.5
    if t.is_integer(arrow_type):
        lo, hi = bounds or (0, 999_999)
        if t.is_unsigned_integer(arrow_type):
            lo = max(lo, 0)
        width = arrow_type.bit_width
        top = (1 << (width - (0 if t.is_unsigned_integer(arrow_type) else 1))) - 1
        return rng.randint(int(lo), int(min(hi, top)))
    if t.is_floating(arrow_type) or t.is_decimal(arrow_type):
        lo, hi = bounds or (0.0, 1000.0)
        return round(rng.uniform(lo, hi), 4)
    if t.is_timestamp(arrow_type) or t.is_date(arrow_type):
        moment = _EPOCH + dt.timedelta(seconds=rng.randrange(_SPAN_SECONDS))
        return moment.date() if t.is_date(arrow_type) else moment
    if t.is_struct(arrow_type):
        return {f.name: random_value(f.type, rng) for f in arrow_type}
    if t.is_list(arrow_type) or t.is_large_list(arrow_type):
        return [random_value(arrow_type.value_type, rng) for _ in range(rng.randint(0, 3))]
    if t.is_null(arrow_type):
        return None
    if t.is_binary(arrow_type) or t.is_large_binary(arrow_type):
        return rng.randbytes(8)
    if arrow_type == pa.string() or t.is_large_string(arrow_type) or t.is_dictionary(arrow_type):
        return token(rng)
    return token(rng)  # an exotic type: a token is still not a source value


def token(rng: random.Random) -> str:
    """A random string no PII recognizer reads as a name, place or number: letters and digits
    alternate (five of each, ~1.2e12 values), so no word and no run of digits forms."""
    return "".join(rng.choice(_LETTERS) + rng.choice(_DIGITS) for _ in range(5))


def column(
    arrow_type: Any, rows: int, rng: random.Random, bounds: tuple[float, float] | None = None
) -> Any:
    """A ``pyarrow.Array`` of ``rows`` random values of ``arrow_type``."""
    import pyarrow as pa

    values = [random_value(arrow_type, rng, bounds) for _ in range(rows)]
    kind = arrow_type.value_type if pa.types.is_dictionary(arrow_type) else arrow_type
    return pa.array(values, type=kind)


def table(
    schema: Any,
    rows: int,
    seed: int,
    bounds: Mapping[str, tuple[float, float]] | None = None,
) -> Any:
    """A ``pyarrow.Table`` with ``schema``'s columns and ``rows`` rows of random values."""
    import pyarrow as pa

    rng = random.Random(seed)
    bounds = bounds or {}
    arrays = [column(f.type, rows, rng, bounds.get(f.name)) for f in schema]
    return pa.table(arrays, names=[f.name for f in schema])
