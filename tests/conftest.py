"""Shared fixtures: the corpus location, the CLI runners, the report schema, and fakes that
subclass the stage interfaces so the pipeline can be tested without real engines or files."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
from hypothesis import settings

from petgov.model import Origin, ScanResult
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, TargetScanner
from petgov.targets.interface import BytesSource, RawEntry, ResolvedTarget, TargetResolver

REPO = Path(__file__).resolve().parent.parent

# Every property test in ``make test`` draws the same examples each run (tests/fuzzing.py's rule,
# for the suites that do not use its budget): a red CI run is reproducible, never a new draw.
# ``make fuzz`` (PETGOV_FUZZ_EXAMPLES set) explores new examples.
settings.register_profile(
    "petgov", derandomize="PETGOV_FUZZ_EXAMPLES" not in os.environ, database=None
)
settings.load_profile("petgov")
CORPUS = REPO.parent / "shared" / "corpus"
REPORT_SCHEMA = REPO / "docs" / "schema" / "report-v1.json"


# petgov's scan cache never reaches the user's real cache from tests, and each test starts with
# an empty one (a cached verdict must not leak from one test's monkeypatched engine to another).
_TEST_CACHES = Path(tempfile.mkdtemp(prefix="petgov-test-cache-"))
os.environ["PETGOV_CACHE_DIR"] = str(_TEST_CACHES / "session")
_TEST_NUMBER = itertools.count()


@pytest.fixture(autouse=True)
def _fresh_scan_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PETGOV_CACHE_DIR", str(_TEST_CACHES / f"t{next(_TEST_NUMBER)}"))


def corpus_path(*parts: str) -> Path:
    """A path inside ../shared/corpus, or skip the test with a clear reason when absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus not present at {path} (../shared/corpus is beside CI clones only)")
    return path


@pytest.fixture
def corpus() -> Callable[..., Path]:
    return corpus_path


@pytest.fixture(scope="session")
def report_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(REPORT_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.fixture
def validate_report(report_schema: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    validator = jsonschema.Draft202012Validator(report_schema)

    def check(doc: dict[str, Any]) -> None:
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    return check


class CliResult:
    """Exit code and captured streams of one petgov invocation."""

    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code = code
        self.stdout = stdout
        self.stderr = stderr

    def json(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.stdout)
        return doc


def run_in_process(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 0
) -> CliResult:
    """``petgov ARGS`` through ``cli.main.run`` in this process: same parser, error boundary and
    exit codes as the real entry point, without paying interpreter and engine start-up per call.

    ``cwd`` and ``env`` (a whole environment, as for subprocess) hold for the call only;
    ``timeout`` is accepted for signature parity and ignored. Engines petgov caches (the PII
    analyzer) stay warm across calls, which is what makes this fast.
    """
    from petgov.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    code = 0
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                run(list(args))
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else 1
            except Exception:  # --debug re-raises: a subprocess would print it and exit 1
                traceback.print_exc(file=err)
                code = 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return CliResult(code, out.getvalue(), err.getvalue())


def run_subprocess(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> CliResult:
    """``python -m petgov ARGS`` in a fresh interpreter: the real entry point."""
    proc = subprocess.run(
        [sys.executable, "-m", "petgov", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    """Run petgov in process (fast); most CLI tests check the report, not the process."""
    return run_in_process


@pytest.fixture
def cli_process() -> Callable[..., CliResult]:
    """Run the real entry point (`python -m petgov`) in a subprocess: for the few tests that
    prove the process boundary (console script, exit status, nothing but one line on stderr)."""
    return run_subprocess


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Refuse every connection and DNS lookup in this process; return what was attempted.

    A refusal is an AssertionError (not an OSError a library could treat as 'offline, retry').
    """
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        attempts.append(repr(args)[:200])
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


class MemoryResolver(TargetResolver):
    """Resolves ``mem://NAME`` to in-memory files: the target stage without a file system."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self.files = dict(files)

    def accepts(self, target: str) -> bool:
        return target.startswith("mem://")

    def resolve(self, target: str) -> ResolvedTarget:
        origin = Origin(kind="local", source=target)
        entries = [
            RawEntry(path=f"{target}/{name}", source=BytesSource(data), origin=origin)
            for name, data in sorted(self.files.items())
        ]
        return ResolvedTarget(target=target, root=None, entries=entries)


class RecordingScanner(ItemScanner):
    """An item scanner for the formats it is given: records what it saw, may crash on purpose."""

    name: ClassVar[str] = "fake-recorder"
    kinds: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, formats: Iterable[str], crash_on: str | None = None) -> None:
        self.formats = frozenset(formats)
        self.crash_on = crash_on
        self.seen: list[str] = []

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format in self.formats

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        self.seen.append(entry.item.path)
        if self.crash_on is not None and entry.item.path.endswith(self.crash_on):
            raise RuntimeError("fake engine crash")
        out = ScanResult()
        out.scanned(entry.item.path, self.name)
        return out


class TargetRecorder(TargetScanner):
    """A target scanner that records the entries it was handed."""

    name: ClassVar[str] = "fake-target"

    def __init__(self) -> None:
        self.entries: list[str] = []

    def scan_target(self, ctx: ScanContext) -> ScanResult:
        self.entries = [e.item.path for e in ctx.entries]
        return ScanResult()
