"""`petgov scan`: run the pipeline over targets and print or write the report."""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from petgov.exitcodes import ExitCode
from petgov.inventory.hashing import DigestMode
from petgov.model import RunMode, Severity
from petgov.reporters.formats import OutputFormat
from petgov.scanners.options import PiiEngineName
from petgov.util.sizes import parse_size

if TYPE_CHECKING:
    from petgov.scanners.result_cache import ScanCache
    from petgov.targets.archive import ArchiveLimits


def register(app: typer.Typer) -> None:
    """Attach the scan command."""
    app.command("scan")(scan)


def scan(
    targets: list[str] = typer.Argument(..., help="Files, folders, archives or hf://org/repo@rev."),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here."),
    fail_on: Severity | None = typer.Option(
        None,
        "--fail-on",
        case_sensitive=False,
        help="Lowest severity that fails a gate (default: policy, else high).",
    ),
    policy: Path | None = typer.Option(
        None, "--policy", help="Policy file (petgov.toml form); default petgov.toml/pyproject.toml."
    ),
    waivers: Path | None = typer.Option(
        None, "--waivers", help="Waivers file; default .petgov/waivers.yaml when present."
    ),
    mode: RunMode = typer.Option(
        RunMode.ENFORCE,
        "--mode",
        help="enforce (rules act as written) or advisory (every rule only warns).",
    ),
    scanner: list[str] = typer.Option(
        [],
        "--scanner",
        metavar="<name>",
        help="Run only these scanners (repeatable: pickle, pii, ...; a wrong name lists all).",
    ),
    cross_check: bool = typer.Option(
        False, "--cross-check", help="Also run modelscan on files petgov covers itself."
    ),
    digests: DigestMode = typer.Option(
        DigestMode.TOP,
        "--digests",
        help="sha256 for: top (files, structured members; raw tensor members are covered by "
        "their file's digest), all, or none.",
    ),
    nlp_model: Path | None = typer.Option(
        None, "--nlp-model", help="Local spaCy model folder for PII names/locations (no download)."
    ),
    exhaustive: bool = typer.Option(
        False, "--exhaustive", help="PII: scan every cell (text mode) instead of sampling columns."
    ),
    engine: PiiEngineName = typer.Option(
        PiiEngineName.LOCAL,
        "--engine",
        help="PII: local (this process) or spark (Apache Spark reads and counts the datasets).",
    ),
    spark_master: str | None = typer.Option(
        None,
        "--spark-master",
        help="PII with --engine spark: the master URL (default: the active session, $MASTER "
        "or local[*]).",
    ),
    include_waived: bool = typer.Option(
        False, "--sarif-include-waived", help="SARIF: keep waived results as suppressions."
    ),
    verify_key: Path | None = typer.Option(
        None, "--verify-key", help="Provenance: trust signatures made with this public key."
    ),
    verify_cert_chain: list[Path] = typer.Option(
        [],
        "--verify-cert-chain",
        metavar="<path>",
        help="Provenance: trust signatures chaining to these CAs (PEM; repeatable).",
    ),
    verify_identity: str | None = typer.Option(
        None, "--verify-identity", help="Provenance: trusted Sigstore signer identity."
    ),
    verify_issuer: str | None = typer.Option(
        None, "--verify-issuer", help="Provenance: OIDC issuer of --verify-identity."
    ),
    trust_root: Path | None = typer.Option(
        None, "--trust-root", help="Provenance: trusted_root.json (never fetched online)."
    ),
    deps_environment: bool = typer.Option(
        False,
        "--deps-environment",
        help="Dependencies: also list the running Python environment's installed "
        "distributions and match them against the OSV store.",
    ),
    osv_db: Path | None = typer.Option(
        None, "--osv-db", help="Dependencies: OSV store made by petgov db import (default cache)."
    ),
    lock: Path | None = typer.Option(
        None,
        "--lock",
        help="hf:// targets: verify the cache against this lock (default: ./petgov.lock).",
    ),
    progress: bool = typer.Option(
        True, "--progress/--no-progress", help="Show a progress bar on stderr for long scans."
    ),
    max_depth: int | None = typer.Option(
        None, "--max-depth", min=0, help="Archives nested deeper are a gate finding (default 4)."
    ),
    max_members: int | None = typer.Option(
        None, "--max-members", min=1, help="Members read per archive (default 10000)."
    ),
    max_bytes: str | None = typer.Option(
        None,
        "--max-bytes",
        help="Largest archive member decompressed, e.g. 512M or 8G (default 4G).",
    ),
    timeout: float | None = typer.Option(
        None,
        "--timeout",
        min=0.001,
        help="Seconds the pickle analysis of one item may take; past it the item is a gate "
        "finding (default: bounded by 10M opcodes).",
    ),
    baseline: Path | None = typer.Option(
        None,
        "--baseline",
        help="JSON report of an earlier scan: findings it has are reported as existing and "
        "never gate; only new ones do.",
    ),
    compliance: str | None = typer.Option(
        None,
        "--compliance",
        metavar="<owasp-ml|owasp-llm|atlas|nist-ai-rmf|nist-ai-600-1|eu-ai-act>",
        help="Print a per-control view of this framework instead of the report (-f json too).",
    ),
    color: str = typer.Option(
        "auto",
        "--color",
        metavar="<auto|always|never>",
        help="Colour the table: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it).",
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Table: only the summary line; no progress bar."
    ),
    severity: str | None = typer.Option(
        None,
        "--severity",
        metavar="<info|low|medium|high|critical>",
        help="Show only findings at or above this severity (blocking ones always; the exit "
        "code still follows --fail-on).",
    ),
    exclude: list[str] = typer.Option(
        [],
        "--exclude",
        metavar="<glob>",
        help="Leave out matching paths in folders (repeatable; 'dir/' for a folder; also read "
        "from .petgovignore in the current folder and the target).",
    ),
    default_skips: bool = typer.Option(
        True,
        "--default-skips/--no-default-skips",
        help="Skip .git .hg .svn __pycache__ .venv node_modules (listed in the report).",
    ),
    fail_on_empty: bool = typer.Option(
        False, "--fail-on-empty", help="Exit 2 when a target has no files to scan."
    ),
    cache: bool = typer.Option(
        True,
        "--cache/--no-cache",
        help="Reuse per-file results of unchanged content (see petgov cache info).",
    ),
    offline: bool = typer.Option(
        False,
        "--offline",
        help="No network: hf:// from the local hub cache only (docs/targets.md).",
    ),
) -> int:
    """Scan models, datasets and code; print a report; exit 1 when a gate fails."""
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
    if engine is PiiEngineName.SPARK:
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
    from petgov.provenance.hublock import find_lock, read_lock

    if explicit is None and not any(t.startswith("hf://") for t in targets):
        return None
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
