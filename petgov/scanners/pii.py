"""Dataset PII scanner: offline presidio, column-sampled by default, text mode when asked.

Tabular files get a seeded row sample and a per-column verdict (entity, hit rate, "sampled n
of N rows"); free-text columns and text files get text mode over every cell. Findings carry
redacted shapes only. The entities found go into facts so a clean-room gate can allow-list them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.model import Finding, Severity
from petgov.scanners.interface import Entry, ScanContext, ScanResult, TargetScanner
from petgov.scanners.options import PiiOptions

ENGINE = "pii"
NER_NOTE = (
    "no NLP model: names, locations and organisations are found only from column names and "
    "value shapes (low confidence); pass --nlp-model PATH (a local spaCy model folder) for NER"
)
_SEVERITY = {
    "US_SSN": Severity.MEDIUM,
    "CREDIT_CARD": Severity.MEDIUM,
    "IBAN_CODE": Severity.MEDIUM,
    "US_BANK_NUMBER": Severity.MEDIUM,
    "US_PASSPORT": Severity.MEDIUM,
    "US_DRIVER_LICENSE": Severity.MEDIUM,
    "US_ITIN": Severity.MEDIUM,
    "UK_NHS": Severity.MEDIUM,
    "MEDICAL_LICENSE": Severity.MEDIUM,
    "URL": Severity.INFO,
    "DATE_TIME": Severity.INFO,
    "MAC_ADDRESS": Severity.INFO,
}
TEXT_FORMATS = frozenset({F.TEXT})
KEEP_BYTES = 64 << 20  # decoded batches up to this size are kept for the text-mode pass


class PiiScanner(TargetScanner):
    """Finds personal data in datasets (CSV/TSV/JSONL/JSON/Parquet/Arrow/text, gzip members)."""

    name: ClassVar[str] = ENGINE
    kinds: ClassVar[frozenset[str]] = frozenset({"pii.column", "pii.text"})
    version: ClassVar[str] = "1"

    def engine_version(self) -> str:
        from petgov.util.distversion import version

        return f"{self.version} (presidio-analyzer {version('presidio-analyzer')})"

    @staticmethod
    def wanted(entry: Entry) -> bool:
        """Datasets only, not the configs, signatures and tokenizers that sit next to models."""
        from petgov.pii.datasets import is_dataset

        return is_dataset(entry)

    def scan_target(self, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        # Members of a model container (a PyTorch zip's `version`, `byteorder`) are not datasets.
        models = {e.item.path for e in ctx.entries if e.item.format in F.MODEL_ARCHIVES}
        entries = [e for e in ctx.entries if self.wanted(e) and e.item.parent not in models]
        if not entries:
            return out
        opts = ctx.options.pii
        from petgov.errors import PetgovError
        from petgov.pii.engine import get_engine

        try:
            engine = get_engine(str(opts.nlp_model) if opts.nlp_model else None)
        except PetgovError:
            raise
        entities: set[str] = set()
        for entry in entries:
            try:
                found = _scan_entry(entry, engine, opts, out)
            except Exception as exc:  # one bad dataset never hides the others
                out.not_scanned(
                    entry.item.path,
                    ENGINE,
                    f"engine error: {type(exc).__name__}: {exc}"[:300],
                    error=True,
                )
                continue
            entities |= found
        model = engine.model
        out.facts.setdefault("", {}).update(
            {
                "pii.target_entities": sorted(entities),
                "pii.datasets": len(entries),
                "pii.nlp_model": {"path": model.path, "sha256": model.sha256, "name": model.name}
                if model
                else None,
                "pii.ner": "spacy" if model else NER_NOTE,
            }
        )
        return out


def _scan_entry(entry: Entry, engine: Any, opts: PiiOptions, out: ScanResult) -> set[str]:
    from petgov.pii.column import name_words
    from petgov.pii.core import column_verdicts, finalize_sample, plan_fields, sample_batches
    from petgov.pii.readers import NotDataset, RaggedRows, ReadError, iter_batches

    path = entry.item.path
    fmt = entry.item.format
    ragged = RaggedRows()
    try:
        kept = _KeptBatches(iter_batches(entry.source, fmt, ragged))
        sample = finalize_sample(sample_batches(kept, opts.sample_rows, opts.seed))
    except NotDataset:
        return set()
    except ReadError as exc:
        out.not_scanned(path, ENGINE, str(exc), error=True)
        return set()
    is_text = is_text_dataset(fmt, sample)
    plan = plan_fields(sample, is_text=is_text, exhaustive=opts.exhaustive)
    verdicts = column_verdicts(
        sample, plan, engine, max_values=opts.max_values, min_rate=opts.min_rate, seed=opts.seed
    )
    texts: dict[str, Any] = {}
    try:
        for name in plan.text_fields:
            context = name_words(name) if not is_text else []
            texts[name] = _text_scan(entry, fmt, name, engine, opts, context, kept.batches)
    except ReadError as exc:
        record_findings(path, sample, verdicts, texts, is_text, out)
        out.not_scanned(path, ENGINE, str(exc), error=True)
        return {v.entity for v in verdicts} | {e for t in texts.values() for e in t.tallies}
    return record_dataset(path, sample, plan, verdicts, texts, is_text, ragged.count, out)


def is_text_dataset(fmt: str, sample: Any) -> bool:
    """Lines of a text file, or the strings of a JSON document: no column names to go by."""
    from petgov.pii.readers import TEXT_COLUMN

    return fmt in TEXT_FORMATS or (list(sample.columns) == [TEXT_COLUMN] and fmt == F.JSON)


def record_findings(
    path: str,
    sample: Any,
    verdicts: list[Any],
    texts: dict[str, Any],
    is_text: bool,
    out: ScanResult,
) -> dict[str, dict[str, float]]:
    """One finding per column verdict and per text-field entity; returns the rate per column."""
    columns: dict[str, dict[str, float]] = {}
    for v in verdicts:
        columns.setdefault(v.column, {})[v.entity] = round(v.rate, 3)
        out.findings.append(_column_finding(path, v, sample.sampled_rows, sample.rows))
    for name, scan in texts.items():
        for entity, tally in scan.tallies.items():
            columns.setdefault(name, {})[entity] = round(tally.cells / max(scan.cells, 1), 4)
            out.findings.append(_text_finding(path, name, entity, tally, scan, is_text))
    return columns


def record_dataset(
    path: str,
    sample: Any,
    plan: Any,
    verdicts: list[Any],
    texts: dict[str, Any],
    is_text: bool,
    malformed: int,
    out: ScanResult,
) -> set[str]:
    """Findings, coverage and facts of one dataset, whichever engine computed its partials."""
    columns = record_findings(path, sample, verdicts, texts, is_text, out)
    entities = {e for found in columns.values() for e in found}
    mode = plan.mode
    reason = (
        f"{mode} mode: {sample.rows} rows"
        + (f", sampled {sample.sampled_rows} of {sample.rows} rows" if mode == "column" else "")
        + (f"; {malformed} malformed rows skipped" if malformed else "")
    )
    out.scanned(path, ENGINE, reason)
    out.facts.setdefault(path, {}).update(
        {
            "pii.mode": mode,
            "pii.rows": sample.rows,
            "pii.sampled_rows": sample.sampled_rows if mode == "column" else sample.rows,
            "pii.entities": sorted(entities),
            "pii.columns": columns,
            "pii.skipped_columns": plan.skipped,
            "pii.malformed_rows": malformed,
        }
    )
    return entities


class _KeptBatches:
    """Passes batches through and keeps them while they total under KEEP_BYTES, so a small
    dataset's text-mode pass reuses the sample pass's read instead of parsing the file again."""

    def __init__(self, batches: Iterator[Any]) -> None:
        self._source = batches
        self.batches: list[Any] | None = []
        self._bytes = 0

    def __iter__(self) -> Iterator[Any]:
        for batch in self._source:
            if self.batches is not None:
                self._bytes += batch.nbytes
                if self._bytes > KEEP_BYTES:
                    self.batches = None
                else:
                    self.batches.append(batch)
            yield batch


def _text_scan(
    entry: Entry,
    fmt: str,
    name: str,
    engine: Any,
    opts: PiiOptions,
    context: list[str],
    kept: list[Any] | None = None,
) -> Any:
    from petgov.pii.readers import iter_batches, to_text
    from petgov.pii.text import scan_cells

    def cells() -> Iterator[str]:
        for batch in kept if kept is not None else iter_batches(entry.source, fmt):
            if name not in batch.schema.names:
                continue
            for value in batch.column(name).to_pylist():
                if value is not None:
                    yield to_text(value)

    return scan_cells(
        cells(),
        engine.entities(),
        context=context,
        nlp_model=str(opts.nlp_model) if opts.nlp_model else None,
        workers=opts.workers,
        prefilter=not engine.has_ner,
    )


def _column_finding(path: str, v: Any, sampled: int, rows: int) -> Finding:
    where = "free-text column" if v.free_text else "column"
    return finding(
        "pii.column",
        path,
        f"{where} '{v.column}': {v.entity} in {v.hits} of {v.distinct} distinct sampled "
        f"values ({v.rate:.0%}); sampled {sampled} of {rows} rows",
        engine=ENGINE,
        location={"column": v.column},
        evidence={"examples_redacted": list(v.examples), "recognizer": v.recognizer},
        severity=_SEVERITY.get(v.entity, Severity.LOW),
        confidence=v.confidence,
        facts={
            "entity": v.entity,
            "rate": round(v.rate, 4),
            "hits": v.hits,
            "distinct_sampled": v.distinct,
            "sampled_rows": sampled,
            "rows": rows,
            "score": round(v.score, 3),
            "recognizer": v.recognizer,
        },
    )


def _text_finding(
    path: str, field: str, entity: str, tally: Any, scan: Any, is_text: bool
) -> Finding:
    from petgov.pii.core import top_recognizer

    where = "lines" if is_text else f"column '{field}'"
    recognizer = top_recognizer(tally.recognizers)
    return finding(
        "pii.text",
        path,
        f"{entity}: {tally.occurrences} occurrence(s) in {tally.cells} of {scan.cells} "
        f"{'lines' if is_text else 'cells of ' + where} (every cell scanned)",
        engine=ENGINE,
        location={} if is_text else {"column": field},
        evidence={"examples_redacted": list(tally.examples), "recognizer": recognizer},
        severity=_SEVERITY.get(entity, Severity.LOW),
        confidence="high" if tally.max_score >= 0.85 else "medium",
        facts={
            "entity": entity,
            "rate": round(tally.cells / max(scan.cells, 1), 6),
            "cells": tally.cells,
            "occurrences": tally.occurrences,
            "sample_size": scan.cells,
            "distinct_cells": scan.distinct,
            "candidate_cells": scan.candidates,
            "recognizer": recognizer,
        },
    )
