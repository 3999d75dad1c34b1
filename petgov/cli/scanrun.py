"""`petgov scan`'s work without typer: the typer command (cli/scan.py) and the fast argv path
(cli/fastscan.py) both call ``run`` with every option given, so both behave the same."""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from petgov.exitcodes import ExitCode
from petgov.inventory.hashing import DigestMode
from petgov.model import RunMode, Severity
from petgov.reporters.formats import OutputFormat
from petgov.scanners.options import PiiEngineName
from petgov.util.sizes import parse_size

if TYPE_CHECKING:
    from petgov.scanners.result_cache import ScanCache
    from petgov.targets.archive import ArchiveLimits


def run(
    *,
    targets: list[str],
    fmt: OutputFormat,
    output: Path | None,
    fail_on: Severity | None,
    policy: Path | None,
    waivers: Path | None,
    mode: RunMode,
    scanner: list[str],
    cross_check: bool,
    digests: DigestMode,
    nlp_model: Path | None,
    exhaustive: bool,
    engine: PiiEngineName,
    spark_master: str | None,
    include_waived: bool,
    verify_key: Path | None,
    verify_cert_chain: list[Path],
    verify_identity: str | None,
    verify_issuer: str | None,
    trust_root: Path | None,
    deps_environment: bool,
    osv_db: Path | None,
    lock: Path | None,
    progress: bool,
    max_depth: int | None,
    max_members: int | None,
    max_bytes: str | None,
    timeout: float | None,
    baseline: Path | None,
    compliance: str | None,
    color: str,
    quiet: bool,
    severity: str | None,
    exclude: list[str],
    default_skips: bool,
    fail_on_empty: bool,
    cache: bool,
    offline: bool,
) -> int:
    """Scan ``targets`` with the options of ``petgov scan``; print or write the report; the
    exit code (1 when a gate fails)."""
    from petgov.cli.output import emit, stdout_is_terminal
    from petgov.errors import UsageError
    from petgov.pipeline import ScanOptions
    from petgov.pipeline import scan as run_scan
    from petgov.policy.evaluate import PolicyOptions

    if osv_db is not None:
        from petgov.deps.osv import check_store

        check_store(osv_db)
    if nlp_model is not None:
        from petgov.pii.engine import check_model_folder

        check_model_folder(nlp_model)
    from petgov.spark import check_targets

    on_spark = check_targets(targets, engine is PiiEngineName.SPARK)  # s3a:// alone: exit 2
    if engine is PiiEngineName.SPARK or on_spark:
        from petgov.pii.spark import check_runtime

        check_runtime()  # no pyspark or no Java is exit 2 before the scan, not error coverage
    lock_file = checked_lock(lock, targets)
    baseline_doc = None
    if baseline is not None:
        from petgov.policy.baseline import read_report

        baseline_doc = read_report(baseline)  # a bad baseline is exit 2 before the scan
    if compliance is not None:
        from petgov.compliance.view import framework

        framework(compliance)  # a wrong name is exit 2 before the scan, not after it
    from petgov.provenance.interface import TrustMaterial

    conf = configured_limits(policy)
    from petgov.pii.settings import load as pii_settings
    from petgov.scanners.options import (
        DependencyOptions,
        PickleOptions,
        PiiOptions,
        ProvenanceOptions,
        ScannerOptions,
        ShadowOptions,
    )

    trust = TrustMaterial(
        key=verify_key,
        cert_chain=tuple(verify_cert_chain),
        identity=verify_identity,
        issuer=verify_issuer,
        trust_root=trust_root,
    )
    trust.check(VERIFY_FLAGS)
    options = ScanOptions(
        policy=PolicyOptions(
            mode=mode,
            fail_on=fail_on,
            policy_file=policy,
            waivers_file=waivers,
        ),
        scanners=scanner or None,
        limits=archive_limits(
            _given(max_depth, conf.max_depth),
            _given(max_members, conf.max_members),
            _given(max_bytes, conf.max_bytes),
        ),
        cross_check=cross_check,
        digests=digests,
        scanner_options=ScannerOptions(
            provenance=ProvenanceOptions(trust=trust, lock=lock_file),
            pii=PiiOptions(
                nlp_model=nlp_model,
                exhaustive=exhaustive,
                engine=engine.value,
                spark_master=spark_master,
                countries=pii_settings(policy).countries,
            ),
            dependencies=DependencyOptions(environment=deps_environment, osv_db=osv_db),
            pickle=PickleOptions(timeout=_given(timeout, conf.timeout)),
            shadow=ShadowOptions(sanctioned=policy),
        ),
        cache=scan_cache() if cache else None,
    )
    from petgov.cli.display import (
        empty_targets,
        resolve_color,
        severity_filtered,
        table_width,
    )
    from petgov.targets.filters import IGNORE_FILE, build_filter

    shown_from = Severity.parse(severity) if severity else None
    use_color = resolve_color(color, to_terminal=output is None and stdout_is_terminal())
    options = dataclasses.replace(
        options,
        path_filter=build_filter(
            exclude, default_skips=default_skips, ignore_files=[Path(IGNORE_FILE)]
        ),
    )
    from petgov.targets.remote.consent import offline_mode

    with _Progress(enabled=progress and not quiet) as bar, offline_mode(offline):
        if on_spark:  # spark-table:// and Hadoop URIs: read by Spark, judged by the pipeline
            from petgov.spark import scan as spark_scan

            report = spark_scan(targets, options, progress=bar.update)
        else:
            report = run_scan(targets, options, progress=bar.update)
    if baseline_doc is not None:
        from petgov.policy.baseline import apply_baseline

        report = apply_baseline(report, baseline_doc)
    if compliance is not None:
        from petgov.compliance.view import render
        from petgov.policy.packs import builtin_pack_dir, load_pack

        in_force = {r.id: r.compliance for r in load_pack(builtin_pack_dir()).rules}
        emit(render(report, compliance, in_force, as_json=fmt is OutputFormat.JSON), output)
        return ExitCode.GATE_FAILED if report.gate_failed else ExitCode.OK
    empty = empty_targets(report)
    if empty and fail_on_empty:
        raise UsageError(
            f"{empty[0]}: no files to scan", hint="check the path (--fail-on-empty is set)"
        )
    for target in empty:
        warning_line(f"{target}: no files to scan")
    shown = severity_filtered(report, shown_from)
    if fmt is OutputFormat.TABLE:
        from petgov.reporters.table import TableReporter, summary_line

        width = table_width(to_terminal=output is None and stdout_is_terminal())
        text = (
            summary_line(shown) + "\n"
            if quiet
            else TableReporter(color=use_color, width=width).render(shown)
        )
    else:
        text = fmt.reporter(color=use_color, include_waived=include_waived).render(shown)
    emit(text, output)
    if output is not None and not quiet:
        from petgov.reporters.table import summary_line

        sys.stderr.write(f"{summary_line(report)} -> {output}\n")
    return ExitCode.GATE_FAILED if report.gate_failed else ExitCode.OK


