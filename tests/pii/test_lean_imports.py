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
    assert {"torch", "transformers", "pandas"} & modules == set()
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
