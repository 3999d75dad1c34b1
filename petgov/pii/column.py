"""Column mode: a seeded row sample per table, presidio over distinct values per column.

The cloud DLP pattern (BigQuery inspect, Macie discovery): sample cheaply, decide per column,
say how much was looked at. The column name is context for every value, low-precision
recognizers run only when the column name asks for them, and names/locations without an NER
model come from the column name plus the value shape, at low confidence.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from petgov.pii.country_gated import with_country
from petgov.pii.engine import GATED_ENTITIES, Hit, PiiEngine

_NUMERIC = re.compile(
    r"^\s*(?:[-+]?\d{1,11}(?:[.,]\d+)?(?:[eE][-+]?\d+)?|true|false|nan|null|none|"
    r"\d{4}-\d{2}-\d{2}(?:[ T][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?)\s*$",
    re.IGNORECASE,
)
_NAME_VALUE = re.compile(r"^(?:(?:Dr|Mr|Mrs|Ms|Prof)\.? )?[A-Z][\w'.-]+(?: [A-Z][\w'.-]+){0,3}$")
_NAME_COLUMN = {"name", "firstname", "lastname", "surname", "fullname", "givenname", "forename"}
_NOT_PERSON = {
    "file",
    "product",
    "company",
    "org",
    "organization",
    "host",
    "domain",
    "table",
    "column",
    "model",
    "dataset",
    "project",
    "app",
    "item",
    "brand",
    "business",
    "event",
    "city",
    "country",
    "street",
    "state",
    "field",
    "user",
    "task",
    "feature",
}
_LOCATION_COLUMN = {
    "address",
    "street",
    "city",
    "town",
    "country",
    "state",
    "province",
    "zip",
    "zipcode",
    "postcode",
    "postal",
    "location",
    "county",
    "region",
    "addr",
}
_SHAPE_MIN_RATE = 0.8


@dataclass
class Column:
    """What the sample pass learned about one column."""

    name: str
    arrow_type: str
    values: list[str] = field(default_factory=list)  # sampled cells (with repeats)
    non_null: int = 0
    total_len: int = 0
    skip_reason: str = ""

    @property
    def free_text(self) -> bool:
        """Long, sentence-like values: the column's name is not a verdict on every cell."""
        vals = [v for v in self.values if v]
        if not vals:
            return False
        avg = sum(map(len, vals)) / len(vals)
        spaced = sum(1 for v in vals if v.count(" ") >= 4) / len(vals)
        if avg < 120 and set(name_words(self.name)) & _LOCATION_COLUMN:
            return False  # postal addresses are long and spaced, and still one field
        if avg >= 40 and spaced >= 0.3 and avg < 120:  # ... whatever the header says
            from petgov.pii.shapes import address_shaped

            return sum(map(address_shaped, vals)) * 2 < len(vals)
        return avg >= 40 and spaced >= 0.3


@dataclass
class Sample:
    """A seeded row sample of a table plus its true row count."""

    rows: int
    sampled_rows: int
    columns: dict[str, Column]


def is_textual(arrow_type: Any) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or pa.types.is_binary(arrow_type)
        or pa.types.is_large_binary(arrow_type)
        or pa.types.is_string_view(arrow_type)
    )


