"""Coverage is a gate: what petgov could not examine fails the default gate, names the limit,
and examining it (a raised limit) gives the real verdict. Issue: a malicious pickle one level
deeper than the limit, past member 10,000, or in an unreadable member passed with exit 0.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from petgov.pipeline import scan
from petgov.scanners import pickle_vm
from tests.targets.hostile import zip_bytes

# GLOBAL os.system, call it: written by hand, never loaded.
EVIL = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."


def nested(tmp: Path, levels: int) -> Path:
    data, name = EVIL, "evil.pkl"
    for level in range(levels):
        data, name = zip_bytes({name: data}), f"level{level}.zip"
    path = tmp / "deep.zip"
    path.write_bytes(data)
    return path


def test_six_deep_zip_fails_the_gate_and_names_the_flag(tmp_path: Path, cli) -> None:
    target = nested(tmp_path, 6)
    res = cli("scan", str(target), "-f", "json")
    assert res.code == 1, res.stderr
    deep = [f for f in res.json()["findings"] if f["kind"] == "archive.too_deep"]
    assert deep and deep[0]["severity"] == "high"
    assert deep[0]["action"] == "block"
    assert "--max-depth" in deep[0]["remediation"]
    raised = cli("scan", str(target), "-f", "json", "--max-depth", "6").json()
    assert {f["kind"] for f in raised["findings"]} >= {"ser.dangerous_global"}
    assert "archive.too_deep" not in {f["kind"] for f in raised["findings"]}


def test_member_past_ten_thousand_fails_the_gate(tmp_path: Path, cli) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i in range(10_000):
            zf.writestr(f"m{i:05d}.txt", b"")
        zf.writestr("z/evil.pkl", EVIL)  # member 10,001
    res = cli("scan", str(path), "-f", "json")
    assert res.code == 1, res.stderr
    kinds = {f["kind"]: f for f in res.json()["findings"]}
    assert kinds["archive.too_many_members"]["action"] == "block"
    raised = cli("scan", str(path), "-f", "json", "--max-members", "10001").json()
    assert any(
        f["kind"] == "ser.dangerous_global" and f["path"].endswith("!/z/evil.pkl")
        for f in raised["findings"]
    )


def test_unreadable_member_fails_the_gate(tmp_path: Path, cli) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_LZMA) as zf:  # a method petgov does not inflate
        zf.writestr("data.pkl", EVIL)
    path = tmp_path / "model.zip"
    path.write_bytes(buf.getvalue())
    res = cli("scan", str(path), "-f", "json")
    assert res.code == 1, res.stderr
    gap = [f for f in res.json()["findings"] if f["kind"] == "coverage.unexamined"]
    assert [f["path"] for f in gap] == [f"{path}!/data.pkl"]
    assert gap[0]["rule_id"] == "PG-TGT-009" and gap[0]["action"] == "block"
    assert "cannot be read" in gap[0]["message"]


def test_pickle_cut_by_its_work_budget_fails_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pickle_vm, "MAX_OPS", 10_000)
    path = tmp_path / "big.pkl"
    path.write_bytes(b"\x80\x04]" + b"K\x01a" * 20_000 + b".")
    report = scan([str(path)])
    assert report.gate_failed
    gap = [d for d in report.decisions if d.finding.kind == "coverage.unexamined"]
    assert len(gap) == 1 and "operation budget of 10000 opcodes" in gap[0].finding.message


def test_organisation_may_lower_the_gate_to_a_guideline(tmp_path: Path, cli) -> None:
    target = nested(tmp_path, 6)
    (tmp_path / "petgov.toml").write_text(
        '[overrides."PG-TGT-005"]\nmode = "guideline"\n', encoding="utf-8"
    )
    res = cli("scan", str(target), "-f", "json", cwd=tmp_path)
    assert res.code == 0, res.stderr
    assert any(f["kind"] == "archive.too_deep" for f in res.json()["findings"])


def test_a_benign_pickle_and_archive_raise_no_coverage_finding(tmp_path: Path, cli) -> None:
    import pickle

    path = tmp_path / "ok.zip"
    path.write_bytes(zip_bytes({"a/data.pkl": pickle.dumps({"w": [1.0]}), "a/version": b"3"}))
    doc = cli("scan", str(path), "-f", "json").json()
    assert not [f for f in doc["findings"] if f["kind"] == "coverage.unexamined"]


def test_bad_size_is_a_usage_error(tmp_path: Path, cli) -> None:
    res = cli("scan", str(nested(tmp_path, 1)), "--max-bytes", "lots")
    assert res.code == 2 and "--max-bytes 'lots' is not a size" in res.stderr
    assert "Traceback" not in res.stderr


def test_pickle_past_its_time_limit_fails_the_gate_and_names_timeout(tmp_path: Path, cli) -> None:
    path = tmp_path / "slow.pkl"
    path.write_bytes(b"\x80\x04]" + b"K\x01a" * 400_000 + b".")  # 800k opcodes, ~1 s of work
    res = cli("scan", str(path), "-f", "json", "--timeout", "0.001")
    assert res.code == 1, res.stderr
    gap = [f for f in res.json()["findings"] if f["kind"] == "coverage.unexamined"]
    assert len(gap) == 1 and "time limit reached" in gap[0]["message"]
    assert "--timeout" in gap[0]["message"]
    assert cli("scan", str(path), "-f", "json").code == 0  # no limit given: examined in full


def test_time_limit_is_checked_inside_the_vm() -> None:
    import time

    stream = b"\x80\x04]" + b"K\x01a" * 200_000 + b"."
    analysis = pickle_vm.analyze(stream, deadline=time.monotonic() - 1)
    assert analysis.budget_exceeded is not None
    assert analysis.ops == 65_536  # the clock is read every 65,536 opcodes


def test_limits_come_from_petgov_toml_and_flags_win(tmp_path: Path, cli) -> None:
    target = nested(tmp_path, 6)
    (tmp_path / "petgov.toml").write_text("[limits]\nmax_depth = 6\n", encoding="utf-8")
    doc = cli("scan", str(target), "-f", "json", cwd=tmp_path).json()
    kinds = {f["kind"] for f in doc["findings"]}
    assert "ser.dangerous_global" in kinds and "archive.too_deep" not in kinds
    lowered = cli("scan", str(target), "-f", "json", "--max-depth", "2", cwd=tmp_path).json()
    assert "archive.too_deep" in {f["kind"] for f in lowered["findings"]}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("max_depth = -1", "max_depth must be an integer >= 0"),
        ('max_members = "many"', "max_members must be an integer >= 1"),
        ('max_bytes = "lots"', "max_bytes 'lots' is not a size"),
        ("timeout = 0", "timeout must be a number of seconds > 0"),
        ("max_dept = 3", "unknown settings max_dept"),
    ],
)
def test_bad_limits_in_petgov_toml_are_exit_2(
    tmp_path: Path, cli, table: str, message: str
) -> None:
    (tmp_path / "petgov.toml").write_text(f"[limits]\n{table}\n", encoding="utf-8")
    res = cli("scan", str(nested(tmp_path, 1)), cwd=tmp_path)
    assert res.code == 2 and message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
