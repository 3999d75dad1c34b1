"""Golden CycloneDX 1.6 and SPDX 3.0.1 AI-BOMs of the corpus model cards (``--reproducible``).

The cards are scanned in place with a target relative to their folder, so the goldens hold no
absolute path of this machine. Regenerate with ``PETGOV_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from petgov.bom import api, spdx
from petgov.bom.builder import BuildOptions
from tests import golden
from tests.bom.conftest import CARDS, card_dir, scan_card

pytestmark = pytest.mark.corpus

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def in_cards(monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    """Run from the cards folder with a fixed epoch; return the relative target."""
    monkeypatch.chdir(card_dir(name).parent)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return name


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def _no_local_paths(text: str) -> None:
    here = str(Path.cwd().resolve())
    for value in _strings(json.loads(text)):
        assert here not in value and not value.startswith(("/", "~")), value


@pytest.mark.parametrize("name", CARDS)
def test_cyclonedx_golden(name: str, in_cards: str) -> None:
    report = scan_card(in_cards, "licenses")
    text = api.text(report, BuildOptions(spec="1.6", reproducible=True))
    _no_local_paths(text)
    golden.check(GOLDEN / f"{name}.cdx-1.6.json", text)


@pytest.mark.parametrize("name", CARDS)
def test_spdx_golden(name: str, in_cards: str) -> None:
    report = scan_card(in_cards, "licenses")
    text = spdx.render(spdx.document(report, spdx.SpdxOptions(reproducible=True)).document)
    _no_local_paths(text)
    golden.check(GOLDEN / f"{name}.spdx3.json", text)