def name_words(column: str) -> list[str]:
    """'customerPhone_2' -> ['customer', 'phone', 'customerphone']."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", column)
    words = [w.lower() for w in re.split(r"[^A-Za-z]+", spaced) if w]
    joined = "".join(words)
    return words + ([joined] if len(words) > 1 else [])


@dataclass
class ColumnVerdict:
    """One entity found in one column."""

    column: str
    entity: str
    hits: int
    distinct: int
    rate: float
    score: float
    recognizer: str
    confidence: str
    examples: list[str]
    free_text: bool


def classify(
    col: Column,
    engine: PiiEngine,
    *,
    max_values: int = 100,
    min_rate: float = 0.3,
    seed: int = 0,
    countries: Sequence[str] | None = None,
) -> list[ColumnVerdict]:
    """Presidio over up to ``max_values`` distinct sampled values, column name as context.

    Checksummed national/tax/company ids are decided first, over the same values, so an
    all-digit column of birth numbers is not skipped as "numeric".
    """
    from petgov.pii.redact import smallest_shapes

    distinct = list(dict.fromkeys(v for v in col.values if v.strip()))
    if not distinct:
        col.skip_reason = col.skip_reason or "no non-empty values in the sample"
        return []
    rng = random.Random(seed)
    if len(distinct) > max_values:
        distinct = rng.sample(distinct, max_values)
    words = name_words(col.name)
    ids = id_verdict(col, distinct, words, countries)
    lowered = col.name.lower()
    extra = [e for e, keys in GATED_ENTITIES.items() if any(k in lowered for k in keys)]
    extra = with_country(col.name, extra)  # passports, NINOs...: asked for by name only
    if not extra and all(_NUMERIC.match(v) for v in distinct):
        if ids:
            return ids
        col.skip_reason = "numeric, boolean or timestamp values"
        return []
    per_value = engine.analyze_values(
        distinct, engine.entities(extra), words, extra, prefilter=not engine.has_ner
    )
    tally: dict[str, list[tuple[str, float, str]]] = {}
    for value, hits in zip(distinct, per_value, strict=True):
        for entity in {h.entity for h in hits}:
            best = max((h for h in hits if h.entity == entity), key=lambda h: h.score)
            if entity == "PHONE_NUMBER" and _minor_part(best, value):
                continue  # a building number plus a ZIP inside an address is not a phone
            tally.setdefault(entity, []).append(
                (value[best.start : best.end], best.score, best.recognizer)
            )
    if ids:
        tally.pop("PHONE_NUMBER", None)  # id digits grouped like a phone number
    free = col.free_text
    out = list(ids)
    for entity, found in tally.items():
        rate = len(found) / len(distinct)
        if not free and rate < min_rate:
            continue
        score = sum(f[1] for f in found) / len(found)
        recognizer = Counter(f[2] for f in found).most_common(1)[0][0]
        confidence = "high" if score >= 0.85 else "medium"
        examples = smallest_shapes(f[0] for f in found)
        out.append(
            ColumnVerdict(
                col.name,
                entity,
                len(found),
                len(distinct),
                rate,
                score,
                recognizer,
                confidence,
                examples,
                free,
            )
        )
    if not free:  # NER adds to the column-name evidence, never replaces it
        out.extend(_shape_verdicts(col, distinct, words, {v.entity for v in out}))
    return sorted(out, key=lambda v: (-v.rate, v.entity))


def _minor_part(hit: Hit, value: str) -> bool:
    """The span is under half of the cell: the cell is something else that holds digits."""
    return (hit.end - hit.start) * 2 < len(value.strip())


def id_verdict(
    col: Column, distinct: list[str], words: list[str], countries: Sequence[str] | None
) -> list[ColumnVerdict]:
    """A checksummed national/tax/VAT/company id column, decided over whole cells."""
    from petgov.pii import national_ids
    from petgov.pii.redact import redact

    found = national_ids.column_verdict(distinct, words, national_ids.enabled(countries))
    if found is None:
        return []
    strong = found.spec.chance <= 0.005 or found.named
    return [
        ColumnVerdict(
            col.name,
            found.spec.entity,
            found.hits,
            found.distinct,
            found.rate,
            0.9 if strong else 0.7,
            f"petgov-stdnum ({found.spec.module})",
            "high" if strong else "medium",
            [redact(v) for v in found.examples],
            False,
        )
    ]


_BIRTH_WORDS = frozenset({"birth", "dob", "born", "birthday", "birthdate", "geburtsdatum"})


def read_as_text(name: str, arrow_type: Any) -> bool:
    """Columns whose values are sampled as text: strings, id-named integers, and dates
    named like a birth date (JSONL and Parquet type them, CSV does not; same verdict)."""
    import pyarrow as pa

    if is_textual(arrow_type) or id_named_integer(name, arrow_type):
        return True
    dated = pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type)
    return bool(dated and set(name_words(name)) & _BIRTH_WORDS)


def id_named_integer(name: str, arrow_type: Any) -> bool:
    """An integer column whose name says identifier: its digits may carry a check digit."""
    import pyarrow as pa

    from petgov.pii.national_ids import id_words

    return bool(pa.types.is_integer(arrow_type) and set(name_words(name)) & id_words())


def _shape_verdicts(
    col: Column, distinct: list[str], words: list[str], already: set[str]
) -> list[ColumnVerdict]:
    """PERSON / LOCATION without NER: the column name says so and the values look the part."""
    from petgov.pii import shapes
    from petgov.pii.lexicon import load

    names = set(words)
    out = []
    lex = load()
    if "PERSON" not in already and names & _NAME_COLUMN and not names & _NOT_PERSON:
        shaped = [v for v in distinct if _NAME_VALUE.match(v.strip())]
        listed = [v for v in shaped if any(lex.is_name(t.strip(".,")) for t in v.split())]
        # a product catalogue's `name` column is capitalised too, but not made of names
        if len(shaped) / len(distinct) >= _SHAPE_MIN_RATE and len(listed) * 2 >= len(distinct):
            out.append(_shape("PERSON", col, shaped, distinct))
    if not already and names & _LOCATION_COLUMN:  # an ip_address column is not a place
        shaped = [v for v in distinct if len(v) <= 120 and re.search(r"[^\W\d_]{2}", v)]
        if len(shaped) / len(distinct) >= _SHAPE_MIN_RATE:
            out.append(_shape("LOCATION", col, shaped, distinct))
    if not already and names & _ORG_COLUMN:  # never without the column name (or a model)
        shaped = [v for v in distinct if shapes.organization_shaped(v)]
        if len(shaped) / len(distinct) >= _SHAPE_MIN_RATE:
            out.append(_shape("ORGANIZATION", col, shaped, distinct))
    if already or out or names & _NOT_PERSON or len(distinct) < _SHAPE_MIN_VALUES:
        return out
    # No column-name help ("col_7"): the values alone, with a higher bar of evidence
    shaped = [v for v in distinct if shapes.person_shaped(v, lex)]
    if len(shaped) / len(distinct) >= _SHAPE_MIN_RATE:
        out.append(_shape("PERSON", col, shaped, distinct, _LEXICON))
    shaped = [v for v in distinct if shapes.address_shaped(v)]
    if len(shaped) / len(distinct) >= _SHAPE_MIN_RATE:
        out.append(_shape("LOCATION", col, shaped, distinct, _ADDRESS))
    return out


_NAME_AND_SHAPE = ("petgov-column-name-and-shape", 0.4, "low")
# Value evidence alone: most values are lexicon names, or addresses with a house number and
# street type or a postcode of a known shape (petgov/pii/shapes.py).
_LEXICON = ("petgov-name-lexicon", 0.6, "medium")
_ADDRESS = ("petgov-address-shape", 0.6, "medium")
_SHAPE_MIN_VALUES = 5  # a handful of values is no column verdict
_ORG_COLUMN = {
    "company",
    "employer",
    "organization",
    "organisation",
    "org",
    "firm",
    "institution",
    "agency",
    "affiliation",
    "companyname",
    "employername",
}


def _shape(
    entity: str,
    col: Column,
    shaped: list[str],
    distinct: list[str],
    how: tuple[str, float, str] = _NAME_AND_SHAPE,
) -> ColumnVerdict:
    from petgov.pii.redact import smallest_shapes

    recognizer, score, confidence = how
    return ColumnVerdict(
        col.name,
        entity,
        len(shaped),
        len(distinct),
        len(shaped) / len(distinct),
        score,
        recognizer,
        confidence,
        smallest_shapes(shaped),
        False,
    )
