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


def read_table(path: Path, fmt: str) -> Any:
    """The whole dataset as a pyarrow table (redaction rewrites every row)."""
    import pyarrow as pa

    from petgov.pii.readers import iter_batches
    from petgov.targets.interface import FileSource

    batches = list(iter_batches(FileSource(path), fmt))
    if not batches:
        raise UsageError(f"{path}: no rows to redact")
    table = pa.Table.from_batches(batches)
    if fmt in (F.CSV, F.TSV):  # read as bytes (no type guessing); written back as text
        table = pa.table(
            {
                n: [
                    None if v is None else v.decode("utf-8", "replace")
                    for v in table.column(n).to_pylist()
                ]
                for n in table.column_names
            }
        )
    return table


def write_table(table: Any, fmt: str, out: Path) -> None:
    """Write ``table`` as ``fmt`` to a temp file beside ``out``, then rename it over ``out``."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    fd, tmp = tempfile.mkstemp(prefix=".petgov-redact-", dir=out.parent)
    os.close(fd)
    try:
        if fmt in (F.CSV, F.TSV):
            opts = pacsv.WriteOptions(
                delimiter="\t" if fmt == F.TSV else ",", quoting_style="needed"
            )
            pacsv.write_csv(table, tmp, write_options=opts)
        elif fmt == F.PARQUET:
            pq.write_table(table, tmp)
        else:
            with open(tmp, "w", encoding="utf-8") as fh:
                for row in table.to_pylist():
                    fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def redact_table(
    table: Any,
    engine: Any,
    settings: RedactSettings,
    *,
    countries: tuple[str, ...] | None = None,
    seed: int = 0,
) -> tuple[Any, RedactSummary]:
    """The table with every column's personal data rewritten, and what changed."""
    import pyarrow as pa

    from petgov.pii.column import Column, classify
    from petgov.pii.national_ids import enabled

    summary = RedactSummary(rows=table.num_rows)
    columns: dict[str, Any] = {}
    id_entities = list(dict.fromkeys(s.entity for s in enabled(countries)))
    for name in table.column_names:
        raw = table.column(name)
        values = raw.to_pylist()
        texts = [None if v is None else v if isinstance(v, str) else str(v) for v in values]
        col = Column(
            name=name, arrow_type=str(raw.type), values=[t for t in texts if t is not None]
        )
        if col.free_text:
            columns[name] = _free_text(name, texts, engine, settings, id_entities, summary)
            continue
        verdicts = classify(col, engine, seed=seed, countries=countries)
        if not verdicts:
            columns[name] = raw
            continue
        entities = [v.entity for v in verdicts]
        method = method_for(settings, name, entities)
        change = ColumnChange(name, entities, method)
        summary.changes.append(change)
        if method == "drop":
            summary.dropped.append(name)
            change.cells = sum(t is not None for t in texts)
            continue
        if method == "keep":
            columns[name] = raw
            continue
        rewrite = cell_rewriter(method, settings)
        new = []
        for t in texts:
            if t is None or not t.strip():
                new.append(t)
                continue
            new.append(rewrite(entities[0], t))
            change.cells += 1
        columns[name] = pa.array(new, type=pa.string())
    return pa.table(columns), summary


def _free_text(
    name: str,
    texts: list[str | None],
    engine: Any,
    settings: RedactSettings,
    id_entities: list[str],
    summary: RedactSummary,
) -> Any:
    import pyarrow as pa

    from petgov.pii.column import name_words

    entities = engine.entities(id_entities)
    present = [t for t in texts if t]
    hits = engine.analyze_values(present, entities, name_words(name))
    found: Counter[str] = Counter()
    by_value = dict(zip(present, hits, strict=True))
    new = []
    changed = 0
    made: dict[str, Callable[[str, str], str | None]] = {}

    def rewrite(entity: str, value: str) -> str | None:
        method = method_for(settings, name, [entity])
        if method not in made:
            made[method] = cell_rewriter(method, settings)
        return made[method](entity, value)

    for t in texts:
        spans = by_value.get(t, []) if t else []
        kept = [h for h in spans if method_for(settings, name, [h.entity]) != "keep"]
        if not kept:
            new.append(t)
            continue
        found.update(h.entity for h in kept)
        new.append(rewrite_text(t or "", kept, rewrite))
        changed += 1
    if found:
        method = method_for(settings, name, sorted(found))
        summary.changes.append(
            ColumnChange(name, sorted(found), f"{method} (spans in free text)", changed)
        )
    return pa.array(new, type=pa.string())


def remaining(table: Any, engine: Any, settings: Any) -> list[str]:
    """``column: ENTITY`` left in a redacted table, except what was kept or faked on purpose."""
    from petgov.pii.column import Column, classify

    left: list[str] = []
    for name in table.column_names:
        values = [str(v) for v in table.column(name).to_pylist() if v is not None]
        col = Column(name=name, arrow_type=str(table.column(name).type), values=values)
        if col.free_text:
            continue  # spans were rewritten in place; the column name is not a verdict
        left.extend(
            f"{name}: {v.entity}"
            for v in classify(col, engine, countries=settings.countries)
            if method_for(settings.redact, name, [v.entity]) not in ("keep", "fake")
        )
    return left
