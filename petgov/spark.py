"""Spark tables, DataFrames and Hadoop URIs through the same PII verdicts, policy and reporters.

``scan_dataframe`` is the notebook API; ``scan`` is what ``petgov scan`` runs when a target
names a Spark table (``spark-table://[catalog.]schema.table[@version]``) or, with
``--engine spark``, a Hadoop URI (``s3a://``, ``abfss://``, ``gs://``, ``hdfs://``,
``file://``) that Spark's reader opens itself (petgov lists nothing). Either way the findings
come from ``scanners.pii_findings`` and pass through ``pipeline.scan``'s policy, so a table's
verdict reads and gates like a file's. ``findings_frame`` turns a report into a DataFrame,
one row per column and entity, to join with the catalog.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from petgov import filetypes as F
from petgov.errors import UsageError
from petgov.model import Report, ScanResult
from petgov.pipeline import Claim, Progress, ScanOptions
from petgov.pipeline import scan as pipeline_scan
from petgov.scanners.options import PiiOptions

TABLE_SCHEME = "spark-table://"
# What Hadoop's file systems read when the cluster is configured for them; s3:// and gs://
# without --engine spark stay petgov's own object-store targets (read by range).
HADOOP_SCHEMES = ("s3a://", "abfss://", "abfs://", "wasbs://", "gs://", "hdfs://", "file://")
_SPARK_ONLY = ("s3a://", "abfss://", "abfs://", "wasbs://", "hdfs://", "file://")
_NAME = re.compile(r"^[A-Za-z_][\w$-]*(\.[A-Za-z_][\w$-]*){0,2}$")
_SUFFIXES = {
    ".csv": F.CSV,
    ".tsv": F.TSV,
    ".parquet": F.PARQUET,
    ".jsonl": F.JSONL,
    ".ndjson": F.JSONL,
    ".txt": F.TEXT,
}
# A time-travel version means a different thing per table format.
_VERSION_OPTION = {"delta": "versionAsOf", "iceberg": "snapshot-id"}


@dataclass(frozen=True)
class TableRef:
    """``[catalog.]schema.table`` and the optional ``@version`` of a spark-table:// target."""

    name: str
    version: str | None = None


def parse_table(target: str) -> TableRef:
    """``spark-table://db.t@3`` -> TableRef("db.t", "3"); anything else is a usage error."""
    body = target[len(TABLE_SCHEME) :] if target.startswith(TABLE_SCHEME) else target
    name, at, version = body.partition("@")
    if not _NAME.match(name):
        raise UsageError(
            f"{target}: not a table name",
            hint="spark-table://[catalog.]schema.table[@version], e.g. spark-table://sales.orders",
        )
    if at and not version.isdigit():
        raise UsageError(
            f"{target}: @{version} is not a version number",
            hint="a Delta table version or an Iceberg snapshot id (digits)",
        )
    return TableRef(name, version or None)


def wants_spark(target: str, engine_spark: bool) -> bool:
    """Whether Spark (not petgov's inventory) reads ``target``."""
    return target.startswith(TABLE_SCHEME) or (engine_spark and target.startswith(HADOOP_SCHEMES))


def check_targets(targets: Sequence[str], engine_spark: bool) -> bool:
    """Whether any target needs Spark; a Hadoop URI without ``--engine spark`` is exit 2."""
    for target in targets:
        if not engine_spark and target.startswith(_SPARK_ONLY):
            raise UsageError(
                f"{target}: only Spark reads {target.split(':')[0]}:// URIs",
                hint="add --engine spark (the cluster's Hadoop configuration supplies access)",
            )
        if target.startswith(TABLE_SCHEME):
            parse_table(target)
    return any(wants_spark(t, engine_spark) for t in targets)


def scan(
    targets: Sequence[str], options: ScanOptions | None = None, progress: Progress | None = None
) -> Report:
    """``pipeline.scan`` with Spark tables and Hadoop URIs read by Spark."""
    options = options or ScanOptions()
    return pipeline_scan(targets, options, progress, claim=_claim(options.scanner_options.pii))


def scan_dataframe(
    df: Any, options: ScanOptions | None = None, *, name: str = "dataframe"
) -> Report:
    """A DataFrame's PII verdicts as a Report: the same findings, policy and gate as a file's.

    Rows are sampled by a seeded hash of their content (a DataFrame has no row order).
    """
    options = dataclasses.replace(options or ScanOptions(), scanners=["pii"])
    result = frame_result(df, name, options.scanner_options.pii)
    return pipeline_scan([name], options, claim=lambda t: result if t == name else None)


def _claim(opts: PiiOptions) -> Claim:
    engine_spark = opts.engine == "spark"

    def claim(target: str) -> ScanResult | None:
        if not wants_spark(target, engine_spark):
            return None
        from petgov.pii.spark import session

        spark = session(opts.spark_master)
        if target.startswith(TABLE_SCHEME):
            return frame_result(read_table(spark, parse_table(target)), target, opts)
        return uri_result(spark, target, opts)

    return claim


def read_table(spark: Any, ref: TableRef) -> Any:
    """The table (at ``ref.version``) as a DataFrame; missing or unversioned is exit 2."""
    from petgov.pii.spark import one_line

    try:
        reader = spark.read
        if ref.version is not None:
            provider = _provider(spark, ref.name)
            option = _VERSION_OPTION.get(provider)
            if option is None:
                raise UsageError(
                    f"spark-table://{ref.name}@{ref.version}: a {provider or 'view'} table has "
                    "no versions",
                    hint="@version is time travel in Delta and Iceberg tables; drop it",
                )
            reader = reader.option(option, ref.version)
        return reader.table(ref.name)
    except UsageError:
        raise
    except Exception as exc:
        raise UsageError(f"spark-table://{ref.name}: {one_line(exc)}") from None


