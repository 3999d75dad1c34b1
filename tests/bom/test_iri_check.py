"""petgov's IRI check (used instead of rfc3987-syntax's slow grammar) judges like the original.

Both run in fresh interpreters: which check jsonschema holds depends on what was imported first.
"""

from __future__ import annotations

import json
import subprocess
import sys

SAMPLES = [
    "http://example.com/a/b?q=1#f",
    "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#comp",
    "pkg:huggingface/org/name@abc",
    "#frag",
    "../relative/path",
    "",
    "http://x/%41",
    "http://münchen.de/straße",
    "http://a/\u200b",
    "http://a/?q=\ue000",
    "http://a/\ue000",
    "ex ample",
    "a:b c",
    "%zz",
    "http://a/<b>",
    'http://a/"q"',
    "http://a/\x7f",
    "http://a/\ufffe",
]

_REFERENCE = """
import json, sys
from rfc3987_syntax import is_valid_syntax
print(json.dumps([is_valid_syntax("iri_reference", s) for s in json.loads(sys.argv[1])]))
"""

_PETGOV = """
import json, sys
from petgov.bom import validate
samples = json.loads(sys.argv[1])
verdicts = [validate.is_iri_reference(s) for s in samples]
doc = json.loads(sys.argv[2])
problems = [str(p) for p in validate.problems(doc, "1.6")]
print(json.dumps({"verdicts": verdicts, "problems": problems,
                  "slow_grammar_loaded": sys.modules.get("rfc3987_syntax") is not None}))
"""


def _run(code: str, *args: str) -> object:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def _bom_with_url(url: str) -> dict[str, object]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [
            {
                "type": "machine-learning-model",
                "name": "m",
                "bom-ref": "m",
                "externalReferences": [{"type": "website", "url": url}],
            }
        ],
    }


def test_fast_iri_check_agrees_with_rfc3987_syntax_and_catches_a_bad_url() -> None:
    samples = json.dumps(SAMPLES)
    reference = _run(_REFERENCE, samples)
    result = _run(_PETGOV, samples, json.dumps(_bom_with_url("http://bad host/")))
    assert isinstance(result, dict)
    assert result["verdicts"] == reference
    assert not result["slow_grammar_loaded"]
    (problem,) = result["problems"]
    assert problem.startswith("$.components[0].externalReferences[0].url")


def test_a_valid_iri_passes_the_fast_check() -> None:
    result = _run(_PETGOV, "[]", json.dumps(_bom_with_url("https://例え.jp/モデル")))
    assert isinstance(result, dict) and result["problems"] == []
