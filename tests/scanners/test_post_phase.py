"""Post phase: a scanner that uses another's output runs after it, never inside it.

A token in safetensors ``__metadata__`` is found by the secrets scanner from the strings the
safetensors scanner parsed. With ``--scanner safetensors`` only safetensors runs: no secrets
finding, no secrets coverage, exit 0 (it was a blocking secrets finding and exit 1).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from petgov.scanners.registry import all_scanners
from tests.beyond.test_secrets import GH_TOKEN, _safetensors


def _engines(doc: dict[str, Any]) -> set[str]:
    return {f["engine"] for f in doc["findings"]} | {c["engine"] for c in doc["coverage"]}


def test_one_scanner_means_that_scanner(tmp_path: Path, cli: Callable[..., Any]) -> None:
    model = tmp_path / "m.safetensors"
    model.write_bytes(_safetensors({"uploader": GH_TOKEN}))
    safetensors = next(s.name for s in all_scanners(["safetensors"]))
    only = cli("scan", str(model), "--scanner", "safetensors", "-f", "json")
    assert only.code == 0, only.stderr
    doc = only.json()
    assert doc["findings"] == []
    assert _engines(doc) == {safetensors}
    assert set(doc["tool"]["engines"]) == {"petgov", safetensors}

    both = cli("scan", str(model), "--scanner", "safetensors", "--scanner", "secrets", "-f", "json")
    assert both.code == 1, both.stderr
    doc = both.json()
    [hit] = doc["findings"]
    assert (hit["kind"], hit["location"]) == (
        "secret.vcs_token",
        {"metadata_key": "__metadata__.uploader"},
    )
    assert hit["engine"] in doc["tool"]["engines"] and hit["engine"] != safetensors
    assert _engines(doc) <= set(doc["tool"]["engines"])
