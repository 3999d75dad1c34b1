"""PII on Apache Spark: the core's partials computed in executors, merged on the driver.

Column mode keys each row by its index in its file (two passes: row counts per file split,
then the per-partition reservoir of smallest keys), so the sample, "sampled n of N" and the
verdicts equal the single-machine scan's for the same seed. Text mode counts distinct cells
with a ``groupBy`` in the JVM, then analyses each distinct cell once in ``mapInArrow`` with the
offline engine that each Python worker builds once (``get_engine`` is cached per process; a
spaCy pipeline is never broadcast and a model is never downloaded). Tables and DataFrames have
no row order, so their rows are keyed by a seeded hash of their content instead.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov import filetypes as F
from petgov.errors import UsageError
from petgov.pii.column import ColumnVerdict, Sample, name_words
from petgov.pii.core import (
    FieldPlan,
    SamplePartial,
    column_verdicts,
    finalize_sample,
    merge_samples,
    plan_fields,
    sample_partial,
)
from petgov.pii.readers import TEXT_COLUMN, ReadError, to_text
from petgov.pii.text import Tally, TextScan, merge_text, text_partial

SPARK_FORMATS = frozenset({F.CSV, F.TSV, F.PARQUET, F.JSONL, F.TEXT})
_BLOCK = "__petgov_block"
_FILE = "__petgov_file"
_KEY = "__petgov_key"
_ROW = "__petgov_row"
# Spark reads an empty CSV field as null unless nullValue is something no file holds; the
# local reader keeps it as an empty cell (it counts in text mode), so this one must too.
_NO_NULL = "\u0000petgov-no-null\u0000"
_LOG_CONFIG = Path(__file__).resolve().parent.parent / "data" / "spark" / "log4j2.properties"
INSTALL_HINT = "pip install 'petgov[spark]'"
TASKS_PER_CORE = 2  # text-mode analysis tasks per core: even load without per-task cost


@dataclass(frozen=True)
class SparkSettings:
    """What a scan asks of the engine: sample size, seed, NER model, mode."""

    sample_rows: int = 1000
    max_values: int = 100
    min_rate: float = 0.3
    seed: int = 0
    exhaustive: bool = False
    nlp_model: str | None = None
    countries: tuple[str, ...] | None = None  # national ids checked; None: every country


@dataclass
class DatasetResult:
    """One dataset's finalized counts: what the scanner turns into findings and facts."""

    sample: Sample
    plan: FieldPlan
    verdicts: list[ColumnVerdict]
    texts: dict[str, TextScan] = field(default_factory=dict)
    is_text: bool = False
    workers: dict[int, WorkerStats] = field(default_factory=dict)  # text mode, by worker pid


@dataclass
class WorkerStats:
    """What one Python worker did in text mode: tasks run, engines built, and the CPU seconds
    of its whole process (imports and engine build included) when its last task ended.

    One engine per worker whatever its task count shows the engine is built once per worker
    (``spark.python.worker.reuse``), not once per task.
    """

    tasks: int = 0
    engines_built: int = 0
    cpu_seconds: float = 0.0


def java_home_or_none() -> str | None:
    """The Java runtime Spark will start, or None when there is none to start."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = Path(home) / "bin" / "java"
        return str(java) if os.access(java, os.X_OK) else None
    return shutil.which("java")


def check_runtime(java: bool = True) -> None:
    """pyspark importable and (unless a session is active) a Java runtime to start: else a
    usage error with the fix, never a gateway traceback."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(
            "--engine spark needs pyspark, which is not installed", hint=INSTALL_HINT
        ) from None
    if java and SparkSession.getActiveSession() is None and java_home_or_none() is None:
        raise UsageError(
            "--engine spark needs a Java runtime: no java on PATH"
            + (
                f" and none in JAVA_HOME={os.environ['JAVA_HOME']}"
                if "JAVA_HOME" in os.environ
                else ""
            ),
            hint="install one (Debian: apt-get install default-jre-headless) or set JAVA_HOME",
        )