def scan_cache() -> ScanCache:
    """The per-user scan results cache (``$PETGOV_CACHE_DIR``/scan)."""
    from petgov.scanners.result_cache import SUBDIR, ScanCache
    from petgov.util.cachedir import cache_root

    return ScanCache(cache_root() / SUBDIR)


@dataclasses.dataclass(frozen=True)
class LimitSettings:
    """The ``[limits]`` table of petgov.toml: defaults for the limit flags, which win over it."""

    max_depth: int | None = None
    max_members: int | None = None
    max_bytes: str | None = None
    timeout: float | None = None


_T = TypeVar("_T")


def _given(flag: _T | None, setting: _T | None) -> _T | None:
    return setting if flag is None else flag


def configured_limits(policy: Path | None) -> LimitSettings:
    """``[limits]`` of the config file (``--policy``, else discovered); a bad value is exit 2."""
    from petgov import config
    from petgov.errors import ConfigError

    found = config.read(policy) if policy is not None else config.discover()
    raw = found.section("limits") if found is not None else None
    if raw is None or found is None:
        return LimitSettings()
    where = f"{found.path} [limits]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    known = [f.name for f in dataclasses.fields(LimitSettings)]
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigError(
            f"{where}: unknown settings {', '.join(unknown)}", hint=f"known: {', '.join(known)}"
        )
    for key, minimum in (("max_depth", 0), ("max_members", 1)):
        value = raw.get(key)
        if value is not None and (type(value) is not int or value < minimum):
            raise ConfigError(f"{where}: {key} must be an integer >= {minimum}")
    timeout = raw.get("timeout")
    if timeout is not None and (type(timeout) not in (int, float) or timeout <= 0):
        raise ConfigError(f"{where}: timeout must be a number of seconds > 0")
    size = raw.get("max_bytes")
    if size is not None:
        parse_size(str(size), f"{where} max_bytes")
    return LimitSettings(
        max_depth=raw.get("max_depth"),
        max_members=raw.get("max_members"),
        max_bytes=None if size is None else str(size),
        timeout=None if timeout is None else float(timeout),
    )


