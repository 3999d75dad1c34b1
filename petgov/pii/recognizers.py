"""Fixes to presidio's recognizers that the labelled corpus shows are needed.

- Cards: presidio's card regex misses 19-digit Visa, 12-digit Maestro and 15-digit JCB
  ("2131...", "1800..."); ours accepts 12-19 digits from a card IIN digit, validated by Luhn.
- Phones: presidio's ``phonenumbers`` recognizer misses national formats without a country
  code; ours matches phone-shaped digit groups at a score that needs a context word
  ("phone", "call", "mobile", a phone-ish column name) to pass the threshold.
- Context: with blank spaCy ``lemma_`` is empty and presidio's context enhancer goes blind;
  a component sets lemma = lowercase text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from petgov.pii import country_gated, national_ids

PHONE_CONTEXT = [
    "phone",
    "telephone",
    "tel",
    "mobile",
    "cell",
    "call",
    "fax",
    "desk",
    "office",
    "contact",
    "answering",
    "messages",
    "sms",
    "whatsapp",
    "dial",
    "reach",
    "registered",
]

_PHONE_SHAPE = (
    r"(?<![\w.+-])(?:\+\d{1,3}[ .-]?)?(?:\(0\)[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?"
    r"\d{2,5}(?:[ .-]\d{2,6}){1,4}(?:\s?x\d{1,5})?(?!\w|-\d)"
    # a capitalised word right after is a street ("17031 2202 Rissik St"), not a phone
    r"(?![ \t]+(?!(?:Office|Fax|Mobile|Desk|Phone|Tel|Home|Work)\b)[A-Z][a-z])"
)
_CARD_SHAPE = r"(?<![\w-])[1-6]\d{2,3}(?:[ -]?\d{2,4}){2,4}(?:[ -]?\d{1,4})?(?![\w-])"
_DATE_SHAPE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}|^\d{1,2}[-./]\d{1,2}[-./]\d{4}$")


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def register_lemma_component() -> None:
    """Register the ``petgov_lower_lemma`` spaCy component (idempotent)."""
    from spacy.language import Language

    if "petgov_lower_lemma" in Language.factories:
        return

    @Language.component("petgov_lower_lemma")
    def _lower_lemma(doc: Any) -> Any:
        for token in doc:
            token.lemma_ = token.lower_
        return doc


def unstop_context_words(nlp: Any, words: list[str]) -> None:
    """Presidio reads context only from non-stop-words; spaCy lists "call" as a stop word."""
    for word in words:
        nlp.vocab[word].is_stop = False


class OnDemand(Mapping[str, Any]):
    """``{"en": pipeline}`` for presidio's spaCy engine, the pipeline built on first use."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._nlp: Any = None

    def __getitem__(self, language: str) -> Any:
        if language != "en":
            raise KeyError(language)
        if self._nlp is None:
            self._nlp = self._build()
        return self._nlp

    def __iter__(self) -> Iterator[str]:
        return iter(("en",))

    def __len__(self) -> int:
        return 1


def with_lemmas(nlp: Any) -> Any:
    """A pipeline whose lemmas presidio's context enhancer can read (lower-case text when it
    has no lemmatizer), with the phone context words not treated as stop words."""
    if "lemmatizer" not in nlp.pipe_names:
        register_lemma_component()
        nlp.add_pipe("petgov_lower_lemma", last=True)
    unstop_context_words(nlp, PHONE_CONTEXT)
    return nlp


def no_words(nlp_engine: Any) -> Any:
    """NLP artifacts without tokens: presidio's context enhancer then reads the given context
    words only (what a text without any recognizer context word gets from its tokens too)."""
    from presidio_analyzer.nlp_engine import NlpArtifacts

    none: Any = []
    return NlpArtifacts(
        entities=[], tokens=none, tokens_indices=[], lemmas=[], nlp_engine=nlp_engine, language="en"
    )


def fixed_nlp_engine(nlp: Any) -> Any:
    """A presidio ``SpacyNlpEngine`` around a built pipeline or an ``OnDemand`` one; ``load``
    never downloads."""
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    models = nlp if isinstance(nlp, OnDemand) else {"en": nlp}

    class _LoadedSpacyNlpEngine(SpacyNlpEngine):
        def load(self) -> None:
            self.nlp = models  # type: ignore[assignment]

    engine = _LoadedSpacyNlpEngine(models=[{"lang_code": "en", "model_name": "petgov-local"}])
    engine.load()
    return engine


