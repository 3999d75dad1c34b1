"""A PII scan of a CSV loads spaCy and presidio, not the deep-learning stacks they probe for.

torch, transformers and pandas are installed here (test dependencies), so spaCy/thinc, presidio
and pyarrow would import them (4-5 s of CPU, ~350 MiB per scan) if petgov let them; the
assertions can fail.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

from petgov.pii.hidden_imports import hidden
from tests.cli.test_startup_imports import loaded_by


def test_csv_pii_scan_finds_pii_without_torch_transformers_or_pandas(tmp_path: Path) -> None:
    rows = [f"{i},person{i}@example.org,{i * 7}" for i in range(40)]
    (tmp_path / "people.csv").write_text("id,email,amount\n" + "\n".join(rows) + "\n")
    out = tmp_path / "report.json"
    args = ["scan", "people.csv", "--scanner", "pii", "--no-cache", "-f", "json", "-o", str(out)]
    code, modules = loaded_by(args, tmp_path)
    assert {"spacy", "presidio_analyzer"} <= modules  # the real engine ran
    assert {"torch", "transformers", "pandas", "h5py"} & modules == set()
    report = json.loads(out.read_text())
    assert "EMAIL_ADDRESS" in json.dumps(report["findings"]), code


def test_hidden_imports_fail_only_inside_the_block_and_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("csvfast_probe_a", "csvfast_probe_b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text("")
        (tmp_path / name / "sub.py").write_text("VALUE = 1\n")
        monkeypatch.delitem(sys.modules, name, raising=False)
        monkeypatch.delitem(sys.modules, f"{name}.sub", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    import csvfast_probe_a  # imported before the block: stays visible

    seen: list[int] = []

    def other_thread() -> None:
        import csvfast_probe_b.sub as sub

        seen.append(sub.VALUE)

    with hidden(["csvfast_probe_a", "csvfast_probe_b"]):
        import csvfast_probe_a.sub

        with pytest.raises(ModuleNotFoundError):
            import csvfast_probe_b.sub
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        assert seen == [1]  # another thread imports it meanwhile
    monkeypatch.delitem(sys.modules, "csvfast_probe_b.sub")
    import csvfast_probe_b.sub  # noqa: F401  (after the block: importable again)

    assert csvfast_probe_a.sub.VALUE == 1


_PATTERN_PROBE = """
import json, regex
seen = []
real = regex.compile
regex.compile = lambda p, flags=0, *a, **k: (seen.append((p, flags)), real(p, flags, *a, **k))[1]
from petgov.pii.engine import get_engine
get_engine()
from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import UrlRecognizer
url = UrlRecognizer.PATTERNS[0].regex
try:
    Pattern("broken", "(", 0.5)
    broken = "accepted"
except ValueError:
    broken = "refused"
print(json.dumps({"url_checks": sum(p == url and not f for p, f in seen), "broken": broken}))
"""


def test_presidio_patterns_are_not_compiled_twice_and_the_check_comes_back() -> None:
    """presidio checks each predefined pattern by compiling it at import (then compiles it
    again, with flags, where used); petgov skips only that import-time check."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", _PATTERN_PROBE], capture_output=True, text=True, timeout=120
    )
    assert json.loads(done.stdout.splitlines()[-1]) == {"url_checks": 0, "broken": "refused"}


def test_every_predefined_presidio_pattern_compiles() -> None:
    """What the skipped check would have caught: none of presidio's shipped patterns is bad."""
    import regex  # type: ignore[import-untyped]
    from presidio_analyzer import PatternRecognizer
    from presidio_analyzer import predefined_recognizers as pr

    checked = 0
    for name in dir(pr):
        cls = getattr(pr, name)
        if isinstance(cls, type) and issubclass(cls, PatternRecognizer):
            for pattern in getattr(cls, "PATTERNS", ()):
                regex.compile(pattern.regex, flags=regex.DOTALL | regex.MULTILINE | regex.I)
                checked += 1
    assert checked > 100
