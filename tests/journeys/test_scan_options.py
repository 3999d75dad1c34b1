"""Regression tests for scan conventions from the review: D-M1 width, D-M7 colour, D-m3 stderr
summary with -o, D-m11 skipped folders, D-m12 empty targets, --quiet, --severity, --exclude."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from petgov.cli.display import resolve_color, table_width
from petgov.demo import harmless_payload_pickle, safetensors_bytes, write_demo


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    env.update(extra)
    return env


def test_D_M7_color_choices_and_environment(monkeypatch: Any) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert resolve_color("auto", to_terminal=True) is True
    assert resolve_color("auto", to_terminal=False) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert resolve_color("auto", to_terminal=True) is False
    assert resolve_color("always", to_terminal=False) is True
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert resolve_color("auto", to_terminal=False) is True
    assert resolve_color("never", to_terminal=True) is False


def test_D_M7_force_color_and_color_flag(tmp_path: Path, cli: Callable[..., Any]) -> None:
    (tmp_path / "x.pkl").write_bytes(harmless_payload_pickle())
    plain = cli("scan", str(tmp_path), "--no-progress", env=_env())
    forced = cli("scan", str(tmp_path), "--no-progress", env=_env(FORCE_COLOR="1"))
    always = cli("scan", str(tmp_path), "--no-progress", "--color", "always", env=_env())
    never = cli(
        "scan", str(tmp_path), "--no-progress", "--color", "never", env=_env(FORCE_COLOR="1")
    )
    assert "\x1b[" not in plain.stdout and "\x1b[" not in never.stdout
    assert "\x1b[" in forced.stdout and "\x1b[" in always.stdout
    assert cli("scan", str(tmp_path), "--color", "rainbow").code == 2


def test_D_M1_width_follows_columns(tmp_path: Path, cli: Callable[..., Any]) -> None:
    deep = tmp_path / "a-rather-long-folder-name" / "and-another-long-one"
    deep.mkdir(parents=True)
    (deep / "optimizer.weights").write_bytes(harmless_payload_pickle())
    for cols in (80, 200):
        res = cli("scan", ".", "--no-progress", env=_env(COLUMNS=str(cols)), cwd=tmp_path)
        widest = max(len(line) for line in res.stdout.splitlines())
        assert widest <= cols, (cols, widest)
    wide = cli("scan", ".", "--no-progress", env=_env(COLUMNS="200"), cwd=tmp_path).stdout
    shown = "a-rather-long-folder-name/and-another-long-one/optimizer.weights"
    assert shown in wide  # not folded mid-word when there is room
    assert table_width(to_terminal=False) in (120, int(os.environ.get("COLUMNS", "120") or 120))


def test_D_m3_output_file_prints_one_summary_line(tmp_path: Path, cli: Callable[..., Any]) -> None:
    (tmp_path / "x.pkl").write_bytes(harmless_payload_pickle())
    out = tmp_path / "r.json"
    res = cli("scan", str(tmp_path / "x.pkl"), "-f", "json", "-o", str(out))
    assert res.code == 1 and res.stdout == ""
    assert res.stderr.strip().endswith(f"GATE FAILED -> {out}")
    assert res.stderr.count("\n") == 1
    quiet = cli("scan", str(tmp_path / "x.pkl"), "-f", "json", "-o", str(out), "-q")
    assert quiet.stderr == ""


def test_quiet_prints_only_the_summary(tmp_path: Path, cli: Callable[..., Any]) -> None:
    (tmp_path / "x.pkl").write_bytes(harmless_payload_pickle())
    res = cli("scan", str(tmp_path), "--quiet")
    assert res.code == 1
    assert res.stdout.splitlines() == [res.stdout.strip()]
    assert res.stdout.startswith("1 item, ") and "GATE FAILED" in res.stdout


def test_severity_is_a_display_filter(tmp_path: Path, cli: Callable[..., Any]) -> None:
    (tmp_path / "w.safetensors").write_bytes(safetensors_bytes())
    (tmp_path / "x.pkl").write_bytes(harmless_payload_pickle())
    full = cli("scan", str(tmp_path), "-f", "json").json()
    shown = cli("scan", str(tmp_path), "-f", "json", "--severity", "high")
    doc = shown.json()
    assert {f["severity"] for f in full["findings"]} & {"low"}
    assert {f["severity"] for f in doc["findings"]} <= {"high", "critical"}
    assert any("not shown (--severity high)" in n for n in doc["notes"])
    assert shown.code == 1  # the gate still follows --fail-on
    hidden_gate = cli("scan", str(tmp_path), "-f", "json", "--severity", "critical")
    assert hidden_gate.code == 1


def test_D_m11_skipped_folders_are_listed_and_overridable(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    hidden = tmp_path / "t" / "node_modules" / "x"
    hidden.mkdir(parents=True)
    (hidden / "b.pkl").write_bytes(harmless_payload_pickle())
    (tmp_path / "t" / "w.safetensors").write_bytes(safetensors_bytes())
    res = cli("scan", str(tmp_path / "t"), "-f", "json")
    assert res.code == 0
    assert any("node_modules" in n and "--no-default-skips" in n for n in res.json()["notes"])
    full = cli("scan", str(tmp_path / "t"), "-f", "json", "--no-default-skips")
    assert full.code == 1
    assert any(f["path"].endswith("b.pkl") for f in full.json()["findings"])


def test_exclude_and_petgovignore(tmp_path: Path, cli: Callable[..., Any]) -> None:
    target = tmp_path / "t"
    (target / "legacy").mkdir(parents=True)
    (target / "legacy" / "old.pkl").write_bytes(harmless_payload_pickle())
    (target / "w.safetensors").write_bytes(safetensors_bytes())
    assert cli("scan", str(target), "-f", "json").code == 1
    res = cli("scan", str(target), "-f", "json", "--exclude", "legacy/")
    assert res.code == 0
    assert [i["path"] for i in res.json()["items"]] == [str(target / "w.safetensors")]
    assert cli("scan", str(target), "--exclude", "*.pkl", "-f", "json").code == 0
    (target / ".petgovignore").write_text("# vendored\nlegacy/old.pkl\n")
    assert cli("scan", str(target), "-f", "json").code == 0
    (tmp_path / ".petgovignore").write_text("*.pkl\n")
    (target / ".petgovignore").unlink()
    assert cli("scan", str(target), "-f", "json", cwd=tmp_path).code == 0


def test_D_m12_empty_target_warns_and_fails_on_request(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    empty = tmp_path / "e"
    empty.mkdir()
    res = cli("scan", str(empty))
    assert res.code == 0 and res.stderr.startswith("warning: ") and "no files to scan" in res.stderr
    strict = cli("scan", str(empty), "--fail-on-empty")
    assert strict.code == 2 and strict.stderr.startswith("error: ")
    write_demo(tmp_path / "d")
    assert cli("scan", str(tmp_path / "d" / "data"), "--fail-on-empty").code == 0
