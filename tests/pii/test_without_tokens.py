"""Texts analysed without spaCy's tokens get exactly what presidio gives with them.

The engine skips spaCy when no recognizer that has results in a text could be raised by a
word of that text (``PiiEngine._needs_words``). Reference: the same presidio call with the
blank pipeline's tokens and lemmas, forced. Values mix context words of every recognizer
(inside other words too: "Mccall", "GB..CC..") with the shapes the recognizers match.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from petgov.pii.country_gated import RECOGNIZERS as COUNTRY_GATED
from petgov.pii.engine import GATED_ENTITIES, get_engine
from tests.pii.datagen import make_rows
from tests.pii.test_batched import TRICKY

SHAPES = [
    "078-05-1120",
    "4111 1111 1111 1111",
    "4111111111111111",
    "(212) 555-0100",
    "212-555-0100",
    "+44 20 7946 0958",
    "030 1234567",
    "943 476 5919",
    "10.0.0.1",
    "john.doe@example.com",
    "www.example.org",
    "GB82WEST12345698765432",
    "GB78CCPS31841667954201",
    "00:1A:2B:3C:4D:5E",
    "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
    "AB1234567",
    "912-70-1234",
    "1981-07-13",
    "D1234567",
    "123456789",
    "QQ 12 34 56 C",
]
FILLERS = ["", " ", "Suite", "Apt.", "of", "the", "Mc", "x", ",", ":", "-", "\n", "Mr"]


def _context_words() -> list[str]:
    engine = get_engine()
    everything = engine.entities([*GATED_ENTITIES, *COUNTRY_GATED])
    engine.ensure(everything)
    words = {
        w for r in engine.registry.get_recognizers("en", entities=everything) for w in r.context
    }
    return sorted(words)


WORDS = _context_words()
ENTITY_SETS = [
    tuple(get_engine().entities()),
    tuple(get_engine().entities(["US_DRIVER_LICENSE", "US_BANK_NUMBER", "DATE_TIME"])),
    ("PHONE_NUMBER",),
    ("CREDIT_CARD", "IBAN_CODE", "US_SSN", "UK_NHS", "MEDICAL_LICENSE"),
    tuple(get_engine().entities(["US_PASSPORT", "US_ITIN", "UK_NINO"])),
]
CONTEXTS = [[], ["street", "address", "streetaddress"], ["phone"], ["iban"], ["notes"]]


def _both(text: str, entities: tuple[str, ...], context: list[str]) -> tuple[Any, Any]:
    engine = get_engine()
    relaxed = [e for e in entities if e in GATED_ENTITIES]
    auto = engine._raw(text, entities, context, relaxed)
    tokens = engine._raw(text, entities, context, relaxed, words=True)
    return auto, tokens


def test_known_values_same_hits_with_and_without_tokens() -> None:
    values = [
        *TRICKY,
        "713 Mccall Cape Suite 896",
        "call 943 476 5919",
        "cc 4111 1111 1111 1111 exp",
        "my ssn is 078-05-1120",
        "iban GB82WEST12345698765432 wallet 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
        "Office: 030 1234567, fax 030 7654321",
        "passport AB1234567 driver D1234567",
    ]
    values += [str(v) for row in make_rows(40, seed=11) for v in row.values()]
    skipped = 0
    for entities in ENTITY_SETS:
        for context in CONTEXTS:
            for value in values:
                auto, tokens = _both(value, entities, context)
                assert auto == tokens, (value, entities, context)
                skipped += not get_engine()._needs_words(value, entities, context)
    assert skipped > len(values)  # the fast path ran (and agreed), not only the reference


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(
        st.one_of(st.sampled_from(SHAPES), st.sampled_from(WORDS), st.sampled_from(FILLERS)),
        min_size=1,
        max_size=8,
    ),
    glue=st.sampled_from([" ", "", "\n", ", "]),
    which=st.integers(0, len(ENTITY_SETS) - 1),
    ctx=st.integers(0, len(CONTEXTS) - 1),
)
def test_generated_texts_same_hits_with_and_without_tokens(
    parts: list[str], glue: str, which: int, ctx: int
) -> None:
    auto, tokens = _both(glue.join(parts), ENTITY_SETS[which], CONTEXTS[ctx])
    assert auto == tokens


def test_the_blank_pipeline_is_built_only_when_a_text_needs_words() -> None:
    from petgov.pii.engine import PiiEngine

    engine = PiiEngine()
    engine.analyze_values(["078-05-1120", "john@example.com"], engine.entities(), ["ssn"])
    assert engine.pipeline._nlp is None
    engine.analyze("call 943 476 5919", ["PHONE_NUMBER"])
    assert engine.pipeline._nlp is not None
