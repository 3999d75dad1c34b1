"""The PII scanner's findings, coverage and facts, whichever engine computed the counts.

Shared by the scanner (local or ``--engine spark`` files) and by ``petgov.spark`` (tables and
DataFrames), so a verdict reads the same wherever it was computed.
"""

from __future__ import annotations

from typing import Any

from petgov.catalog import finding
from petgov.model import Finding, ScanResult, Severity
from petgov.pii.country_gated import RECOGNIZERS as COUNTRY_GATED
from petgov.scanners.options import PiiOptions

ENGINE = "pii"
NER_NOTE = (
    "no NLP model: names and postal addresses are found from column names, a given-name/surname "
    "lexicon and address shapes (house number + street type, postcodes), organisations "
    "(ORGANIZATION) only in columns named like one (company, employer), never in free text; "
    "pass --nlp-model PATH (a local spaCy model folder) for NER"
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
    **dict.fromkeys(COUNTRY_GATED, Severity.MEDIUM),  # passports, licences, NINOs
}


def record_findings(
    path: str,
    sample: Any,
    verdicts: list[Any],
    texts: dict[str, Any],
    is_text: bool,
    out: ScanResult,
    *,
    structured: frozenset[str] = frozenset(),
    min_rate: float = 0.3,
) -> dict[str, dict[str, float]]:
    """One finding per column verdict and per text-field entity; returns the rate per column.

    ``structured``: text fields that also have a column verdict (``--exhaustive``); their
    cell hits add entities the column verdict lacks. Stray hits (``core.stray``) are reported
    with low confidence and left out of the returned rates (and so of ``pii.entities``).
    """
    from petgov.pii.core import stray
    from petgov.pii.national_ids import ENTITIES as ID_ENTITIES

    columns: dict[str, dict[str, float]] = {}
    counted: set[tuple[str, str]] = set()  # (field, entity) reported from every cell
    for name, scan in texts.items():
        own = {v.entity for v in verdicts if v.column == name} if name in structured else set()
        has_id = any(e in ID_ENTITIES for e in own)
        for entity, tally in scan.tallies.items():
            if has_id and entity in ID_ENTITIES and entity not in own:
                continue  # the column verdict already explains these cells
            weak = entity not in own and stray(
                entity, tally.cells, scan.cells, structured=name in structured, min_rate=min_rate
            )
            if not weak:
                columns.setdefault(name, {})[entity] = round(tally.cells / max(scan.cells, 1), 4)
                counted.add((name, entity))
            out.findings.append(_text_finding(path, name, entity, tally, scan, is_text, weak))
    for v in verdicts:
        if (v.column, v.entity) in counted:
            continue  # every cell was counted; the sample's verdict adds nothing
        columns.setdefault(v.column, {})[v.entity] = round(v.rate, 3)
        out.findings.append(_column_finding(path, v, sample.sampled_rows, sample.rows))
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
    min_rate: float = 0.3,
) -> set[str]:
    """Findings, coverage and facts of one dataset, whichever engine computed its partials."""
    columns = record_findings(
        path,
        sample,
        verdicts,
        texts,
        is_text,
        out,
        structured=frozenset(plan.columns) & frozenset(plan.text_fields),
        min_rate=min_rate,
    )
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


def record_target(out: ScanResult, entities: set[str], datasets: int, engine: Any) -> None:
    """The target-wide facts: every entity found, how many datasets, which NER (if any)."""
    model = engine.model
    out.facts.setdefault("", {}).update(
        {
            "pii.target_entities": sorted(entities),
            "pii.datasets": datasets,
            "pii.nlp_model": {"path": model.path, "sha256": model.sha256, "name": model.name}
            if model
            else None,
            "pii.ner": "spacy" if model else NER_NOTE,
        }
    )


def spark_settings(opts: PiiOptions) -> Any:
    """The scanner's options as the Spark adapter takes them (``pii.spark.SparkSettings``)."""
    from petgov.pii.spark import SparkSettings

    return SparkSettings(
        sample_rows=opts.sample_rows,
        max_values=opts.max_values,
        min_rate=opts.min_rate,
        seed=opts.seed,
        exhaustive=opts.exhaustive,
        nlp_model=str(opts.nlp_model) if opts.nlp_model else None,
        countries=opts.countries,
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
    path: str,
    field: str,
    entity: str,
    tally: Any,
    scan: Any,
    is_text: bool,
    stray: bool = False,
) -> Finding:
    from petgov.pii.core import top_recognizer

    where = "lines" if is_text else f"column '{field}'"
    recognizer = top_recognizer(tally.recognizers)
    note = "; stray hits, not counted in pii.entities" if stray else ""
    return finding(
        "pii.text",
        path,
        f"{entity}: {tally.occurrences} occurrence(s) in {tally.cells} of {scan.cells} "
        f"{'lines' if is_text else 'cells of ' + where} (every cell scanned{note})",
        engine=ENGINE,
        location={} if is_text else {"column": field},
        evidence={"examples_redacted": list(tally.examples), "recognizer": recognizer},
        severity=Severity.INFO if stray else _SEVERITY.get(entity, Severity.LOW),
        confidence="low" if stray else "high" if tally.max_score >= 0.85 else "medium",
        facts={
            "entity": entity,
            "stray": stray,
            "rate": round(tally.cells / max(scan.cells, 1), 6),
            "cells": tally.cells,
            "occurrences": tally.occurrences,
            "sample_size": scan.cells,
            "distinct_cells": scan.distinct,
            "candidate_cells": scan.candidates,
            "recognizer": recognizer,
        },
    )
