"""The engine never touches the network: no spaCy download, no Public Suffix List fetch."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_engine_builds_and_analyzes_with_sockets_disabled(no_network: list[str]) -> None:
    from petgov.pii.engine import PiiEngine

    engine = PiiEngine()  # a fresh engine, not the cached one
    # an e-mail runs tldextract's domain validation; a URL too
    hits = engine.analyze("mail jane@example.co.uk or see https://example.org", engine.entities())
    assert {h.entity for h in hits} == {"EMAIL_ADDRESS", "URL"}
    assert no_network == []


def test_heavy_libraries_are_not_imported_by_the_scanner_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys, petgov.scanners.pii, petgov.pii.column, petgov.pii.text;"
        "print(sorted(m for m in ('spacy','presidio_analyzer','pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_nlp_model_must_be_a_spacy_model_folder(tmp_path: Path) -> None:
    """A name, or a folder spaCy cannot load (no meta.json), is a usage error up front rather
    than a PII engine error that leaves every dataset unscanned behind a passing exit code."""
    from petgov.errors import UsageError
    from petgov.pii.engine import check_model_folder

    folder = tmp_path / "en_core_web_sm"
    with pytest.raises(UsageError, match="not a spaCy model folder"):
        check_model_folder(Path("en_core_web_sm"))
    folder.mkdir()
    (folder / "config.cfg").write_text("[nlp]\n")
    with pytest.raises(UsageError, match="not a spaCy model folder"):
        check_model_folder(folder)
    (folder / "meta.json").write_text("{}")
    assert check_model_folder(folder) == folder