# The recognizers presidio's default English configuration enables, by entity (its
# conf/default_recognizers.yaml); CREDIT_CARD is petgov's card recognizer instead. Building
# only the ones a scan asks for skips the YAML/pydantic config load and ~20 regex compiles.
PRESIDIO_DEFAULTS: dict[str, tuple[str, ...]] = {
    "EMAIL_ADDRESS": ("EmailRecognizer",),
    "IBAN_CODE": (),  # petgov's stdnum IBAN recognizer replaces presidio's (a superset)
    "IP_ADDRESS": ("IpRecognizer",),
    "US_SSN": ("UsSsnRecognizer",),
    "PHONE_NUMBER": ("PhoneRecognizer",),
    "CRYPTO": ("CryptoRecognizer",),
    "URL": ("UrlRecognizer",),
    "MAC_ADDRESS": ("MacAddressRecognizer",),
    "UK_NHS": ("NhsRecognizer",),
    "MEDICAL_LICENSE": ("MedicalLicenseRecognizer",),
    "US_DRIVER_LICENSE": ("UsLicenseRecognizer",),
    "US_BANK_NUMBER": ("UsBankRecognizer",),
    "US_PASSPORT": ("UsPassportRecognizer",),
    "US_ITIN": ("UsItinRecognizer",),
    "DATE_TIME": ("DateRecognizer",),
    "UUID": ("UuidRecognizer",),
    "CREDIT_CARD": (),
    **dict.fromkeys(national_ids.ENTITIES, ()),  # petgov's stdnum-backed recognizer
    # presidio's country patterns, requested only by a column name (country_gated.py)
    **{entity: (name,) for entity, name in country_gated.RECOGNIZERS.items()},
}


def build_recognizers(entity: str, regex_flags: int | None) -> list[Any]:
    """presidio's default recognizers for ``entity`` with petgov's fixes, built on demand.

    ``regex_flags``: the registry's global flags, which presidio's config loader imposes on
    every pattern recognizer it builds (IBAN's class default lacks IGNORECASE).
    """
    from presidio_analyzer import predefined_recognizers as pr

    out = [getattr(pr, name)(supported_language="en") for name in PRESIDIO_DEFAULTS[entity]]
    for recognizer in out:
        if regex_flags and hasattr(recognizer, "global_regex_flags"):
            recognizer.global_regex_flags = regex_flags
        _fix(recognizer)
    return out + _petgov_recognizers(entity)


def apply_fixes(registry: Any) -> None:
    """Swap presidio's card recognizer for ours and add the phone-shape recognizer."""
    for recognizer in registry.recognizers:
        _fix(recognizer)
    registry.remove_recognizer("CreditCardRecognizer")
    registry.remove_recognizer("IbanRecognizer")
    for entity in ("CREDIT_CARD", "PHONE_NUMBER", "IBAN_CODE", national_ids.ENTITIES[0]):
        for recognizer in _petgov_recognizers(entity):
            registry.add_recognizer(recognizer)


def _fix(recognizer: Any) -> None:
    if recognizer.name == "PhoneRecognizer":
        recognizer.context = sorted(set(recognizer.context) | set(PHONE_CONTEXT))


def _petgov_recognizers(entity: str) -> list[Any]:
    from presidio_analyzer import Pattern, PatternRecognizer

    from petgov.pii import id_recognizers

    if entity == "IBAN_CODE" or entity in national_ids.ENTITIES:
        return id_recognizers.build(entity)

    class CardRecognizer(PatternRecognizer):
        """12-19 digit card numbers starting with a card-network digit, Luhn-validated."""

        def validate_result(self, pattern_text: str) -> bool | None:
            digits = re.sub(r"[ -]", "", pattern_text)
            if not 12 <= len(digits) <= 19 or len(set(digits)) == 1:
                return False
            return luhn_ok(digits)

    class PhoneShapeRecognizer(PatternRecognizer):
        """Digit groups shaped like a phone number; only context lifts them over the bar."""

        def validate_result(self, pattern_text: str) -> bool | None:
            digits = re.sub(r"\D", "", pattern_text.split("x")[0])
            if not 7 <= len(digits) <= 15 or _DATE_SHAPE.match(pattern_text):
                return False
            return None

    if entity == "CREDIT_CARD":
        return [
            CardRecognizer(
                supported_entity="CREDIT_CARD",
                name="PetgovCardRecognizer",
                patterns=[Pattern("card 12-19 digits", _CARD_SHAPE, 0.3)],
                context=["credit", "card", "visa", "mastercard", "amex", "jcb", "maestro", "cc"],
            )
        ]
    if entity == "PHONE_NUMBER":
        return [
            PhoneShapeRecognizer(
                supported_entity="PHONE_NUMBER",
                name="PetgovPhoneShapeRecognizer",
                patterns=[Pattern("phone shape", _PHONE_SHAPE, 0.2)],
                context=PHONE_CONTEXT,
            )
        ]
    return []


def fast_enhancer(base: Any) -> Any:
    """presidio's lemma context enhancer with an O(log n) token lookup instead of a scan.

    Presidio finds the token under each match by walking the whole document, which makes
    a text with many matches quadratic; tokens are ordered and disjoint, so bisect finds the
    same token. Window: 5 words before, 2 after ("416 60 039 office").
    """
    import bisect

    class FastLemmaEnhancer(base):  # type: ignore[misc]
        @staticmethod
        def _find_index_of_match_token(
            word: str, start: int, tokens: Any, tokens_indices: list[int]
        ) -> int:
            if not len(tokens):
                raise ValueError(f"Did not find word {word!r} in the list of tokens")
            j = max(bisect.bisect_right(tokens_indices, start) - 1, 0)
            if tokens_indices[j] + len(tokens[j]) <= start and tokens_indices[j] != start:
                j += 1
            if j >= len(tokens):
                raise ValueError(f"Did not find word {word!r} in the list of tokens")
            return j

    return FastLemmaEnhancer(context_prefix_count=5, context_suffix_count=2)