def session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """The active SparkSession (spark-submit, a notebook), or a new one on ``master``
    (``conf``: settings a new session starts with, such as ``spark.sql.warehouse.dir``)."""
    check_runtime(java=False)
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    check_runtime()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("petgov")
    # spark-submit starts the JVM itself (PYSPARK_GATEWAY_PORT) with its own --master
    if master or not (os.environ.get("MASTER") or os.environ.get("PYSPARK_GATEWAY_PORT")):
        builder = builder.master(master or "local[*]")
    builder = (
        builder.config("spark.ui.showConsoleProgress", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.python.worker.reuse", "true")  # the engine is built once per worker
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={_LOG_CONFIG}")
    )
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    import warnings

    warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support pandas")
    try:
        return builder.getOrCreate()
    except Exception as exc:
        raise UsageError(
            f"cannot start Spark: {one_line(exc)}", hint="check --spark-master and JAVA_HOME"
        ) from None


def one_line(exc: BaseException) -> str:
    """A Spark/Py4J error as one line: the first line of its message, no JVM stack."""
    text = str(getattr(exc, "desc", None) or exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first[:300]


def read_file(spark: Any, uri: str, fmt: str) -> Any:
    """One dataset file as a DataFrame, parsed the way petgov's own readers parse it."""
    # basePath = the file's folder: a hive-style folder name (country=DE) is not a column here,
    # as it is not for the local reader
    reader = spark.read.option("basePath", uri.rsplit("/", 1)[0] or uri)
    if fmt in (F.CSV, F.TSV):
        df = reader.options(
            header=True,
            multiLine=True,  # quoted newlines, as the local reader allows them
            sep="\t" if fmt == F.TSV else ",",
            quote='"',
            escape='"',  # RFC 4180 doubled quotes
            nullValue=_NO_NULL,
            emptyValue="",
            inferSchema=False,
            enforceSchema=False,
        ).csv(uri)
    elif fmt == F.PARQUET:
        df = reader.parquet(uri)
    elif fmt == F.JSONL:
        df = reader.json(uri)
    elif fmt == F.TEXT:
        df = reader.text(uri).withColumnRenamed("value", TEXT_COLUMN)
    else:
        raise ValueError(f"not a Spark format: {fmt}")
    return df


def scan_file(spark: Any, uri: str, fmt: str, settings: SparkSettings, engine: Any) -> Any:
    """Read, sample, classify and text-scan one file; damaged data raises ``ReadError``."""
    try:
        df = read_file(spark, uri, fmt)
        # a folder URI holds several files: a row's index counts the files before it (by path)
        split = [
            df["_metadata.file_path"].alias(_FILE),
            df["_metadata.file_block_start"].alias(_BLOCK),
        ]
        blocks = df.select(*split).groupBy(_FILE, _BLOCK).count().collect()
        counts = {(str(r[0]), int(r[1])): int(r[2]) for r in blocks}
        offsets: dict[tuple[str, int], int] = {}
        total = 0
        for start in sorted(counts):
            offsets[start] = total
            total += counts[start]
        keyed = df.select("*", *split)
        partial = _collect_sample(keyed, _sample_by_index(settings, offsets))
        is_text = fmt == F.TEXT
        return _finish(df, partial, settings, engine, is_text=is_text)
    except ReadError:
        raise
    except Exception as exc:
        if type(exc).__name__ in ("KeyboardInterrupt", "SystemExit"):
            raise
        raise ReadError(f"Spark cannot read {fmt}: {one_line(exc)}") from None


def scan_frame(df: Any, settings: SparkSettings, engine: Any) -> DatasetResult:
    """A table or DataFrame: rows keyed by a seeded hash of their content (no row order)."""
    from pyspark.sql import functions as sf
    from pyspark.sql.types import MapType

    hashable = [
        sf.col(f"`{f.name}`") for f in df.schema.fields if not isinstance(f.dataType, MapType)
    ]
    key = sf.xxhash64(sf.lit(f"petgov-seed-{settings.seed}"), *hashable)
    keyed = df.select("*", key.alias(_KEY), sf.monotonically_increasing_id().alias(_ROW))
    partial = _collect_sample(keyed, _sample_by_content(settings))
    return _finish(df, partial, settings, engine, is_text=False)


def _finish(
    df: Any, partial: SamplePartial, settings: SparkSettings, engine: Any, *, is_text: bool
) -> DatasetResult:
    sample = finalize_sample(partial)
    plan = plan_fields(sample, is_text=is_text, exhaustive=settings.exhaustive)
    verdicts = column_verdicts(
        sample,
        plan,
        engine,
        max_values=settings.max_values,
        min_rate=settings.min_rate,
        seed=settings.seed,
        countries=settings.countries,
    )
    workers: dict[int, WorkerStats] = {}
    texts = _text_scans(
        df, plan.text_fields, settings, workers, is_text=is_text, has_ner=engine.has_ner
    )
    return DatasetResult(sample, plan, verdicts, texts, is_text, workers)


# -- column mode -------------------------------------------------------------------------


def _collect_sample(keyed: Any, fn: Any) -> SamplePartial:
    rows = keyed.mapInArrow(fn, "partial string").collect()
    total: SamplePartial | None = None
    for row in rows:
        part = _sample_from_json(row[0])
        total = part if total is None else merge_samples(total, part)
    if total is None:  # no partition held a row: the schema still says what the columns are
        total = SamplePartial(k=0)
    return total


def _sample_by_index(settings: SparkSettings, offsets: Mapping[tuple[str, int], int]) -> Any:
    k, seed = settings.sample_rows, settings.seed

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        seen: Counter[tuple[str, int]] = Counter()
        total = SamplePartial(k=k)
        for batch in batches:
            block = list(
                zip(batch.column(_FILE).to_pylist(), batch.column(_BLOCK).to_pylist(), strict=True)
            )
            data = batch.drop_columns([_FILE, _BLOCK])
            start = 0
            while start < len(block):  # a partition can hold several splits of the file
                end = start
                while end < len(block) and block[end] == block[start]:
                    end += 1
                first = offsets[block[start]] + seen[block[start]]
                piece = data.slice(start, end - start)
                part = sample_partial(piece, first, k, seed, below=total.threshold)
                total = merge_samples(total, part)
                seen[block[start]] += end - start
                start = end
            if not total.schema:
                total.schema = _schema(data)
        yield pa.record_batch({"partial": [_sample_to_json(total)]})

    return run


def _sample_by_content(settings: SparkSettings) -> Any:
    k, seed = settings.sample_rows, settings.seed

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import numpy as np
        import pyarrow as pa

        total = SamplePartial(k=k)
        for batch in batches:
            keys = np.asarray(batch.column(_KEY).to_numpy(zero_copy_only=False)).astype(np.uint64)
            rows = batch.column(_ROW).to_pylist()
            data = batch.drop_columns([_KEY, _ROW])
            part = sample_partial(data, 0, k, seed, below=total.threshold, keys=keys)
            part.picks = sorted((key, rows[r], v) for key, r, v in part.picks)
            total = merge_samples(total, part)
            if not total.schema:
                total.schema = _schema(data)
        yield pa.record_batch({"partial": [_sample_to_json(total)]})

    return run


def _schema(batch: Any) -> tuple[tuple[str, str, bool], ...]:
    from petgov.pii.core import schema_of

    return schema_of(batch)


def _sample_to_json(p: SamplePartial) -> str:
    return json.dumps({"k": p.k, "rows": p.rows, "schema": p.schema, "picks": p.picks})


def _sample_from_json(text: str) -> SamplePartial:
    doc = json.loads(text)
    return SamplePartial(
        k=int(doc["k"]),
        rows=int(doc["rows"]),
        schema=tuple((str(n), str(t), bool(x)) for n, t, x in doc["schema"]),
        picks=[(int(key), int(row), tuple(values)) for key, row, values in doc["picks"]],
    )


# -- text mode ---------------------------------------------------------------------------


def _text_scans(
    df: Any,
    fields: Sequence[str],
    settings: SparkSettings,
    workers: dict[int, WorkerStats],
    *,
    is_text: bool,
    has_ner: bool,
) -> dict[str, TextScan]:
    if not fields:
        return {}
    from pyspark.sql import functions as sf

    cells = sf.array(
        *[
            sf.struct(sf.lit(name).alias("f"), sf.col(f"`{name}`").cast("string").alias("v"))
            for name in fields
        ]
    )
    pairs = df.select(sf.explode(cells).alias("c")).select("c.f", "c.v").where("v IS NOT NULL")
    # Analysis is the costly part: spread the distinct cells over every core by hash (adaptive
    # execution would otherwise coalesce a small input's groups into one task).
    parts = max(2, df.sparkSession.sparkContext.defaultParallelism * TASKS_PER_CORE)
    counted = pairs.groupBy("f", "v").count().repartition(parts, "f", "v")
    contexts = {name: ([] if is_text else name_words(name)) for name in fields}
    fn = _analyze_distinct(contexts, settings.nlp_model, not has_ner, settings.countries)
    out: dict[str, TextScan] = {name: TextScan() for name in fields}
    schema = "f string, partial string, pid long, built long, cpu double"
    for name, doc, pid, built, cpu in counted.mapInArrow(fn, schema).collect():
        if name is not None:
            out[name] = merge_text(out[name], _text_from_json(doc))
            continue
        stats = workers.setdefault(int(pid), WorkerStats())  # one row per task: its cost
        stats.tasks += 1
        stats.engines_built += int(built)
        stats.cpu_seconds = max(stats.cpu_seconds, float(cpu))  # the process's total so far
    return out


def _analyze_distinct(
    contexts: Mapping[str, list[str]],
    nlp_model: str | None,
    prefilter: bool,
    countries: Sequence[str] | None = None,
) -> Any:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import os
        import time

        import pyarrow as pa

        from petgov.pii.engine import get_engine
        from petgov.pii.national_ids import enabled

        misses = get_engine.cache_info().misses
        engine = get_engine(nlp_model)  # once per Python worker process
        ids = dict.fromkeys(spec.entity for spec in enabled(countries))
        built = get_engine.cache_info().misses - misses
        totals: dict[str, TextScan] = {}
        for batch in batches:
            by_field: dict[str, dict[str, int]] = {}
            for f, v, n in zip(
                batch.column("f").to_pylist(),
                batch.column("v").to_pylist(),
                batch.column("count").to_pylist(),
                strict=True,
            ):
                by_field.setdefault(f, {})[to_text(v)] = int(n)
            for f, counts in by_field.items():
                part = text_partial(
                    counts,
                    engine.entities(ids),  # the local scan's list
                    context=contexts[f],
                    nlp_model=nlp_model,
                    prefilter=prefilter,
                )
                totals[f] = merge_text(totals.get(f, TextScan()), part)
        names: list[str | None] = [*totals, None]  # the last row: this worker's cost
        docs: list[str | None] = [_text_to_json(totals[n]) for n in totals] + [None]
        n = len(names)
        yield pa.record_batch(
            [
                pa.array(names, pa.string()),
                pa.array(docs, pa.string()),
                pa.array([os.getpid()] * n, pa.int64()),
                pa.array([built] * n, pa.int64()),
                pa.array([time.process_time()] * n, pa.float64()),  # imports included
            ],
            names=["f", "partial", "pid", "built", "cpu"],
        )

    return run


def _text_to_json(t: TextScan) -> str:
    return json.dumps(
        {
            "cells": t.cells,
            "distinct": t.distinct,
            "candidates": t.candidates,
            "tallies": {
                e: [x.cells, x.occurrences, x.max_score, dict(x.recognizers), x.examples]
                for e, x in t.tallies.items()
            },
        }
    )


def _text_from_json(text: str) -> TextScan:
    doc = json.loads(text)
    out = TextScan(cells=doc["cells"], distinct=doc["distinct"], candidates=doc["candidates"])
    for entity, (cells, occ, score, recognizers, examples) in doc["tallies"].items():
        out.tallies[entity] = Tally(cells, occ, float(score), Counter(recognizers), list(examples))
    return out
