"""presidio recognizers backed by python-stdnum: IBANs of every country and national ids.

presidio's IBAN regex wants groups of four, so 15-character Norwegian IBANs, Montenegrin ones
and Spanish IBANs written with hyphens or odd grouping were missed; here any run of letters and
digits with single spaces or hyphens is compacted and the longest prefix that python-stdnum
accepts (country length, BBAN format, mod-97) is the match. National ids in running text use
the same validators; ids that random digits pass often (a 1 in 10 check digit) need a context
word to reach the threshold, so an order number in a sentence stays quiet.
"""

from __future__ import annotations

import re
from typing import Any

from petgov.pii import national_ids as N

IBAN_SCORE = 1.0  # country length, BBAN format and mod-97 all checked
STRONG_ID_SCORE = 0.65  # the check alone makes a random match unlikely
WEAK_ID_SCORE = 0.35  # needs a context word (+0.35) to pass the 0.5 threshold
STRONG_CHANCE = 0.005

_IBAN_RUN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){8,32}")
# Digit-bearing groups joined by single separators; letter-only words end a run.
_GROUP = r"[A-Za-z]{0,6}\d[A-Za-z0-9]*"
_ID_RUN = re.compile(rf"(?<![\w@/.-]){_GROUP}(?:[ ./-]{_GROUP}){{0,5}}(?![\w@])")
_SEP = re.compile(r"[ ./-]")


def iban_spans(text: str) -> list[tuple[int, int]]:
    """Spans of valid IBANs in ``text``, whatever the grouping."""
    from stdnum import iban

    out = []
    for m in _IBAN_RUN.finditer(text):
        run = m.group()
        # end offsets of each alphanumeric character, longest first
        ends = [i + 1 for i, ch in enumerate(run) if ch.isalnum()]
        for count in range(min(len(ends), 34), 14, -1):
            end = ends[count - 1]
            if iban.is_valid(run[:end]):
                out.append((m.start(), m.start() + end))
                break
    return out


def id_spans(text: str, specs: list[N.IdSpec]) -> list[tuple[int, int, N.IdSpec]]:
    """Spans of ``text`` that a spec validates (longest first, never overlapping)."""
    out: list[tuple[int, int, N.IdSpec]] = []
    for m in _ID_RUN.finditer(text):
        run = m.group()
        cuts = [0] + [s.end() for s in _SEP.finditer(run)]
        ends = [s.start() for s in _SEP.finditer(run)] + [len(run)]
        taken: list[tuple[int, int]] = []
        for length in range(len(cuts), 0, -1):
            for i in range(len(cuts) - length + 1):
                start, end = cuts[i], ends[i + length - 1]
                if any(start < b and a < end for a, b in taken):
                    continue
                piece = run[start:end]
                if N.is_code(piece):
                    continue
                found = N.matches(piece, specs)
                if found:
                    taken.append((start, end))
                    before = text[max(0, m.start() + start - 40) : m.start() + start].lower()
                    out.append((m.start() + start, m.start() + end, _pick(found, before)))
    return out


def _pick(found: list[N.IdSpec], before: str) -> N.IdSpec:
    """A keyword just before the span names the id; else the least likely by chance."""
    words = set(re.findall(r"[a-z]+", before))
    named = [s for s in found if words & set(s.keywords)]
    unnamed = [s for s in found if not s.needs_name]
    return min(named or unnamed or found, key=lambda s: s.chance)


def score(spec: N.IdSpec) -> float:
    """A strong check passes on its own; a 1-in-10 check needs a context word."""
    return STRONG_ID_SCORE if spec.chance <= STRONG_CHANCE else WEAK_ID_SCORE


def build(entity: str) -> list[Any]:
    """The stdnum-backed recognizer for ``entity`` (IBAN_CODE or a national id), if any."""
    from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

    def result(recognizer: Any, entity: str, start: int, end: int, score: float) -> Any:
        return RecognizerResult(
            entity,
            start,
            end,
            score,
            analysis_explanation=AnalysisExplanation(recognizer.name, score),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
            },
        )

    class StdnumIbanRecognizer(EntityRecognizer):
        """IBANs of every country, any grouping, validated by python-stdnum."""

        def load(self) -> None:
            return None

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            return [result(self, "IBAN_CODE", a, b, IBAN_SCORE) for a, b in iban_spans(text)]

    class StdnumIdRecognizer(EntityRecognizer):
        """National, tax, VAT and company ids of many countries, validated by python-stdnum."""

        def load(self) -> None:
            return None

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
            wanted = set(entities)
            specs = [s for s in N.SPECS if s.entity in wanted]
            if not specs:
                return []
            return [
                result(self, spec.entity, a, b, score(spec))
                for a, b, spec in id_spans(text, specs)
                if not spec.needs_name  # a bare date-shaped number in text is not enough
            ]

    if entity == "IBAN_CODE":
        return [
            StdnumIbanRecognizer(
                supported_entities=["IBAN_CODE"],
                name="PetgovIbanRecognizer",
                supported_language="en",
                context=["iban", "bank", "account"],
            )
        ]
    if entity in N.ENTITIES:
        keywords = sorted({k for s in N.SPECS for k in s.keywords if len(k) > 2})
        return [
            StdnumIdRecognizer(
                supported_entities=list(N.ENTITIES),
                name="PetgovNationalIdRecognizer",
                supported_language="en",
                context=sorted(set(keywords) | set(N.GENERIC_KEYWORDS) - {"number"}),
            )
        ]
    return []
