"""An offline presidio engine: blank spaCy plus a lowercase-lemma component, never a download.

Presidio's default ``AnalyzerEngine()`` fetches a spaCy model (and pip-installs it) and
tldextract fetches the Public Suffix List. Neither may happen inside a security scanner, so the
engine is always built from an explicit NLP engine, and tldextract is pinned to its bundled
snapshot before presidio can touch it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petgov.errors import UsageError
from petgov.pii.country_gated import RECOGNIZERS as COUNTRY_GATED
from petgov.pii.national_ids import ENTITIES as ID_ENTITIES

THRESHOLD = 0.5
RELAXED_THRESHOLD = 0.4

# High-precision entities analysed by default (pattern + checksum / context).
DEFAULT_ENTITIES: tuple[str, ...] = (
    "EMAIL_ADDRESS",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_SSN",
    "PHONE_NUMBER",
    "CRYPTO",
    "URL",
    "MAC_ADDRESS",
    "UK_NHS",
    "MEDICAL_LICENSE",
)
NER_ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION", "NRP", "ORGANIZATION")

# Low-precision recognizers: only run when a column name (or --exhaustive) supports them.
GATED_ENTITIES: dict[str, tuple[str, ...]] = {
    "US_DRIVER_LICENSE": ("driver", "licen", "dl_", "dlnumber"),
    "US_BANK_NUMBER": ("bank", "account", "acct"),
    "US_PASSPORT": ("passport",),
    "US_ITIN": ("itin", "taxpayer", "tin"),
    "DATE_TIME": ("date", "dob", "birth", "born"),
}

# When spans of different entities overlap, the one with the stronger evidence wins.
_PRIORITY = {
    "CREDIT_CARD": 9,
    "IBAN_CODE": 9,
    "US_SSN": 8,
    "EMAIL_ADDRESS": 8,
    "CRYPTO": 7,
    "UK_NHS": 7,
    "IP_ADDRESS": 6,
    "MAC_ADDRESS": 6,
    "PHONE_NUMBER": 5,
    **dict.fromkeys(ID_ENTITIES, 7),
    **dict.fromkeys(COUNTRY_GATED, 7),
}


@dataclass(frozen=True)
class Hit:
    """One detected span, already thresholded and de-conflicted."""

    entity: str
    start: int
    end: int
    score: float
    recognizer: str


@dataclass(frozen=True)
class NlpModelInfo:
    """A local spaCy model folder the user vetted: where it is and what its bytes hash to."""

    path: str
    sha256: str
    name: str


def pin_tldextract() -> None:
    """Make tldextract use its bundled suffix list; it must never fetch one."""
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import tldextract
    import tldextract.tldextract as tt

    tt.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def check_model_folder(folder: Path) -> Path:
    """Refuse anything but a local spaCy model folder (a name would mean a download)."""
    if not all((folder / name).is_file() for name in ("config.cfg", "meta.json")):
        raise UsageError(
            f"--nlp-model {folder}: not a spaCy model folder",
            hint="point at a folder with config.cfg and meta.json; petgov never downloads",
        )
    return folder


def model_digest(path: Path) -> str:
    """sha256 over a model folder's relative paths and bytes, in sorted order."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode() + b"\0")
        with open(file, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


class PiiEngine:
    """presidio ``AnalyzerEngine`` over a blank (or user-supplied) spaCy pipeline."""

    def __init__(self, nlp_model: str | None = None) -> None:
        import gc

        # Importing spaCy + presidio allocates ~1M objects; collecting during that is waste.
        # Blank mode needs no torch/transformers; a user's model (a transformer pipeline) may.
        from petgov.pii.hidden_imports import DEEP_LEARNING, hidden

        gc.disable()
        try:
            with hidden(() if nlp_model else DEEP_LEARNING):
                self._build(nlp_model)
        finally:
            gc.enable()

    def _build(self, nlp_model: str | None) -> None:
        from petgov.pii.hidden_imports import unchecked_patterns

        pin_tldextract()
        import spacy

        with unchecked_patterns():
            from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

        from petgov.pii import recognizers

        self.model: NlpModelInfo | None = None
        if nlp_model:
            folder = check_model_folder(Path(nlp_model))
            model = spacy.load(folder)
            self.model = NlpModelInfo(
                str(folder), model_digest(folder), str(model.meta.get("name"))
            )
            self.pipeline = recognizers.OnDemand(lambda: recognizers.with_lemmas(model))
        else:  # built when a text first needs its words (``_needs_words``), often never
            self.pipeline = recognizers.OnDemand(_blank_pipeline)
        nlp_engine = recognizers.fixed_nlp_engine(self.pipeline)
        self._no_words = recognizers.no_words(nlp_engine)
        self._word_cache: dict[tuple[Any, ...], _WordRecognizers] = {}
        self.registry = RecognizerRegistry(supported_languages=["en"])
        self._built: set[str] = set()
        if nlp_model:  # NER: presidio's full default set, including its spaCy recognizer
            self.registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["en"])
            recognizers.apply_fixes(self.registry)
            self._built.update(e for e in recognizers.PRESIDIO_DEFAULTS if e not in COUNTRY_GATED)
        else:  # an empty registry would make AnalyzerEngine load presidio's whole default set
            self.ensure(("EMAIL_ADDRESS",))
        self.analyzer = AnalyzerEngine(
            nlp_engine=nlp_engine,
            registry=self.registry,
            supported_languages=["en"],
            default_score_threshold=THRESHOLD,
            context_aware_enhancer=recognizers.fast_enhancer(LemmaContextAwareEnhancer),
        )
        self.has_ner = self.model is not None
        if self.has_ner:
            self.pipeline["en"]  # a user's model is loaded (and checked) up front

    def _text_words(self, entities: Sequence[str], context: Sequence[str]) -> _WordRecognizers:
        """The requested recognizers whose context words only a text's own words could supply.

        Presidio raises a result's score when a recognizer's context word is a substring of a
        word near it (a lemma: the lower-cased token in blank mode) or of a ``context`` word.
        A recognizer the column name already supports gets the raise either way; for the others
        only words inside the text count, and a lower-cased token is a substring of the
        lower-cased text. None: always tokenize (a model's lemmas, an odd context word).
        """
        self.ensure(entities)
        key = (tuple(entities), tuple(context), len(self._built))
        if key not in self._word_cache:
            self._word_cache[key] = self._find_text_words(entities, context)
        return self._word_cache[key]

    def _find_text_words(self, entities: Sequence[str], context: Sequence[str]) -> _WordRecognizers:
        if self.has_ner:
            return None
        given = [c.lower() for c in context]
        out = []
        try:
            recognizers = self.registry.get_recognizers("en", entities=list(entities))
        except ValueError:  # none serves the request: presidio says so, with its tokens too
            return None
        for recognizer in recognizers:
            own = tuple(w.lower() for w in recognizer.context or ())
            if "" in own or not all(w.isascii() for w in own):
                return None
            if own and not any(w in k for w in own for k in given):
                out.append((recognizer, own))
        return out

    def _needs_words(self, text: str, entities: Sequence[str], context: Sequence[str]) -> bool:
        """Whether ``text`` gets other results with spaCy's tokens than without them.

        Only a result of a recognizer from ``_text_words`` whose context word occurs in the
        text can differ; a recognizer without results there has nothing to raise. Presidio
        calls recognizers the same way (its pattern recognizers ignore the NLP artifacts).
        """
        found = self._text_words(entities, context)
        if found is None:
            return True
        lowered = text.lower()
        for recognizer, words in found:
            if any(w in lowered for w in words):
                if not recognizer.is_loaded:
                    recognizer.load()
                    recognizer.is_loaded = True
                if recognizer.analyze(text=text, entities=list(entities), nlp_artifacts=None):
                    return True
        return False

    def ensure(self, entities: Iterable[str]) -> None:
        """Build the recognizers for ``entities`` that are not built yet (blank mode: lazily)."""
        from petgov.pii.national_ids import ENTITIES as ID_ENTITIES
        from petgov.pii.recognizers import PRESIDIO_DEFAULTS, build_recognizers

        for entity in entities:
            if entity not in self._built and entity in PRESIDIO_DEFAULTS:
                for recognizer in build_recognizers(entity, self.registry.global_regex_flags):
                    self.registry.add_recognizer(recognizer)
            self._built.add(entity)
            if entity in ID_ENTITIES:  # one recognizer serves every national id
                self._built.update(ID_ENTITIES)

    def warm(self, entities: Iterable[str]) -> None:
        """Compile the patterns of ``entities`` now (before forking workers, so they share it)."""
        import regex  # type: ignore[import-untyped]

        self.ensure(entities)
        self.pipeline["en"]  # and spaCy's pipeline, should a text need its words
        for recognizer in self.registry.get_recognizers("en", entities=list(entities)):
            flags = getattr(recognizer, "global_regex_flags", None)
            for pattern in getattr(recognizer, "patterns", ()):
                if flags and pattern.compiled_with_flags != flags:
                    pattern.compiled_regex = regex.compile(pattern.regex, flags=flags)
                    pattern.compiled_with_flags = flags

    def entities(self, extra: Iterable[str] = ()) -> list[str]:
        """Entities to request: the defaults, NER ones with a model, plus ``extra``."""
        wanted = list(DEFAULT_ENTITIES) + (list(NER_ENTITIES) if self.has_ner else [])
        return wanted + [e for e in extra if e not in wanted]

    def analyze(
        self,
        text: str,
        entities: Sequence[str],
        context: Sequence[str] = (),
        relaxed: Sequence[str] = (),
    ) -> list[Hit]:
        """Analyze one text; returns de-conflicted hits at or above the threshold.

        ``relaxed`` entities (gated ones a column name asked for) pass at RELAXED_THRESHOLD:
        the column name is stronger evidence than presidio's word-window context.
        This is the reference every batched path must agree with.
        """
        return resolve_overlaps(self._raw(text, entities, context, relaxed))

    def _raw(
        self,
        text: str,
        entities: Sequence[str],
        context: Sequence[str],
        relaxed: Sequence[str],
        words: bool | None = None,
    ) -> list[Hit]:
        self.ensure(entities)
        if words is None:
            words = self._needs_words(text, entities, context)
        results: list[Any] = self.analyzer.analyze(
            text,
            language="en",
            entities=list(entities),
            context=list(context) or None,
            score_threshold=RELAXED_THRESHOLD if relaxed else THRESHOLD,
            nlp_artifacts=None if words else self._no_words,
        )
        return [
            Hit(
                r.entity_type,
                r.start,
                r.end,
                float(r.score),
                str((r.recognition_metadata or {}).get("recognizer_name", "")),
            )
            for r in results
            if (r.score >= THRESHOLD or r.entity_type in relaxed)
            and not _phone_like_nhs(text, r, context)
        ]

    def _raw_many(
        self,
        values: Sequence[str],
        entities: Sequence[str],
        context: Sequence[str],
        relaxed: Sequence[str],
        words: bool | None = None,
    ) -> list[list[Hit]]:
        """One presidio call over values joined by a separator of neutral tokens.

        The separator is longer than the context window, so no value's words act as
        context for another's; spans crossing a separator are dropped.
        """
        import bisect

        out: list[list[Hit]] = [[] for _ in values]
        if not values:
            return out
        starts: list[int] = []
        pos = 0
        for value in values:
            starts.append(pos)
            pos += len(value) + len(SEPARATOR)
        text = SEPARATOR.join(values)
        for hit in self._raw(text, entities, context, relaxed, words):
            i = bisect.bisect_right(starts, hit.start) - 1
            begin = starts[i]
            if hit.end > begin + len(values[i]):
                continue
            out[i].append(
                Hit(hit.entity, hit.start - begin, hit.end - begin, hit.score, hit.recognizer)
            )
        return out

    def analyze_values(
        self,
        values: Sequence[str],
        entities: Sequence[str],
        context: Sequence[str] = (),
        relaxed: Sequence[str] = (),
        *,
        prefilter: bool = True,
    ) -> list[list[Hit]]:
        """Per-value hits equal to ``analyze(value)``, with a fraction of the work.

        Values are shown only to recognizers that could fire on them (``prefilter``), in
        joined chunks. The expensive weak entities (phone numbers: ``phonenumbers`` tries 8
        regions; URLs: a 6 kB regex) run last, and only on values with room left for a hit
        that survives: ``resolve_overlaps`` drops any weak span overlapping a kept stronger
        one, so a value whose digits all sit inside an SSN/IP/card span cannot yield a phone.
        """
        from petgov.pii.prefilter import could_match, needed

        raw: list[list[Hit]] = [[] for _ in values]
        if not prefilter:
            self._run_chunks(values, range(len(values)), tuple(entities), context, relaxed, raw)
            return [resolve_overlaps(h) for h in raw]
        weak = [e for e in WEAK_LAST if e in entities]
        first = [e for e in entities if e not in weak]
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, value in enumerate(values):
            wanted = needed(value, first)
            if wanted:
                groups.setdefault(wanted, []).append(i)
        for ents, index in groups.items():
            self._run_chunks(values, index, ents, context, relaxed, raw)
        for entity in weak:
            rank = _PRIORITY.get(entity, 1)
            index = [
                i
                for i, value in enumerate(values)
                if any(could_match(entity, seg) for seg in _open_segments(value, raw[i], rank))
            ]
            self._run_chunks(values, index, (entity,), context, relaxed, raw)
        return [resolve_overlaps(h) for h in raw]

    def _run_chunks(
        self,
        values: Sequence[str],
        index: Iterable[int],
        entities: tuple[str, ...],
        context: Sequence[str],
        relaxed: Sequence[str],
        raw: list[list[Hit]],
    ) -> None:
        # Values that need spaCy's tokens go apart, so the others are joined without them: the
        # separator holds no letters, so a joined text holds a context word only if a value does.
        todo = list(index)
        words = [self._needs_words(values[i], entities, context) for i in todo]
        for need in (False, True):
            group = [i for i, w in zip(todo, words, strict=True) if w is need]
            for start in range(0, len(group), CHUNK):
                part = group[start : start + CHUNK]
                texts = [values[i] for i in part]
                found = self._raw_many(texts, entities, context, relaxed, need)
                for i, hits in zip(part, found, strict=True):
                    raw[i].extend(hits)


