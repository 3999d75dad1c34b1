"""--baseline gates only on new findings; fingerprints survive moves, renames and offsets."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from petgov.demo import write_demo
from petgov.policy.fingerprint import fingerprints, relative_path

EXEC_PICKLE = b"cposix\nsystem\n(S'id'\ntR."


def _demo(root: Path) -> Path:
    write_demo(root)
    return root / "model"


def test_baseline_turns_old_gates_into_existing_and_new_ones_still_gate(
    tmp_path: Path, cli: Callable[..., Any], validate_report: Callable[[dict[str, Any]], None]
) -> None:
    model = _demo(tmp_path / "a")
    base = tmp_path / "base.json"
    first = cli("scan", str(model), "-f", "json", "-o", str(base))
    assert first.code == 1  # the demo pickle blocks
    # the same model checked out elsewhere: nothing new, so nothing gates
    moved = tmp_path / "b" / "model"
    shutil.copytree(model, moved)
    again = cli("scan", str(moved), "--baseline", str(base), "-f", "json")
    assert again.code == 0, again.stdout[-2000:]
    doc = again.json()
    validate_report(doc)
    assert {f["baseline"] for f in doc["findings"]} == {"existing"}
    ser = next(f for f in doc["findings"] if f["rule_id"] == "PG-SER-001")
    assert ser["action"] == "warn" and "baseline" in ser["note"]
    # a new dangerous pickle is new and blocks; the old one still does not
    (moved / "extra.pkl").write_bytes(EXEC_PICKLE)
    third = cli("scan", str(moved), "--baseline", str(base), "-f", "json")
    assert third.code == 1
    states = {
        (f["path"].rsplit("/", 1)[-1], f["rule_id"]): f["baseline"]
        for f in third.json()["findings"]
    }
    assert states[("extra.pkl", "PG-SER-001")] == "new"
    assert states[("optimizer.weights", "PG-SER-001")] == "existing"


def test_a_renamed_file_with_the_same_bytes_is_not_new(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    model = _demo(tmp_path)
    base = tmp_path / "base.json"
    cli("scan", str(model), "-f", "json", "-o", str(base))
    (model / "optimizer.weights").rename(model / "renamed.bin")
    res = cli("scan", str(model), "--baseline", str(base), "-f", "json")
    ser = next(f for f in res.json()["findings"] if f["rule_id"] == "PG-SER-001")
    assert ser["baseline"] == "existing" and res.code == 0


def test_fingerprint_ignores_offsets_and_counts_but_not_the_global() -> None:
    common = {"rule_id": "PG-SER-001", "kind": "ser.dangerous_global", "sha256": None}
    a = fingerprints(
        **common,
        path="/ci/1/model/x.pkl",
        location={"offset": 2, "opcode": "GLOBAL"},
        evidence={"global": "os.system", "count": 1},
        targets=["/ci/1/model"],
    )
    b = fingerprints(
        **common,
        path="/home/u/model/x.pkl",
        location={"offset": 90, "opcode": "GLOBAL"},
        evidence={"global": "os.system", "count": 3},
        targets=["/home/u/model"],
    )
    c = fingerprints(
        **common,
        path="/home/u/model/x.pkl",
        location={"offset": 90, "opcode": "GLOBAL"},
        evidence={"global": "builtins.exec"},
        targets=["/home/u/model"],
    )
    assert a.path == b.path != c.path


def test_relative_path_keeps_archive_members() -> None:
    assert relative_path("/x/m/a.zip!/in/d.pkl", ["/x/m"]) == "m/a.zip!/in/d.pkl"
    assert relative_path("m/f.bin", ["m/f.bin"]) == "f.bin"


def test_a_file_that_is_not_a_report_is_exit_2(tmp_path: Path, cli: Callable[..., Any]) -> None:
    model = _demo(tmp_path)
    bogus = tmp_path / "bogus.json"
    bogus.write_text(json.dumps({"bomFormat": "CycloneDX"}))
    res = cli("scan", str(model), "--baseline", str(bogus))
    assert res.code == 2 and "not a petgov JSON report" in res.stderr
    res = cli("scan", str(model), "--baseline", str(tmp_path / "missing.json"))
    assert res.code == 2 and "no such file" in res.stderr


def test_sarif_carries_the_same_fingerprint(tmp_path: Path, cli: Callable[..., Any]) -> None:
    model = _demo(tmp_path)
    sarif = cli("scan", str(model), "-f", "sarif").json()
    prints = [r["partialFingerprints"]["petgov/v1"] for r in sarif["runs"][0]["results"]]
    moved = tmp_path / "elsewhere" / "model"
    shutil.copytree(model, moved)
    again = cli("scan", str(moved), "-f", "sarif").json()
    assert prints == [r["partialFingerprints"]["petgov/v1"] for r in again["runs"][0]["results"]]
    assert len(set(prints)) == len(prints)
