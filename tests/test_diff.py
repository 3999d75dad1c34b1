"""`petgov diff` over real corpus AI-BOMs and JSON reports, exit codes included."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.demo import write_demo

CARD = ("aibom", "hf-model-cards", "all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def boms(
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> tuple[Path, Path, Path]:
    """The corpus card's BOM, a BOM of an edited copy, and a BOM of an unchanged copy."""
    from tests.conftest import corpus_path

    card = corpus_path(*CARD)
    root = tmp_path_factory.mktemp("boms")
    old, new, same = root / "old" / card.name, root / "new" / card.name, root / "same" / "renamed"
    for dest in (old, new, same):
        shutil.copytree(card, dest)
    with (new / "config.json").open("a") as fh:
        fh.write("\n")  # same file, different bytes
    readme = (new / "README.md").read_text()
    assert "license: apache-2.0" in readme
    (new / "README.md").write_text(readme.replace("license: apache-2.0", "license: cc-by-nc-4.0"))
    (new / "modules.json").unlink()
    (new / "vocab_extra.txt").write_text("hello\n")
    from petgov.bom import api
    from petgov.bom.builder import BuildOptions
    from petgov.pipeline import ScanOptions, scan

    out = []
    for folder in (old, new, same):
        text = api.text(scan([str(folder)], ScanOptions()), BuildOptions(reproducible=True))
        path = root / f"{folder.parent.name}.cdx.json"
        path.write_text(text)
        out.append(path)
    return out[0], out[1], out[2]


def test_bom_diff_names_each_change_and_gates(
    boms: tuple[Path, Path, Path], cli: Callable[..., Any]
) -> None:
    old, new, _ = boms
    res = cli("diff", str(old), str(new), "-f", "json")
    assert res.code == 1, res.stderr
    doc = res.json()
    changes = {(c["change"], c["kind"], c["name"]): c for c in doc["changes"]}
    assert changes[("hash changed", "file", "config.json")]["gate"] is True
    lic = changes[("licence changed", "model", "all-MiniLM-L6-v2")]
    assert lic["before"] == "Apache-2.0" and "NC" in lic["after"] and lic["gate"] is True
    assert ("removed", "file", "modules.json") in changes
    assert ("added", "file", "vocab_extra.txt") in changes
    assert not changes[("added", "file", "vocab_extra.txt")]["gate"]
    assert doc["gate_failed"] is True


def test_same_bytes_in_a_renamed_folder_is_no_change(
    boms: tuple[Path, Path, Path], cli: Callable[..., Any]
) -> None:
    old, _, same = boms
    res = cli("diff", str(old), str(same))
    assert res.code == 0, res.stdout
    assert "gate" not in res.stdout.lower() or "nothing gate-worthy" in res.stdout.lower()
    doc = cli("diff", str(old), str(same), "-f", "json").json()
    assert not [c for c in doc["changes"] if c["kind"] in ("file", "dataset", "base model")]


def test_corpus_bom_against_itself(boms: tuple[Path, Path, Path], cli: Callable[..., Any]) -> None:
    old, _, _ = boms
    res = cli("diff", str(old), str(old))
    assert res.code == 0 and "No changes" in res.stdout


def test_markdown_diff(boms: tuple[Path, Path, Path], cli: Callable[..., Any]) -> None:
    old, new, _ = boms
    res = cli("diff", str(old), str(new), "-f", "markdown")
    assert res.code == 1
    assert res.stdout.startswith("<!-- petgov-diff -->")
    assert "| ❌ | hash changed | file | config.json |" in res.stdout


def test_cyclonedx_project_example(
    tmp_path: Path, cli: Callable[..., Any], corpus: Callable[..., Path]
) -> None:
    """The CycloneDX project's own ML-BOM example: version and dataset changes are reported and
    do not gate; a changed hash of the same model does."""
    src = corpus("aibom", "cyclonedx-examples", "valid-machine-learning-1.6.json")
    doc = json.loads(src.read_text())
    model = doc["components"][0]
    model["hashes"] = [{"alg": "SHA-256", "content": "a" * 64}]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc))
    model["version"] = "1.5"
    model["modelCard"]["modelParameters"]["datasets"][0]["name"] = "Other Data"
    new = tmp_path / "new.json"
    new.write_text(json.dumps(doc))
    res = cli("diff", str(old), str(new), "-f", "json")
    assert res.code == 0, res.stdout
    found = {(c["change"], c["kind"], c["name"]) for c in res.json()["changes"]}
    assert found == {
        ("version changed", "model", "stable-diffusion"),
        ("removed", "dataset", "Training Data"),
        ("added", "dataset", "Other Data"),
    }
    model["hashes"] = [{"alg": "SHA-256", "content": "b" * 64}]
    new.write_text(json.dumps(doc))
    assert cli("diff", str(old), str(new)).code == 1


def test_report_diff_new_and_resolved(tmp_path: Path, cli: Callable[..., Any]) -> None:
    write_demo(tmp_path)
    model = tmp_path / "model"
    old = tmp_path / "old.json"
    cli("scan", str(model), "-f", "json", "-o", str(old))
    (model / "optimizer.weights").unlink()  # the dangerous pickle is gone
    (model / "new.pkl").write_bytes(b"cposix\nsystem\n(S'id'\ntR.")
    new = tmp_path / "new.json"
    cli("scan", str(model), "-f", "json", "-o", str(new))
    res = cli("diff", str(old), str(new), "-f", "json")
    assert res.code == 1
    kinds = {(c["change"], c["kind"], c["name"].split()[0]) for c in res.json()["changes"]}
    assert ("new", "finding", "PG-SER-001") in kinds
    assert ("resolved", "finding", "PG-SER-001") in kinds
    # resolving alone is not gate-worthy
    res = cli("diff", str(new), str(old))
    gates = [
        c for c in cli("diff", str(new), str(old), "-f", "json").json()["changes"] if c["gate"]
    ]
    assert all(c["kind"] == "finding" and c["change"] == "new" for c in gates)
    assert res.code == (1 if gates else 0)


def test_mixed_or_unknown_inputs_are_usage_errors(
    tmp_path: Path, boms: tuple[Path, Path, Path], cli: Callable[..., Any]
) -> None:
    write_demo(tmp_path)
    report = tmp_path / "r.json"
    cli("scan", str(tmp_path / "model"), "-f", "json", "-o", str(report))
    res = cli("diff", str(boms[0]), str(report))
    assert res.code == 2 and "cannot diff" in res.stderr
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    res = cli("diff", str(junk), str(junk))
    assert res.code == 2 and "neither" in res.stderr and "Traceback" not in res.stderr
