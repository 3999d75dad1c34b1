"""A clean model scans clean: the default scan of each benign artifact has no finding of medium
or above (design: noise on benign files is as bad as a miss).

The corpus is built at test time with the libraries a user has (see builders.py); petgov never
loads it. Before the quiet defaults, these 22 artifacts gave 27 medium findings (unsigned per
file and per archive member, licence on model folders without a card, PII on configs).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.model import Report, Severity
from petgov.pipeline import ScanOptions, scan
from petgov.policy.evaluate import PolicyOptions
from tests.benign.builders import BUILDERS, build_all, hf_folder_lfs


@pytest.fixture(scope="module")
def benign(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_all(tmp_path_factory.mktemp("benign"))


def _scan(path: Path) -> Report:
    options = ScanOptions(policy=PolicyOptions(config_dir=path.parent))
    return scan([str(path)], options)


def test_corpus_is_big_enough() -> None:
    assert len(BUILDERS) >= 20


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_benign_artifact_scans_quiet(benign: dict[str, Path], name: str) -> None:
    report = _scan(benign[name])
    loud = [
        (d.rule_id, d.severity.value, d.finding.path, d.finding.message)
        for d in report.decisions
        if d.severity >= Severity.MEDIUM
    ]
    assert loud == []
    assert not report.gate_failed
    assert report.items, "the artifact was inventoried"


def test_missing_provenance_is_one_low_finding_per_target(benign: dict[str, Path]) -> None:
    """Not per file and again per archive member (an .npz gave two medium findings)."""
    for name in ("numpy-npz", "hf-folder-with-card", "zip-of-model-folder", "dataset-folder"):
        report = _scan(benign[name])
        unsigned = [d for d in report.decisions if d.rule_id == "PG-PROV-001"]
        assert len(unsigned) == 1, name
        assert unsigned[0].severity is Severity.LOW
        assert "!" not in unsigned[0].finding.path


def test_pii_reads_datasets_not_model_files(benign: dict[str, Path]) -> None:
    """Configs, tokenizer files, chat templates and modules.json gave URL findings."""
    report = _scan(benign["hf-folder-with-card"])
    assert [d for d in report.decisions if d.rule_id.startswith("PG-PII")] == []
    assert report.facts[str(benign["hf-folder-with-card"])].get("pii.datasets", 0) == 0


def test_pii_skips_lfs_pointers(tmp_path: Path) -> None:
    report = _scan(hf_folder_lfs(tmp_path))
    assert [d.finding.path for d in report.decisions if d.rule_id.startswith("PG-PII")] == []


def test_licence_missing_only_for_folders(benign: dict[str, Path], tmp_path: Path) -> None:
    """A bare weights file is not asked for a licence; a model folder with a config is (low)."""
    bare = _scan(benign["safetensors"])
    assert [d for d in bare.decisions if d.rule_id == "PG-LIC-001"] == []
    folder = _scan(benign["hf-folder-no-card"])
    (lic,) = [d for d in folder.decisions if d.rule_id == "PG-LIC-001"]
    assert lic.severity is Severity.LOW


def test_completeness_table_only_for_model_targets(
    benign: dict[str, Path], cli: Callable[..., Any]
) -> None:
    data = cli("scan", str(benign["dataset-folder"]), "--no-progress")
    assert "AI-BOM completeness" not in data.stdout
    model = cli("scan", str(benign["hf-folder-no-card"]), "--no-progress")
    assert "AI-BOM completeness" in model.stdout, model.stdout
