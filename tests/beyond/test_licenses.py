"""Licenses: SPDX normalization, card and LICENSE-file facts, and the real Hub cards."""

from __future__ import annotations

from pathlib import Path

import pytest

from petgov import licensing
from tests.beyond.helpers import by_kind, kinds, run, target_facts, write
from tests.conftest import corpus_path

CARD = "---\nlicense: {lic}\n---\n# model\n"


@pytest.mark.parametrize(
    ("raw", "spdx", "nc", "custom"),
    [
        ("apache-2.0", "Apache-2.0", False, False),
        ("cc-by-nc-4.0", "CC-BY-NC-4.0", True, False),
        ("cc-by-nc-sa-4.0", "CC-BY-NC-SA-4.0", True, False),
        ("mit OR apache-2.0", "MIT OR Apache-2.0", False, False),
        ("llama3", "LicenseRef-Llama-3-Community", False, True),
        ("gemma", "LicenseRef-Gemma-Terms", False, True),
        ("gpl-3.0", "GPL-3.0-only", False, False),
        ("my-own-terms", "LicenseRef-my-own-terms", False, True),
    ],
)
def test_normalize(raw: str, spdx: str, nc: bool, custom: bool) -> None:
    info = licensing.normalize(raw, "card")
    assert (info.expression, info.non_commercial, info.custom) == (spdx, nc, custom)


def test_unknown_is_missing() -> None:
    assert licensing.normalize("unknown").expression is None


def test_license_file_text() -> None:
    apache = "                                 Apache License\n   Version 2.0, January 2004\n"
    assert licensing.from_text(apache.replace("\n   ", ", "), "L") is not None
    mit = "Permission is hereby granted, free of charge, to any person obtaining a copy"
    info = licensing.from_text(mit, "LICENSE")
    assert info is not None and info.expression == "MIT"
    assert licensing.from_text("All rights reserved.", "LICENSE") is None


def test_non_commercial_card(tmp_path: Path) -> None:
    repo = write(
        tmp_path / "m", {"README.md": CARD.format(lic="cc-by-nc-4.0"), "config.json": "{}"}
    )
    doc = run(repo, "licenses")
    assert kinds(doc) == ["license.non_commercial"]
    assert by_kind(doc, "license.non_commercial")[0]["action"] == "warn"
    facts = target_facts(doc, repo)
    assert facts["license.id"] == "CC-BY-NC-4.0"
    assert facts["license.non_commercial"] is True and facts["license.missing"] is False


def test_other_with_research_name(tmp_path: Path) -> None:
    card = "---\nlicense: other\nlicense_name: qwen-research\n---\n"
    repo = write(tmp_path / "m", {"README.md": card})
    doc = run(repo, "licenses")
    assert kinds(doc) == ["license.custom", "license.non_commercial"]
    assert target_facts(doc, repo)["license.id"] == "LicenseRef-qwen-research"


def test_missing_only_for_model_like_targets(tmp_path: Path) -> None:
    model = write(tmp_path / "m", {"config.json": "{}"})
    assert kinds(run(model, "licenses")) == ["license.missing"]
    assert target_facts(run(model, "licenses"), model)["license.missing"] is True
    code = write(tmp_path / "c", {"main.py": "print(1)\n"})
    assert kinds(run(code, "licenses")) == []


def test_card_and_license_file_disagree(tmp_path: Path) -> None:
    mit = "MIT License\n\nPermission is hereby granted, free of charge, to any person\n"
    repo = write(tmp_path / "m", {"README.md": CARD.format(lic="apache-2.0"), "LICENSE": mit})
    doc = run(repo, "licenses")
    assert kinds(doc) == ["license.mismatch"]
    assert target_facts(doc, repo)["license.id"] == "Apache-2.0"


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("all-MiniLM-L6-v2", "Apache-2.0"),
        ("Qwen2.5-0.5B-Instruct-GGUF", "Apache-2.0"),
        ("flowertune-tinyllama-peft-adapter", None),
    ],
)
def test_real_hub_cards(folder: str, expected: str | None) -> None:
    path = corpus_path("aibom", "hf-model-cards", folder)
    doc = run(path, "licenses")
    facts = target_facts(doc, path)
    assert facts["license.id"] == expected
    assert facts["license.missing"] is (expected is None)
    assert ("license.missing" in kinds(doc)) is (expected is None)


def test_license_link_becomes_url_fact() -> None:
    path = corpus_path("aibom", "hf-model-cards", "Qwen2.5-0.5B-Instruct-GGUF")
    facts = target_facts(run(path, "licenses"), path)
    assert str(facts["license.url"]).startswith("https://")


def test_shipped_spdx_ids_are_the_installed_index() -> None:
    """petgov/data/licenses/spdx_ids.json is what the installed license-expression holds
    (regenerate with PETGOV_UPDATE_GOLDEN=1 after upgrading it)."""
    import json

    from tests.conftest import REPO
    from tests.golden import check

    path = REPO / "petgov" / "data" / licensing.SPDX_IDS_FILE
    check(path, json.dumps(licensing.spdx_ids(), indent=0) + "\n")


def test_shipped_spdx_ids_normalize_as_the_library_does() -> None:
    """Every id the table answers for, in several casings, is what Licensing.validate gives."""
    table = licensing._known_ids()
    assert len(table) > 1000 and table["apache-2.0"] == "Apache-2.0"
    library = licensing._spdx()
    for name, key in table.items():
        for spelling in (name, name.upper(), key, key.lower().title()):
            info = library.validate(spelling)
            assert not info.errors and str(info.normalized_expression) == key, spelling


def test_spdx_ids_of_another_license_expression_version_are_not_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from petgov.util import distversion

    before = licensing.normalize("Apache-2.0 OR bsd-3-clause", "card").expression
    licensing._known_ids.cache_clear()
    monkeypatch.setattr(distversion, "version", lambda name: "0.0.1")
    try:
        assert licensing._known_ids() == {}
        after = licensing.normalize("Apache-2.0 OR bsd-3-clause", "card").expression
    finally:
        licensing._known_ids.cache_clear()
    assert before == after == "Apache-2.0 OR BSD-3-Clause"