def archive_limits(depth: int | None, members: int | None, size: str | None) -> ArchiveLimits:
    """The archive walk's limits: the defaults, with what the flags raise or lower."""
    from petgov.targets.archive import ArchiveLimits

    base = ArchiveLimits()
    limits = dataclasses.replace(
        base,
        max_depth=base.max_depth if depth is None else depth,
        max_members=base.max_members if members is None else members,
    )
    if size is None:
        return limits
    n = parse_size(size)
    return dataclasses.replace(
        limits, max_member_bytes=n, max_total_bytes=max(base.max_total_bytes, n), max_inline_bytes=n
    )


def warning_line(message: str) -> None:
    """One yellow warning line on stderr."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold yellow]warning:[/] {escape(message)}"
    )


VERIFY_FLAGS = {
    "key": "--verify-key",
    "cert_chain": "--verify-cert-chain",
    "identity": "--verify-identity",
    "issuer": "--verify-issuer",
    "trust_root": "--trust-root",
}


def checked_lock(explicit: Path | None, targets: list[str]) -> Path | None:
    """The lock to use (``--lock``, else ./petgov.lock for hf:// targets), read once so a bad
    one is exit 2; a stray ./petgov.lock never breaks a scan of local files."""
    if explicit is None and not any(t.startswith("hf://") for t in targets):
        return None
    from petgov.provenance.hublock import find_lock, read_lock

    path = find_lock(explicit)
    if path is not None:
        read_lock(path)
    return path


def _label(stage: str, width: int = 40) -> str:
    """The phase shown left of the bar, its tail kept when long (the file name matters)."""
    return stage if len(stage) <= width else "…" + stage[-(width - 1) :]


class _Progress:
    """A rich progress bar on stderr that appears only after about a second of work."""

    def __init__(self, *, enabled: bool) -> None:
        import sys

        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.monotonic()
        self.bar: object | None = None
        self.task: object | None = None

    def __enter__(self) -> _Progress:
        return self

    def update(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.start < 1.0:
                return
            from rich.console import Console
            from rich.progress import Progress

            bar = Progress(console=Console(stderr=True), transient=True)
            bar.start()
            self.bar = bar
            self.task = bar.add_task(_label(stage), total=total)
        from rich.progress import Progress, TaskID

        assert isinstance(self.bar, Progress)
        task = TaskID(int(self.task))  # type: ignore[call-overload]
        self.bar.update(task, completed=done, total=total, description=_label(stage))

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            from rich.progress import Progress

            assert isinstance(self.bar, Progress)
            self.bar.stop()
