"""``petgov redact``: rewrite a dataset without the personal data the scanner finds.

The same decisions as ``petgov scan`` pick what to change: a structured column with a verdict
is rewritten cell by cell (whole cells), a free-text column span by span (presidio-anonymizer
replaces each span the engine finds). Methods: ``mask`` (every letter and digit becomes
``*``), ``fake`` (a made-up value of the same type, faker), ``hash`` (HMAC-SHA256 under a key
from the environment, so the same value maps to the same token and cannot be reversed
without the key), ``drop`` (the column is removed; in free text the span is deleted) and
``keep``. The output has the input's format and is written to a temp file, then renamed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov import filetypes as F
from petgov.errors import UsageError
from petgov.pii.settings import RedactSettings

SUFFIXES = {
    ".csv": F.CSV,
    ".tsv": F.TSV,
    ".jsonl": F.JSONL,
    ".ndjson": F.JSONL,
    ".parquet": F.PARQUET,
}


def format_of(path: Path) -> str:
    """The dataset format ``petgov redact`` reads and writes, by suffix."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(
            f"{path}: petgov redact reads CSV, TSV, JSONL and Parquet files",
            hint="name the file with its format's suffix (.csv, .tsv, .jsonl, .parquet)",
        )
    return fmt


@dataclass
class ColumnChange:
    """What happened to one column."""

    column: str
    entities: list[str]
    method: str
    cells: int = 0


@dataclass
class RedactSummary:
    """The report of one redaction: per column, which entities, which method, how many cells."""

    rows: int = 0
    changes: list[ColumnChange] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.rows} rows"]
        for c in self.changes:
            what = "dropped" if c.method == "drop" and c.column in self.dropped else c.method
            out.append(f"  {c.column}: {', '.join(c.entities)} -> {what} ({c.cells} cells)")
        if not self.changes:
            out.append("  no personal data found; the output equals the input's data")
        return out


def method_for(settings: RedactSettings, column: str, entities: list[str]) -> str:
    """A column's own setting wins, then the first entity's, then the default."""
    if column in settings.columns:
        return settings.columns[column]
    for entity in entities:
        if entity in settings.entities:
            return settings.entities[entity]
    return settings.default


def _key(settings: RedactSettings) -> bytes:
    key = os.environ.get(settings.key_env, "")
    if not key:
        raise UsageError(
            f"hash redaction needs a key: set the environment variable {settings.key_env}",
            hint="a keyed hash cannot be reversed by hashing guesses without the key",
        )
    return key.encode()


def mask(value: str) -> str:
    """Letters and digits become '*'; separators stay (the shape, never the value)."""
    return re.sub(r"[^\W_]", "*", value)


def keyed_hash(key: bytes, value: str) -> str:
    return "h:" + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:16]


_FAKES: dict[str, str] = {
    "PERSON": "name",
    "LOCATION": "address",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone_number",
    "IP_ADDRESS": "ipv4",
    "IBAN_CODE": "iban",
    "CREDIT_CARD": "credit_card_number",
    "US_SSN": "ssn",
    "DATE_TIME": "date",
    "URL": "url",
    "ORGANIZATION": "company",
    "MAC_ADDRESS": "mac_address",
}


class Faker:
    """Same-type fake values, seeded by the value so a value always gets the same fake."""

    def __init__(self) -> None:
        from faker import Faker as _Faker

        self._fake = _Faker("en_US")

    def __call__(self, entity: str, value: str) -> str:
        self._fake.seed_instance(int.from_bytes(hashlib.sha256(value.encode()).digest()[:8]))
        method = _FAKES.get(entity)
        if method is None:  # ids of countries faker has no provider for: same shape, new digits
            rng = random.Random(value)
            return re.sub(r"\d", lambda _: str(rng.randrange(10)), mask_letters(value, rng))
        return str(getattr(self._fake, method)()).replace("\n", ", ")


