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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petgov.errors import UsageError

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
NER_ENTITIES: tuple[str, ...] = ("PERSON", "LOCATION", "NRP")

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
    if not (folder / "config.cfg").is_file():
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
        pin_tldextract()
        import spacy
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

        from petgov.pii import recognizers

        self.model: NlpModelInfo | None = None
        if nlp_model:
            folder = check_model_folder(Path(nlp_model))
            nlp = spacy.load(folder)
            self.model = NlpModelInfo(str(folder), model_digest(folder), str(nlp.meta.get("name")))
        else:
            nlp = spacy.blank("en")
        if "lemmatizer" not in nlp.pipe_names:
            recognizers.register_lemma_component()
            nlp.add_pipe("petgov_lower_lemma", last=True)
        recognizers.unstop_context_words(nlp, recognizers.PHONE_CONTEXT)
        nlp_engine = recognizers.fixed_nlp_engine(nlp)
        registry = RecognizerRegistry(supported_languages=["en"])
        registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["en"])
        recognizers.apply_fixes(registry)
        self.analyzer = AnalyzerEngine(
            nlp_engine=nlp_engine,
            registry=registry,
            supported_languages=["en"],
            default_score_threshold=THRESHOLD,
            context_aware_enhancer=recognizers.fast_enhancer(LemmaContextAwareEnhancer),
        )
        self.has_ner = self.model is not None

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
        """
        results: list[Any] = self.analyzer.analyze(
            text,
            language="en",
            entities=list(entities),
            context=list(context) or None,
            score_threshold=RELAXED_THRESHOLD if relaxed else THRESHOLD,
        )
        hits = [
            Hit(
                r.entity_type,
                r.start,
                r.end,
                float(r.score),
                str((r.recognition_metadata or {}).get("recognizer_name", "")),
            )
            for r in results
            if r.score >= THRESHOLD or r.entity_type in relaxed
        ]
        return resolve_overlaps(hits)

    def analyze_many(
        self,
        values: Sequence[str],
        entities: Sequence[str],
        context: Sequence[str] = (),
        relaxed: Sequence[str] = (),
    ) -> list[list[Hit]]:
        """Analyze many short values in one presidio call, with per-value results.

        Values are joined by a separator of neutral tokens longer than the context window, so
        no value's words act as context for another's; spans crossing a separator are dropped.
        """
        out: list[list[Hit]] = [[] for _ in values]
        if not values:
            return out
        starts: list[int] = []
        parts: list[str] = []
        pos = 0
        for value in values:
            starts.append(pos)
            parts.append(value)
            pos += len(value) + len(SEPARATOR)
        text = SEPARATOR.join(parts)
        import bisect

        for hit in self.analyze(text, entities, context, relaxed):
            i = bisect.bisect_right(starts, hit.start) - 1
            begin = starts[i]
            if hit.end > begin + len(values[i]):
                continue
            out[i].append(
                Hit(hit.entity, hit.start - begin, hit.end - begin, hit.score, hit.recognizer)
            )
        return out


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


@functools.lru_cache(maxsize=4)
def get_engine(nlp_model: str | None = None) -> PiiEngine:
    """One engine per process and model (building one costs about 0.1 s after imports)."""
    return PiiEngine(nlp_model)
