"""Regression tests for the newcomer review's noise defects (D-M2, D-m7, D-m8, D-m15, D-m20).

Each test is named after the defect it keeps fixed; ../shared/research/newcomer-review.md has
the original reproductions.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from petgov import filetypes as F
from petgov.demo import harmless_payload_pickle, safetensors_bytes, write_demo, write_demo_key
from petgov.inventory.sniff import sniff_bytes
from tests.conftest import corpus_path

PETGOV = [sys.executable, "-m", "petgov"]


def _json(cli: Callable[..., Any], *args: str) -> dict[str, Any]:
    res = cli("scan", *args, "-f", "json", "--no-progress")
    assert res.code in (0, 1), res.stderr
    doc: dict[str, Any] = res.json()
    return doc


def test_D_M2_signed_model_has_no_pii_findings(tmp_path: Path, cli: Callable[..., Any]) -> None:
    """model.sig (a Sigstore bundle in JSON) gave 'URL in column mediaType' findings."""
    write_demo(tmp_path / "demo")
    model = tmp_path / "demo" / "model"
    (model / "optimizer.weights").unlink()  # the signed model here is benign
    key, _ = write_demo_key(tmp_path / "demo")
    res = cli("sign", str(model), "--key", str(key))
    assert res.code == 0, res.stderr
    assert (model / "model.sig").is_file()
    doc = _json(cli, str(model))
    pii = [f for f in doc["findings"] if f["rule_id"].startswith("PG-PII")]
    assert pii == []


def test_D_M2_configs_chat_templates_and_lfs_pointers_are_not_datasets(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "modules.json").write_text(
        json.dumps([{"idx": 0, "path": "https://example.com/a", "type": "x.Pooling"}])
    )
    (model / "chat_template.jinja").write_text("{{ 'see https://example.com/doc' }}\n")
    (model / "tokenizer_config.json").write_text(json.dumps({"url": "https://example.com/t"}))
    (model / "pytorch_model.bin").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 1\n"
    )
    (model / "model.sigstore.json").write_text(json.dumps({"mediaType": "https://x.test/v0.3"}))
    doc = _json(cli, str(model), "--scanner", "pii")
    assert [f["path"] for f in doc["findings"]] == []
    # A real dataset beside them still is one.
    (model / "people.csv").write_text(
        "name,email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(20))
    )
    doc = _json(cli, str(model), "--scanner", "pii")
    assert {Path(f["path"]).name for f in doc["findings"]} == {"people.csv"}


def test_D_m15_label_map_keys_are_not_columns(tmp_path: Path, cli: Callable[..., Any]) -> None:
    """labels.json (path -> label) gave 14 LOCATION findings from keys containing 'zip'."""
    labels = corpus_path("serialization", "labels.json")
    doc = _json(cli, str(labels), "--scanner", "pii")
    assert doc["findings"] == []
    own = tmp_path / "map.json"
    own.write_text(json.dumps({f"data/state_{i}.zip": "benign" for i in range(30)}))
    assert _json(cli, str(own), "--scanner", "pii")["findings"] == []


def test_D_m7_no_completeness_table_for_data_or_empty_folders(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    write_demo(tmp_path)
    data = cli("scan", str(tmp_path / "data"), "--no-progress")
    assert "AI-BOM completeness" not in data.stdout
    empty = tmp_path / "e"
    empty.mkdir()
    assert "AI-BOM completeness" not in cli("scan", str(empty), "--no-progress").stdout


def test_D_m8_each_fix_printed_once(tmp_path: Path, cli: Callable[..., Any]) -> None:
    """The same fix text was repeated under every finding of a rule."""
    for i in range(4):
        (tmp_path / f"p{i}.pkl").write_bytes(harmless_payload_pickle())
    res = cli("scan", str(tmp_path), "--no-progress")
    assert res.code == 1
    doc = _json(cli, str(tmp_path))
    rule = doc["findings"][0]["rule_id"]
    fix = next(f["remediation"] for f in doc["findings"] if f["rule_id"] == rule)
    first_words = " ".join(fix.split()[:4])
    flat = " ".join(res.stdout.split())
    assert flat.count(first_words) == 1, res.stdout
    assert "How to fix" in res.stdout


def test_D_m8_unsigned_fix_fits_datasets() -> None:
    from petgov.policy.packs import builtin_pack_dir

    text = (builtin_pack_dir() / "prov" / "PG-PROV-001.yaml").read_text()
    assert "model or dataset" in text and "Sign the model folder" not in text


def test_D_m20_summary_line_in_english(tmp_path: Path, cli: Callable[..., Any]) -> None:
    (tmp_path / "z.safetensors").write_bytes(safetensors_bytes())
    res = cli("scan", str(tmp_path / "z.safetensors"), "--no-progress")
    last = res.stdout.strip().splitlines()[-1]
    assert last.startswith("1 item, 1 finding (low 1)"), last
    (tmp_path / "y.safetensors").write_bytes(safetensors_bytes())
    last = cli("scan", str(tmp_path), "--no-progress").stdout.strip().splitlines()[-1]
    assert last.startswith("2 items, 1 finding"), last


def test_toml_with_a_table_header_is_not_json() -> None:
    """pyproject.toml ('[project]' + newline) was sniffed as JSON and asked for a signature."""
    head = b'[project]\nname = "demo"\nversion = "0.1"\n'
    assert sniff_bytes(head, "pyproject.toml", len(head)) == F.TOML
    assert sniff_bytes(b'["a", "b"]\n', "list.json", 11) == F.JSON


def test_unsigned_member_is_its_archive(tmp_path: Path) -> None:
    """An .npz gave PG-PROV-001 for the file and again for 'arrays.npz!'."""
    import numpy as np

    np.savez(tmp_path / "a.npz", x=np.ones(3))
    out = subprocess.run(
        [*PETGOV, "scan", str(tmp_path / "a.npz"), "-f", "json", "--scanner", "provenance"],
        capture_output=True,
        text=True,
        check=False,
    )
    doc = json.loads(out.stdout)
    assert [(f["rule_id"], f["path"], f["severity"]) for f in doc["findings"]] == [
        ("PG-PROV-001", str(tmp_path / "a.npz"), "low")
    ]