def mask_letters(value: str, rng: random.Random) -> str:
    return re.sub(r"[A-Za-z]", lambda m: rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ"), value)


def cell_rewriter(method: str, settings: RedactSettings) -> Callable[[str, str], str | None]:
    """``(entity, value) -> new value`` for one method (None: the value is removed)."""
    if method == "mask":
        return lambda _e, v: mask(v)
    if method == "hash":
        key = _key(settings)
        return lambda _e, v: keyed_hash(key, v)
    if method == "fake":
        fake = Faker()
        return lambda e, v: fake(e, v)
    if method == "drop":
        return lambda _e, _v: None
    return lambda _e, v: v


def rewrite_text(value: str, hits: list[Any], rewrite: Callable[[str, str], str | None]) -> str:
    """Replace each span with presidio-anonymizer (custom operator per entity)."""
    if not hits:
        return value
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results = [RecognizerResult(h.entity, h.start, h.end, h.score) for h in hits]
    operators = {
        h.entity: OperatorConfig("custom", {"lambda": lambda v, e=h.entity: rewrite(e, v) or ""})
        for h in hits
    }
    engine = AnonymizerEngine()  # type: ignore[no-untyped-call]
    out: str = engine.anonymize(value, results, operators).text
    return out


@dataclass
class ColumnPlan:
    """What happens to one column: its entities, its method, and free text or whole cells."""

    name: str
    entities: list[str]
    method: str
    free_text: bool = False


@dataclass
class RedactPlan:
    """Decisions taken from the scan's seeded sample, applied to every batch of the file."""

    rows: int
    columns: dict[str, ColumnPlan]
    id_entities: list[str]


def plan(
    path: Path,
    fmt: str,
    engine: Any,
    settings: RedactSettings,
    *,
    countries: tuple[str, ...] | None = None,
    seed: int = 0,
    sample_rows: int = 1000,
) -> RedactPlan:
    """Which columns to rewrite and how: the column verdicts ``petgov scan`` gives the same
    file (one streamed pass, a seeded sample), so memory does not grow with the file."""
    from petgov.pii.column import classify
    from petgov.pii.core import finalize_sample, sample_batches
    from petgov.pii.national_ids import enabled
    from petgov.pii.readers import iter_batches
    from petgov.targets.interface import FileSource

    sample = finalize_sample(sample_batches(iter_batches(FileSource(path), fmt), sample_rows, seed))
    if sample.rows == 0:
        raise UsageError(f"{path}: no rows to redact")
    columns: dict[str, ColumnPlan] = {}
    for name, col in sample.columns.items():
        if col.skip_reason:  # numbers, booleans, timestamps: never rewritten
            continue
        if col.free_text:
            columns[name] = ColumnPlan(name, [], settings.default, free_text=True)
            continue
        verdicts = classify(col, engine, seed=seed, countries=countries)
        if verdicts:
            entities = [v.entity for v in verdicts]
            columns[name] = ColumnPlan(name, entities, method_for(settings, name, entities))
    for column in columns.values():
        if column.method == "hash" and not column.free_text:
            _key(settings)  # no key: stop before anything is written
    return RedactPlan(
        sample.rows, columns, list(dict.fromkeys(s.entity for s in enabled(countries)))
    )


class BatchRewriter:
    """Applies a plan to one record batch at a time and counts what changed."""

    def __init__(self, plan: RedactPlan, engine: Any, settings: RedactSettings) -> None:
        self.plan = plan
        self.engine = engine
        self.settings = settings
        self.summary = RedactSummary(rows=plan.rows)
        self._changes: dict[str, ColumnChange] = {}
        self._made: dict[str, Callable[[str, str], str | None]] = {}
        self._free_found: dict[str, Counter[str]] = {}
        for column in plan.columns.values():
            if column.free_text:
                continue
            change = ColumnChange(column.name, column.entities, column.method)
            self._changes[column.name] = change
            self.summary.changes.append(change)
            if column.method == "drop":
                self.summary.dropped.append(column.name)

    def _rewriter(self, method: str) -> Callable[[str, str], str | None]:
        if method not in self._made:
            self._made[method] = cell_rewriter(method, self.settings)
        return self._made[method]

    def __call__(self, batch: Any, as_text: bool) -> Any:
        """The rewritten batch; ``as_text``: every column as strings (CSV/TSV)."""
        import pyarrow as pa

        from petgov.pii.readers import to_text

        names: list[str] = []
        arrays: list[Any] = []
        for i, name in enumerate(batch.schema.names):
            raw = batch.column(i)
            column = self.plan.columns.get(name)
            if column is not None and column.method == "drop" and not column.free_text:
                self._changes[name].cells += len(raw) - raw.null_count
                continue
            names.append(name)
            if column is None or (column.method == "keep" and not column.free_text):
                if as_text:  # CSV cells are read as bytes; written back as text
                    texts = [None if v is None else to_text(v) for v in raw.to_pylist()]
                    raw = pa.array(texts, type=pa.string())
                arrays.append(raw)
                continue
            texts = [None if v is None else to_text(v) for v in raw.to_pylist()]
            if column.free_text:
                arrays.append(pa.array(self._free_text(name, texts), type=pa.string()))
                continue
            rewrite = self._rewriter(column.method)
            change = self._changes[name]
            new: list[str | None] = []
            for t in texts:
                if t is None or not t.strip():
                    new.append(t)
                    continue
                new.append(rewrite(column.entities[0], t))
                change.cells += 1
            arrays.append(pa.array(new, type=pa.string()))
        return pa.record_batch(arrays, names=names)

    def _free_text(self, name: str, texts: list[str | None]) -> list[str | None]:
        from petgov.pii.column import name_words

        present = list(dict.fromkeys(t for t in texts if t))
        entities = self.engine.entities(self.plan.id_entities)
        hits = self.engine.analyze_values(present, entities, name_words(name))
        by_value = dict(zip(present, hits, strict=True))
        found = self._free_found.setdefault(name, Counter())
        changed = 0

        def rewrite(entity: str, value: str) -> str | None:
            return self._rewriter(method_for(self.settings, name, [entity]))(entity, value)

        new: list[str | None] = []
        for t in texts:
            spans = by_value.get(t, []) if t else []
            kept = [h for h in spans if method_for(self.settings, name, [h.entity]) != "keep"]
            if not kept:
                new.append(t)
                continue
            found.update(h.entity for h in kept)
            new.append(rewrite_text(t or "", kept, rewrite))
            changed += 1
        if changed:
            change = self._changes.get(name)
            if change is None:
                change = ColumnChange(name, [], "")
                self._changes[name] = change
                self.summary.changes.append(change)
            change.cells += changed
            change.entities = sorted(found)
            method = method_for(self.settings, name, change.entities)
            change.method = f"{method} (spans in free text)"
        return new


def redact_file(
    src: Path,
    fmt: str,
    out: Path,
    engine: Any,
    settings: RedactSettings,
    *,
    countries: tuple[str, ...] | None = None,
    seed: int = 0,
) -> RedactSummary:
    """Stream ``src`` batch by batch (CSV blocks, JSONL blocks, Parquet row groups) through
    the plan into a temp file beside ``out``, renamed over ``out`` when complete."""
    from petgov.pii.readers import iter_batches
    from petgov.targets.interface import FileSource

    decided = plan(src, fmt, engine, settings, countries=countries, seed=seed)
    rewriter = BatchRewriter(decided, engine, settings)
    as_text = fmt in (F.CSV, F.TSV)
    batches = (rewriter(b, as_text) for b in iter_batches(FileSource(src), fmt))
    write_batches(batches, fmt, out)
    return rewriter.summary


def write_batches(batches: Any, fmt: str, out: Path) -> None:
    """Write record batches as ``fmt`` to a temp file beside ``out``, then rename it."""
    fd, tmp = tempfile.mkstemp(prefix=".petgov-redact-", dir=out.parent)
    os.close(fd)
    try:
        _write(batches, fmt, tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(batches: Any, fmt: str, tmp: str) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    writer: Any = None
    try:
        if fmt == F.JSONL:
            with open(tmp, "w", encoding="utf-8") as fh:
                for batch in batches:
                    for row in batch.to_pylist():
                        fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            return
        for batch in batches:
            if writer is None and fmt in (F.CSV, F.TSV):
                opts = pacsv.WriteOptions(
                    delimiter="\t" if fmt == F.TSV else ",", quoting_style="needed"
                )
                writer = pacsv.CSVWriter(tmp, batch.schema, write_options=opts)
            elif writer is None:
                writer = pq.ParquetWriter(tmp, batch.schema)
            writer.write_batch(batch)
    finally:
        if writer is not None:
            writer.close()


def remaining(path: Path, fmt: str, engine: Any, settings: Any) -> list[str]:
    """``column: ENTITY`` left in a redacted file (the scan's sample and column verdicts),
    except what was kept or faked on purpose."""
    from petgov.pii.column import classify
    from petgov.pii.core import finalize_sample, sample_batches
    from petgov.pii.readers import iter_batches
    from petgov.targets.interface import FileSource

    sample = finalize_sample(sample_batches(iter_batches(FileSource(path), fmt), 1000, 0))
    left: list[str] = []
    for name, col in sample.columns.items():
        if col.skip_reason or col.free_text:
            continue  # spans were rewritten in place; the column name is not a verdict
        left.extend(
            f"{name}: {v.entity}"
            for v in classify(col, engine, countries=settings.countries)
            if method_for(settings.redact, name, [v.entity]) not in ("keep", "fake")
        )
    return left
