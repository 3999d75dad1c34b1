"""Regression tests for the review's CLI defects (D-M3, D-m1, D-m4) and conventions users try
first (--version, --debug after the command, shell completion, files with the user's umask)."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import petgov
from petgov.demo import safetensors_bytes


def test_D_m1_version_flag(cli: Callable[..., Any]) -> None:
    res = cli("--version")
    assert (res.code, res.stdout) == (0, f"petgov {petgov.__version__}\n")


def test_D_M3_debug_keeps_exit_2_and_prints_the_traceback(cli: Callable[..., Any]) -> None:
    for args in (("--debug", "scan", "nonexist"), ("scan", "nonexist", "--debug")):
        res = cli(*args)
        assert res.code == 2, (args, res.stderr)
        assert "Traceback (most recent call last)" in res.stderr
        assert "NoSuchOption" not in res.stderr
        assert res.stderr.rstrip().splitlines()[-1].startswith("error: nonexist")


def test_D_M3_debug_usage_error_is_exit_2(cli: Callable[..., Any]) -> None:
    res = cli("scan", "--formt", "json", ".", "--debug")
    assert res.code == 2


def test_shell_completion_is_on(cli: Callable[..., Any]) -> None:
    res = cli("--help")
    assert "--install-completion" in res.stdout and "--show-completion" in res.stdout


def test_D_m4_outputs_follow_the_umask(tmp_path: Path, cli: Callable[..., Any]) -> None:
    (tmp_path / "w.safetensors").write_bytes(safetensors_bytes())
    out = tmp_path / "r.json"
    old = os.umask(0o022)
    try:
        res = cli("scan", str(tmp_path / "w.safetensors"), "-f", "json", "-o", str(out))
        bom = cli("bom", str(tmp_path / "w.safetensors"), "-o", str(tmp_path / "b.json"))
    finally:
        os.umask(old)
    assert res.code == 0 and bom.code == 0, res.stderr + bom.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.json").stat().st_mode) == 0o644


def test_private_keys_stay_private(tmp_path: Path) -> None:
    from petgov.demo import write_demo_key

    private, public = write_demo_key(tmp_path)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(public.stat().st_mode) & 0o044


def test_D_m13_waivers_file_without_waivers_is_exit_2(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    (tmp_path / "w.safetensors").write_bytes(safetensors_bytes())
    config = tmp_path / "config.json"
    config.write_text('{"architectures": ["DemoModel"], "model_type": "demo"}')
    res = cli("scan", str(tmp_path / "w.safetensors"), "--waivers", str(config))
    assert res.code == 2 and "no `waivers:` list" in res.stderr
    empty = tmp_path / "waivers.yaml"
    empty.write_text("waivers: []\n")
    assert cli("scan", str(tmp_path / "w.safetensors"), "--waivers", str(empty)).code == 0


def test_D_m14_attest_verify_on_a_folder_says_so(tmp_path: Path, cli: Callable[..., Any]) -> None:
    res = cli("attest", "verify", str(tmp_path), "-t", "snp")
    assert res.code == 2 and f"{tmp_path}: is a directory" in res.stderr
