"""Dataset PII scanner: offline presidio, column-sampled by default, text mode when asked.

Tabular files get a seeded row sample and a per-column verdict (entity, hit rate, "sampled n
of N rows"); free-text columns and text files get text mode over every cell. Findings carry
redacted shapes only. The entities found go into facts so a clean-room gate can allow-list them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from petgov import filetypes as F
from petgov.scanners.interface import Entry, ScanContext, ScanResult, TargetScanner
from petgov.scanners.options import PiiOptions
from petgov.scanners.pii_findings import (
    ENGINE,
    record_dataset,
    record_findings,
    record_target,
    spark_settings,
)

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

    def fork_early(self, ctx: ScanContext) -> bool:
        """Local datasets, when presidio is not loaded here yet: importing it and analysing
        take a second core while the item scanners (secrets over the same CSV) run here.
        Spark keeps its session in this process; remote sources hold locks a fork would copy."""
        import sys

        if ctx.options.pii.engine == "spark" or "presidio_analyzer" in sys.modules:
            return False
        entries = self._datasets(ctx)
        return bool(entries) and all(e.source.local_path is not None for e in entries)

    def release(self) -> None:
        from petgov.pii.text import shutdown_pools

        shutdown_pools()

    def _datasets(self, ctx: ScanContext) -> list[Entry]:
        # Members of a model container (a PyTorch zip's `version`, `byteorder`) are not datasets.
        models = {e.item.path for e in ctx.entries if e.item.format in F.MODEL_ARCHIVES}
        return [e for e in ctx.entries if self.wanted(e) and e.item.parent not in models]

    def scan_target(self, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        entries = self._datasets(ctx)
        if not entries:
            return out
        opts = ctx.options.pii
        from petgov.errors import PetgovError
        from petgov.pii.engine import get_engine

        try:
            engine = get_engine(str(opts.nlp_model) if opts.nlp_model else None)
        except PetgovError:
            raise
        from petgov.pii.splits import group_splits

        units = group_splits(entries, ctx.entries)
        entities: set[str] = set()
        if opts.engine == "spark":  # a split of several shards is read locally, as one table
            spark_entries = [u.entries[0] for u in units if not u.sharded]
            entities |= _scan_on_spark(spark_entries, engine, opts, out)
            units_left = [u for u in units if u.sharded or not _on_spark(u.entries[0])]
        else:
            units_left = units
        datasets = len(units)
        for unit in units_left:
            try:
                found, datasets_in_unit = _scan_unit(unit, engine, opts, out)
                datasets += datasets_in_unit - 1
            except Exception as exc:  # one bad dataset never hides the others
                out.not_scanned(
                    unit.path,
                    ENGINE,
                    f"engine error: {type(exc).__name__}: {exc}"[:300],
                    error=True,
                )
                continue
            entities |= found
        record_target(out, entities, datasets, engine)
        return out


def _on_spark(entry: Entry) -> bool:
    """Files Spark reads itself: tabular and text files on disk (archive members stay local)."""
    from petgov.pii.spark import SPARK_FORMATS

    return (
        entry.item.format in SPARK_FORMATS
        and entry.source.local_path is not None
        and not entry.item.parent
    )


def _scan_on_spark(
    entries: list[Entry], engine: Any, opts: PiiOptions, out: ScanResult
) -> set[str]:
    """The same partials, merges and verdicts as ``_scan_entry``, computed by Spark."""
    from petgov.pii.readers import ReadError
    from petgov.pii.spark import scan_file, session

    todo = [e for e in entries if _on_spark(e)]
    if not todo:
        return set()
    spark = session(opts.spark_master)
    settings = spark_settings(opts)
    entities: set[str] = set()
    for entry in todo:
        path = entry.item.path
        # not as_uri(): Hadoop paths are not percent-decoded (a hive folder is "country=DE")
        uri = "file://" + str(Path(str(entry.source.local_path)).resolve())
        try:
            res = scan_file(spark, uri, entry.item.format, settings, engine)
        except ReadError as exc:
            out.not_scanned(path, ENGINE, str(exc), error=True)
            continue
        entities |= record_dataset(
            path, res.sample, res.plan, res.verdicts, res.texts, res.is_text, 0, out
        )
    return entities


def _scan_unit(unit: Any, engine: Any, opts: PiiOptions, out: ScanResult) -> tuple[set[str], int]:
    """One dataset: a file, or the shards of one split read in order as one table.

    Returns the entities found and how many datasets the unit turned out to be.
    """
    from petgov.pii.splits import ShardsDisagree

    if not unit.sharded:
        return _scan_entry(unit.entries[0], engine, opts, out), 1
    first = len(out.findings)
    try:
        found = _scan_entry(unit.entries[0], engine, opts, out, unit)
    except ShardsDisagree:  # not one table after all: each shard is its own dataset
        del out.findings[first:]
        out.facts.pop(unit.path, None)
        out.coverage[:] = [c for c in out.coverage if c.path != unit.path]
        found = set()
        for entry in unit.entries:
            found |= _scan_entry(entry, engine, opts, out)
        return found, len(unit.entries)
    _name_split(unit, out, first)
    return found, 1


def _name_split(unit: Any, out: ScanResult, first: int) -> None:
    """Findings of a sharded split say which split, and each shard is covered by it."""
    import dataclasses

    shards = [e.item.path for e in unit.entries]
    count = f"{len(shards)} shard" + ("s" if len(shards) > 1 else "")
    for i in range(first, len(out.findings)):
        f = out.findings[i]
        out.findings[i] = dataclasses.replace(
            f,
            message=f"split '{unit.split}' ({count}): {f.message}",
            facts={**f.facts, "split": unit.split, "shards": len(shards)},
        )
    facts = out.facts.get(unit.path)
    if facts is not None:
        facts.update({"pii.split": unit.split, "pii.shards": shards})
    for path in shards:
        out.scanned(path, ENGINE, f"shard of split '{unit.split}' ({unit.path})")


def _scan_entry(
    entry: Entry, engine: Any, opts: PiiOptions, out: ScanResult, unit: Any = None
) -> set[str]:
    """One file, or (``unit``) the shards of a split; the verdicts are keyed by ``path``."""
    from petgov.pii.column import name_words
    from petgov.pii.core import column_verdicts, finalize_sample, plan_fields, sample_batches
    from petgov.pii.readers import NotDataset, RaggedRows, ReadError, iter_batches
    from petgov.pii.splits import chained

    path = unit.path if unit is not None else entry.item.path
    fmt = entry.item.format
    ragged = RaggedRows()
    shards = unit.entries if unit is not None else (entry,)
    try:
        kept = _KeptBatches(chained(iter_batches(e.source, fmt, ragged) for e in shards))
        sample = finalize_sample(sample_batches(kept, opts.sample_rows, opts.seed))
    except NotDataset:
        return set()
    except ReadError as exc:
        out.not_scanned(path, ENGINE, str(exc), error=True)
        return set()
    is_text = is_text_dataset(fmt, sample)
    plan = plan_fields(sample, is_text=is_text, exhaustive=opts.exhaustive)
    verdicts = column_verdicts(
        sample,
        plan,
        engine,
        max_values=opts.max_values,
        min_rate=opts.min_rate,
        seed=opts.seed,
        countries=opts.countries,
    )
    texts: dict[str, Any] = {}
    try:
        for name in plan.text_fields:
            context = name_words(name) if not is_text else []
            texts[name] = _text_scan(shards, fmt, name, engine, opts, context, kept.batches)
    except ReadError as exc:
        record_findings(path, sample, verdicts, texts, is_text, out)
        out.not_scanned(path, ENGINE, str(exc), error=True)
        return {v.entity for v in verdicts} | {e for t in texts.values() for e in t.tallies}
    return record_dataset(
        path, sample, plan, verdicts, texts, is_text, ragged.count, out, opts.min_rate
    )


def is_text_dataset(fmt: str, sample: Any) -> bool:
    """Lines of a text file, or the strings of a JSON document: no column names to go by."""
    from petgov.pii.readers import TEXT_COLUMN

    return fmt in TEXT_FORMATS or (list(sample.columns) == [TEXT_COLUMN] and fmt == F.JSON)


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
    shards: Sequence[Entry],
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
        batches = (
            kept if kept is not None else (b for e in shards for b in iter_batches(e.source, fmt))
        )
        for batch in batches:
            if name not in batch.schema.names:
                continue
            for value in batch.column(name).to_pylist():
                if value is not None:
                    yield to_text(value)

    from petgov.pii.national_ids import enabled

    return scan_cells(
        cells(),
        engine.entities(dict.fromkeys(s.entity for s in enabled(opts.countries))),
        context=context,
        nlp_model=str(opts.nlp_model) if opts.nlp_model else None,
        workers=opts.workers,
        prefilter=not engine.has_ner,
    )