# Recognizers whose context only a text's own words could supply, with those words (None: any).
_WordRecognizers = list[tuple[Any, tuple[str, ...]]] | None

CHUNK = 50  # values per presidio call: its duplicate removal is quadratic in matches per text
# Costly recognizers, analysed after everything that outranks them in resolve_overlaps.
WEAK_LAST = ("PHONE_NUMBER", "URL")


def _open_segments(value: str, hits: list[Hit], rank: int) -> list[str]:
    """The parts of ``value`` outside kept spans that would block an entity of ``rank``.

    ``resolve_overlaps`` ranks by priority first, so the kept set of hits that outrank
    ``rank`` is final once those entities ran; a surviving weak span lies in one segment.
    """
    blockers = [h for h in resolve_overlaps(hits) if _PRIORITY.get(h.entity, 1) > max(rank, 1)]
    if not blockers:
        return [value]
    out = []
    pos = 0
    for h in sorted(blockers, key=lambda h: h.start):
        if h.start > pos:
            out.append(value[pos : h.start])
        pos = max(pos, h.end)
    out.append(value[pos:])
    return out


_US_PHONE = re.compile(r"^\(?\d{3}\)?[-.]\d{3}[-.]\d{4}$|^\(\d{3}\) ?\d{3}[-. ]\d{4}$")


