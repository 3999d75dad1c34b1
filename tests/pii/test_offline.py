"""The engine never touches the network: no spaCy download, no Public Suffix List fetch."""

from __future__ import annotations


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
