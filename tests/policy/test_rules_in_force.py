"""`petgov rules list/show --policy`: the rules a scan would apply, not one pack's defaults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

Cli = Callable[..., CliResult]


def test_a_policy_lists_overridden_rules_as_set_and_drops_disabled_ones(
    cli: Cli, tmp_path: Path
) -> None:
    cfg = tmp_path / "petgov.toml"
    cfg.write_text(
        'packs = ["builtin"]\n'
        '[overrides.PG-SER-001]\nseverity = "medium"\nmode = "guideline"\n'
        '[overrides."PG-TGT-00*"]\ndisable = true\n'
    )
    builtin = cli("rules", "list").stdout.splitlines()
    policy = cli("rules", "list", "--policy", str(cfg))
    assert policy.code == 0, policy.stderr
    lines = policy.stdout.splitlines()
    assert not any(line.startswith("PG-TGT-00") for line in lines)
    assert any(line.startswith("PG-TGT-00") for line in builtin)
    assert [x for x in lines if x.startswith("PG-SER-001 ")] == [
        x.replace("critical", "medium  ").replace("gate     ", "guideline")
        for x in builtin
        if x.startswith("PG-SER-001 ")
    ]
    dropped = sum(x.startswith("PG-TGT-00") for x in builtin)
    assert (
        lines[-1]
        == f"{len(builtin) - 1 - dropped} rules in the policy {cfg} (petgov-builtin 0.1.0)"
    )
    shown = cli("rules", "show", "PG-SER-001", "--policy", str(cfg))
    assert "severity medium, mode guideline" in shown.stdout
    gone = cli("rules", "show", "PG-TGT-001", "--policy", str(cfg))
    assert gone.code == 2 and "no rule PG-TGT-001 in the policy" in gone.stderr


def test_a_pack_and_a_policy_together_or_a_bad_policy_are_one_line_exit_2(
    cli: Cli, tmp_path: Path, no_network: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "petgov.toml"
    cfg.write_text('packs = ["builtin"]\n')
    both = cli("rules", "list", "pack/", "--policy", str(cfg))
    assert both.code == 2 and "not both" in both.stderr
    cfg.write_text('packs = ["builtin"]\nfail-on = "high"\n')
    bad = cli("rules", "list", "--policy", str(cfg))
    assert bad.code == 2 and "Traceback" not in bad.stderr and len(bad.stderr.splitlines()) <= 2
    monkeypatch.setenv("PETGOV_OFFLINE", "1")  # the pin hint would ask the registry otherwise
    unpinned = cli("rules", "list", "oci://registry.example.com/acme/org:1.0")
    assert unpinned.code == 2 and "Traceback" not in unpinned.stderr
    assert "sha256" in unpinned.stderr and no_network == []  # refused before any connection


PIN = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    "source",
    [f"oci://registry.example.com/acme/org:1.0@{PIN}", "https://rules.example.com/p.tar.gz"],
)
def test_an_uncached_remote_pack_offline_is_one_line_and_no_socket(
    cli: Cli,
    tmp_path: Path,
    no_network: list[str],
    monkeypatch: pytest.MonkeyPatch,
    source: str,
) -> None:
    monkeypatch.setenv("PETGOV_CACHE_DIR", str(tmp_path / "cache"))
    cfg = tmp_path / "petgov.toml"
    cfg.write_text(f'packs = ["builtin", {{ source = "{source}", sha256 = "{PIN[7:]}" }}]\n')
    model = tmp_path / "m.pkl"
    model.write_bytes(b"\x80\x04K\x01.")
    scanned = cli("scan", str(model), "--offline", "--policy", str(cfg))
    assert scanned.code == 2, scanned.stderr
    assert "--offline forbids it" in scanned.stderr and "Traceback" not in scanned.stderr
    monkeypatch.setenv("PETGOV_OFFLINE", "1")
    listed = cli("rules", "list", "--policy", str(cfg))
    assert listed.code == 2 and "PETGOV_OFFLINE forbids it" in listed.stderr
    assert no_network == []