def _phone_like_nhs(text: str, result: Any, context: Sequence[str]) -> bool:
    """A UK_NHS match that is more likely a US phone number or an ISBN-10, with no NHS word.

    One in eleven 10-digit numbers passes the NHS check, so phone numbers in free text were
    reported as NHS numbers (D-m16); and the ISBN-10 check is the NHS check, so a column of
    ISBNs read as NHS numbers. NHS numbers are written 3-3-4 with spaces, or named.
    """
    if result.entity_type != "UK_NHS":
        return False
    span = text[result.start : result.end]
    if _NHS_SPACED.match(span):
        return False
    near = text[max(0, result.start - 40) : result.start].lower() + " " + " ".join(context)
    if any(word in near.lower() for word in ("nhs", "health", "patient")):
        return False
    from petgov.pii.national_ids import is_code

    return bool(_US_PHONE.match(span)) or is_code(span)


_NHS_SPACED = re.compile(r"^\d{3} \d{3} \d{4}$")


SEPARATOR = "\n ¦ ¦ ¦ ¦ ¦ ¦ ¦ ¦\n"


def resolve_overlaps(hits: list[Hit]) -> list[Hit]:
    """Drop URL spans inside e-mails and weaker spans that overlap a stronger entity."""
    keep: list[Hit] = []
    ranked = sorted(hits, key=lambda h: (-_PRIORITY.get(h.entity, 1), -h.score, h.start))
    for hit in ranked:
        clash = False
        for other in keep:
            overlaps = hit.start < other.end and other.start < hit.end
            if overlaps and (other.entity == hit.entity or _PRIORITY.get(other.entity, 1) > 1):
                clash = True
                break
        if not clash:
            keep.append(hit)
    return sorted(keep, key=lambda h: h.start)


def _blank_pipeline() -> Any:
    """spaCy's blank English pipeline (a tokenizer) with lower-case lemmas: no download."""
    import spacy

    from petgov.pii import recognizers
    from petgov.pii.hidden_imports import DEEP_LEARNING, hidden

    with hidden(DEEP_LEARNING):
        return recognizers.with_lemmas(spacy.blank("en"))


@functools.lru_cache(maxsize=4)
def get_engine(nlp_model: str | None = None) -> PiiEngine:
    """One engine per process and model (building one costs about 0.1 s after imports)."""
    return PiiEngine(nlp_model)