def _provider(spark: Any, name: str) -> str:
    """delta, iceberg, hive, parquet... as the catalog says (DESCRIBE TABLE EXTENDED)."""
    rows = spark.sql(f"DESCRIBE TABLE EXTENDED {name}").collect()
    for row in rows:
        if str(row[0]).strip().lower() == "provider":
            return str(row[1]).strip().lower()
    return ""


def frame_result(df: Any, name: str, opts: PiiOptions) -> ScanResult:
    """One DataFrame's findings, coverage and facts, as the PII scanner records a dataset."""
    from petgov.pii.engine import get_engine
    from petgov.pii.spark import scan_frame
    from petgov.scanners.pii_findings import record_dataset, record_target, spark_settings

    engine = get_engine(str(opts.nlp_model) if opts.nlp_model else None)
    res = scan_frame(df, spark_settings(opts), engine)
    out = ScanResult()
    entities = record_dataset(
        name, res.sample, res.plan, res.verdicts, res.texts, res.is_text, 0, out, opts.min_rate
    )
    record_target(out, entities, 1, engine)
    return out


def uri_result(spark: Any, uri: str, opts: PiiOptions) -> ScanResult:
    """A Hadoop URI read by Spark itself: a file by its suffix, a folder as Parquet."""
    from petgov.pii.engine import get_engine
    from petgov.pii.readers import ReadError
    from petgov.pii.spark import scan_file
    from petgov.scanners.pii_findings import ENGINE, record_dataset, record_target, spark_settings

    engine = get_engine(str(opts.nlp_model) if opts.nlp_model else None)
    out = ScanResult()
    try:
        res = scan_file(spark, uri, uri_format(uri), spark_settings(opts), engine)
    except ReadError as exc:
        out.not_scanned(uri, ENGINE, str(exc), error=True)
        record_target(out, set(), 1, engine)
        return out
    entities = record_dataset(
        uri, res.sample, res.plan, res.verdicts, res.texts, res.is_text, 0, out, opts.min_rate
    )
    record_target(out, entities, 1, engine)
    return out


def uri_format(uri: str) -> str:
    """The format a URI names by its suffix (``.gz`` allowed); no suffix: a Parquet folder."""
    path = uri.split("?", 1)[0].rstrip("/")
    base = path.rsplit("/", 1)[-1].lower().removesuffix(".gz")
    for suffix, fmt in _SUFFIXES.items():
        if base.endswith(suffix):
            return fmt
    if "." in base:
        raise UsageError(
            f"{uri}: --engine spark reads {', '.join(_SUFFIXES)} files or Parquet folders",
            hint="name a file with one of these suffixes, or a folder of Parquet files",
        )
    return F.PARQUET


# -- the result DataFrame ------------------------------------------------------------------

FRAME_COLUMNS = (
    ("target", "string"),
    ("table", "string"),
    ("column", "string"),
    ("entity", "string"),
    ("mode", "string"),
    ("confidence", "string"),
    ("score", "double"),
    ("rate", "double"),
    ("sampled", "long"),
    ("total", "long"),
    ("severity", "string"),
    ("action", "string"),
    ("rule_id", "string"),
)


def findings_rows(report: Report) -> list[tuple[Any, ...]]:
    """One row per PII finding (a column and an entity), in FRAME_COLUMNS order.

    ``table`` is the catalog name of a spark-table:// target (no scheme, no version), so the
    rows join with ``information_schema`` or ``SHOW TABLES``; for other targets it is the path.
    """
    from petgov.scanners.pii_findings import ENGINE

    rows = []
    for d in report.decisions:
        f = d.finding
        if f.engine != ENGINE:
            continue
        facts = f.facts
        column = f.location.get("column")
        text = f.kind == "pii.text"
        sampled = facts.get("sample_size") if text else facts.get("sampled_rows")
        total = facts.get("sample_size") if text else facts.get("rows")
        score = facts.get("score")
        rows.append(
            (
                f.path,
                table_of(f.path),
                None if column is None else str(column),
                str(facts.get("entity")),
                "text" if text else "column",
                f.confidence,
                None if score is None else float(str(score)),
                float(str(facts.get("rate", 0.0))),
                None if sampled is None else int(str(sampled)),
                None if total is None else int(str(total)),
                d.severity.value,
                d.action.value,
                d.rule_id,
            )
        )
    return sorted(rows, key=lambda r: (r[0], r[2] or "", r[3]))


def table_of(target: str) -> str:
    """``spark-table://db.t@3`` -> ``db.t``; any other target as it is."""
    if target.startswith(TABLE_SCHEME):
        return target[len(TABLE_SCHEME) :].partition("@")[0]
    return target


def findings_frame(report: Report, spark: Any = None) -> Any:
    """The report's PII findings as a Spark DataFrame (FRAME_COLUMNS), one row per column
    and entity, on ``spark`` or the active session."""
    from pyspark.sql import SparkSession

    spark = spark or SparkSession.getActiveSession()
    if spark is None:
        raise UsageError("findings_frame needs a SparkSession", hint="pass spark=...")
    schema = ", ".join(f"`{name}` {typ}" for name, typ in FRAME_COLUMNS)
    return spark.createDataFrame(findings_rows(report), schema)
